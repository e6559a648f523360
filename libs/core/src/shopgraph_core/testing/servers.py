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
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

MARIADB_USER, MARIADB_PASSWORD = "shopgraph", "shopgraph-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout_s}s")


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
        [_binary("mariadb-install-db", "mysql_install_db"), "--no-defaults",
         f"--datadir={datadir}", "--user=root", "--auth-root-authentication-method=socket",
         "--skip-test-db"],
        check=True, capture_output=True,
    )
    process = subprocess.Popen(
        [_binary("mariadbd", "mysqld"), "--no-defaults", f"--datadir={datadir}",
         f"--socket={sock}", f"--port={port}", "--bind-address=127.0.0.1", "--user=root",
         f"--log-error={log}", "--skip-log-bin", "--innodb-buffer-pool-size=256M",
         # Durability is not under test here; speed is welcome.
         "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
         "--max-connections=500", f"--pid-file={root / 'mysqld.pid'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        try:
            wait_for_port(port, 60, process)
        except (TimeoutError, RuntimeError) as exc:
            raise RuntimeError(f"MariaDB did not start:\n{log.read_text()[-3000:]}") from exc
        subprocess.run(
            [_binary("mariadb", "mysql"), "--no-defaults", f"--socket={sock}", "-uroot", "-e",
             f"CREATE USER '{MARIADB_USER}'@'%' IDENTIFIED BY '{MARIADB_PASSWORD}';"
             f"GRANT ALL ON *.* TO '{MARIADB_USER}'@'%';"],
            check=True, capture_output=True,
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
    import pymysql  # noqa: PLC0415 - only SQL services' tests need it

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
