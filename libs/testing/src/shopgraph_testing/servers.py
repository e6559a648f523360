"""Real database servers for tests, started once per test run.

MariaDB comes from Debian's package (the test command installs it when missing); each run
gets a private server in a temporary folder on a free port, so nothing on the machine is
touched. Set TEST_MYSQL_URL to use a server of your own instead.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from shopgraph_testing.processes import NotReady, port_open, wait_until_ready

MARIADB_USER, MARIADB_PASSWORD = "shopgraph", "shopgraph-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or next(
            (p for d in ("/usr/sbin", "/usr/bin") if Path(p := f"{d}/{name}").exists()), None
        )
        if found:
            return found
    raise RuntimeError(f"none of {names} is installed; run scripts/setup.sh")


@contextlib.contextmanager
def mariadb_server() -> Iterator[str]:
    """A private MariaDB server; yields its base URL (no database part)."""
    if url := os.environ.get("TEST_MYSQL_URL"):
        yield url
        return
    root = Path(tempfile.mkdtemp(prefix="shopgraph-mariadb-"))
    datadir, sock, log = root / "data", root / "mysqld.sock", root / "mysqld.log"
    port = free_port()
    subprocess.run(
        [
            _binary("mariadb-install-db", "mysql_install_db"),
            "--no-defaults",
            f"--datadir={datadir}",
            "--user=root",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [
            _binary("mariadbd", "mysqld"),
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--user=root",
            f"--log-error={log}",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=256M",
            # Durability is not under test here; speed is welcome.
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--max-connections=500",
            f"--pid-file={root / 'mysqld.pid'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        try:
            wait_until_ready("MariaDB", port_open(port), 60, process=process, interval_s=0.1)
        except NotReady as exc:
            raise RuntimeError(f"MariaDB did not start:\n{log.read_text()[-3000:]}") from exc
        subprocess.run(
            [
                _binary("mariadb", "mysql"),
                "--no-defaults",
                f"--socket={sock}",
                "-uroot",
                "-e",
                f"CREATE USER '{MARIADB_USER}'@'%' IDENTIFIED BY '{MARIADB_PASSWORD}';"
                f"GRANT ALL ON *.* TO '{MARIADB_USER}'@'%';",
            ],
            check=True,
            capture_output=True,
        )
        yield f"mysql://{MARIADB_USER}:{MARIADB_PASSWORD}@127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


def new_mysql_database(base_url: str, prefix: str) -> str:
    """Create an empty database on the server and return its URL."""
    import pymysql

    url = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    connection = pymysql.connect(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or ""
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        connection.close()
    return url.set(database=name).render_as_string(hide_password=False)


def _ferretdb_script() -> Path:
    """scripts/ferretdb.sh of the repository these tests run from."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (script := folder / "scripts" / "ferretdb.sh").is_file():
                return script
    raise RuntimeError("scripts/ferretdb.sh not found; run the tests from the repository")


@contextlib.contextmanager
def mongo_server() -> Iterator[str]:
    """A MongoDB-wire server for the test run; yields its base URL (no database part).

    MONGODB_URL names a server of your own (a real MongoDB); otherwise a private FerretDB
    (on SQLite, in a temporary folder, on a free port) is started and stopped afterwards.
    """
    if url := os.environ.get("MONGODB_URL"):
        yield url
        return
    script = _ferretdb_script()
    root = Path(tempfile.mkdtemp(prefix="shopgraph-ferretdb-"))
    port = free_port()
    # The first run builds the server from tools/ferretdb (Go), which takes minutes.
    started = subprocess.run(
        [str(script), "start", str(port), str(root)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if started.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"FerretDB did not start:\n{started.stderr[-3000:]}")
    try:
        yield f"mongodb://127.0.0.1:{port}/"
    finally:
        subprocess.run(
            [str(script), "stop", str(root)], capture_output=True, timeout=60, check=False
        )
        shutil.rmtree(root, ignore_errors=True)


def new_mongo_database(base_url: str, prefix: str) -> str:
    """The URL of a fresh, empty database on the server (MongoDB creates it on first write)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    scheme, _, rest = base_url.partition("://")
    hosts, _, tail = rest.partition("/")
    query = tail.partition("?")[2]
    return f"{scheme}://{hosts}/{name}" + (f"?{query}" if query else "")
