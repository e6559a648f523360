from shopgraph_core.storage.sql import run_migrations
from shopgraph_orders.models import Base

run_migrations(Base.metadata)
