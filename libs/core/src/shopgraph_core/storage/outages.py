"""Which driver errors mean "the database is away", so that they leave as UPSTREAM_UNAVAILABLE.

A stopped, unreachable or restarting database is an outage the client can wait out, not a
bug: the error shaping (GraphQL and internal REST) answers it with UPSTREAM_UNAVAILABLE and
logs one warning line instead of an error with a traceback. Everything else a driver raises
(constraint violations, bad SQL, a command MongoDB refuses) stays an internal error.
"""

from shopgraph_core.errors import UpstreamUnavailable

# MySQL client error numbers (CR_*, 2000-2999) are all about reaching the server: can't
# connect (2002, 2003), server gone away (2006), lost connection (2013), and so on.
_MYSQL_CLIENT_ERRORS = range(2000, 3000)
OUTAGE_MESSAGE = "A service this request needs is unavailable; try again shortly"


def is_storage_outage(error: BaseException) -> bool:
    """True when `error` says the service's database cannot be reached right now."""
    return _is_mongo_outage(error) or _is_sql_outage(error)


# Each service installs only its own driver (core's `mongo` or `sql` extra): the users image
# has no pymongo, the products image no SQLAlchemy. The imports wait until an error needs
# them, and a driver that is not installed raised nothing to classify.
def _is_mongo_outage(error: BaseException) -> bool:
    try:
        from pymongo.errors import ConnectionFailure
    except ImportError:
        return False
    # pymongo: server selection timed out, connection refused or reset, network timeout,
    # no connection free in the pool in time.
    return isinstance(error, ConnectionFailure)


def _is_sql_outage(error: BaseException) -> bool:
    try:
        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.exc import TimeoutError as PoolTimeoutError
    except ImportError:
        return False
    # SQLAlchemy: no pooled connection in time.
    if isinstance(error, PoolTimeoutError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        args: tuple[object, ...] = tuple(getattr(error.orig, "args", ()))
        return bool(args) and isinstance(args[0], int) and args[0] in _MYSQL_CLIENT_ERRORS
    return False


def as_upstream_unavailable(error: BaseException) -> UpstreamUnavailable | None:
    """The client-safe error for a storage outage; None when `error` is something else."""
    if is_storage_outage(error):
        return UpstreamUnavailable(OUTAGE_MESSAGE)
    return None
