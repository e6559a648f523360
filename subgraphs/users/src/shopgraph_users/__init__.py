"""The users subgraph: accounts, passwords and the JWTs the other services trust."""
