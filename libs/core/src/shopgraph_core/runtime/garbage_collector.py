"""Python's cyclic garbage collector, set once for a long-running server.

Why: CPython collects its youngest generation after every 700 new container objects and, now
and then, the whole heap. A subgraph's heap after start-up is some 145,000 objects that never
become garbage (modules, the schema, SQLAlchemy's and Pydantic's caches), and every full
collection walks all of them again: about 90 ms on a 2-core development machine, a pause of
every request in flight. Measured on a page of orders (`docs/performance.md`, "Garbage
collection"), collections cost 0.8 ms of its 7 ms of CPU with CPython's defaults.

- `gc.freeze()` once the server is built moves what exists then out of the collector's
  sight for good: a full collection walks only what came later.
- The youngest generation collects after 10,000 new objects instead of 700. Most of a
  request's objects are freed by reference counting and never count against it; what does
  count is cyclic garbage and objects still in use, so fewer collections mean fewer walks of
  the requests in flight, at the price of cyclic garbage living a little longer (up to
  10,000 more objects between collections; not measured as memory here).

Called by the `serve` command (so by every deployment) and by the benchmarks' servers,
bare baselines included, never by the tests, which create many apps in one process.
"""

import gc

YOUNG_GENERATION_THRESHOLD = 10_000  # CPython's default is 700


def prepare_for_serving() -> None:
    """Collect start-up's garbage, freeze what is left, and collect the young less often."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
