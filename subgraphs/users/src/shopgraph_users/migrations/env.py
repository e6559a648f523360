from shopgraph_core.storage.sql_migrations import run_migrations
from shopgraph_users.models import Base

run_migrations(Base.metadata)
