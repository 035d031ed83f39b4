"""A throwaway PostgreSQL server for tests: initdb in a temporary folder, loopback port, trust auth.

PostgreSQL refuses to run as root, so under root the binaries run as the
``postgres`` user (Debian's package creates it; ``nobody`` otherwise) via
``runuser``, in a folder that user owns. The server listens on 127.0.0.1 only,
keeps its unix socket in the temporary folder, and is stopped and deleted after.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True
    )
    initdb = candidates[0] if candidates else shutil.which("initdb")
    if initdb and (Path(initdb).parent / "pg_ctl").exists():
        return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> str | None:
    """The user to run the server as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError(
        "running as root and there is neither a 'postgres' nor a 'nobody' user to run PostgreSQL"
    )


@dataclass
class PgServer:
    """A running server; ``create_database()`` gives each test a fresh database URL."""

    bindir: Path
    folder: Path
    port: int
    run_as: str | None
    _names: count = field(default_factory=lambda: count(1))

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "test") -> str:
        import psycopg

        name = f"{prefix}_{next(self._names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def command(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bindir / tool), *args]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


@contextlib.contextmanager
def running_postgres(bindir: Path) -> Iterator[PgServer]:
    """Start a server in a new temporary folder, yield it, stop it and delete the folder."""
    run_as = _run_as()
    # Not under pytest's tmp_path: its parent is private to root, and the server user
    # must be able to reach its own folder.
    folder = Path(tempfile.mkdtemp(prefix="slm-psr-pg-"))
    if run_as:
        shutil.chown(folder, user=run_as)
    server = PgServer(bindir=bindir, folder=folder, port=0, run_as=run_as)
    started = False
    try:
        subprocess.run(
            server.command(
                "initdb", "-D", str(server.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                "--no-locale", "--no-sync",
            ),
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        for attempt in range(3):  # the free port can be taken between choosing and binding it
            server.port = _free_port()
            options = (
                f"-p {server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} "
                "-c fsync=off -c max_connections=50"
            )
            run = subprocess.run(
                server.command(
                    "pg_ctl", "start", "-w", "-t", "60", "-D", str(server.data), "-l", str(server.log),
                    "-o", options,
                ),
                capture_output=True, text=True, timeout=90,
            )  # fmt: skip
            if run.returncode == 0:
                started = True
                break
            if attempt == 2:
                raise RuntimeError(f"PostgreSQL did not start: {run.stderr.strip()}\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        if started:
            subprocess.run(
                server.command("pg_ctl", "stop", "-m", "immediate", "-D", str(server.data)),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(folder, ignore_errors=True)
