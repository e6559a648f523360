"""Whether a URL names only this machine: a development default, never production's.

One host set, one check per kind of URL. Production settings refuse loopback URLs for the
services and databases they must reach (`ServiceSettings.unsafe_in_production`).
"""

from urllib.parse import urlsplit

# Bracketed IPv6 literals ("[::1]") are compared without their brackets.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback_http_url(url: str) -> bool:
    """True when an http(s) URL names this machine, or names no host at all."""
    return (urlsplit(url).hostname or "localhost") in LOOPBACK_HOSTS


def is_loopback_mongodb_url(url: str) -> bool:
    """True when every host of a MongoDB URL is this machine (a dev server, not production's).

    Not a MongoDB URL at all is not production's either, so it counts as loopback.
    """
    # Parsed by hand: pymongo's parser resolves mongodb+srv names over DNS.
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("mongodb", "mongodb+srv"):
        return True
    hostlist = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
    hosts = [_host_of(entry) for entry in hostlist.split(",") if entry]
    return not hosts or all(host in LOOPBACK_HOSTS for host in hosts)


def _host_of(entry: str) -> str:
    """The host of one `host[:port]` entry of a MongoDB host list, lower case."""
    if entry.startswith("["):  # [::1]:27017
        return entry[1 : entry.find("]")].lower()
    return entry.rsplit(":", 1)[0].lower() if entry.count(":") == 1 else entry.lower()
