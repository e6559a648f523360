"""Benchmarks, out of the test suite: each subgraph's hottest reads against a bare FastAPI
baseline on the same database, and the gateways against the subgraphs called directly, as
ratios of rates measured in the same run (`make bench`, docs/performance.md).

harness: the closed loop, spawned servers, tables; users, products, orders: a subgraph each;
gateways: the Node gateway and Apollo Router; cli: `python -m benchmarks`.
"""
