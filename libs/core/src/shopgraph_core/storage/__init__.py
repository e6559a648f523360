"""SQL and MongoDB stores, and which driver errors mean the database is away."""
