from shopgraph_core.storage.sql_migrations import run_migrations
from shopgraph_orders.models import Base

run_migrations(Base.metadata)
