from shopgraph_core.storage.sql import run_migrations
from shopgraph_users.models import Base

run_migrations(Base.metadata)
