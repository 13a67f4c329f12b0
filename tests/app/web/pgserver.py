"""A throw-away PostgreSQL server for the workspace tests (Debian's ``postgresql``).

``python3 tests/app/web/pgserver.py start DIR`` initialises a cluster in ``DIR`` (as the
``postgres`` user when run as root), starts it on a Unix socket only (no TCP port) and
prints the database URL; ``python3 tests/app/web/pgserver.py stop DIR`` stops it. Standard
library only, so ``.ci/run`` can call it before the virtual environment exists.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

DATABASE = "pronate_test"


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL is not installed or did not start (the message says why)."""


def _bindir() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        raise PostgresUnavailableError("Debian's postgresql package is not installed")
    return Path(found[-1]).parent


def _as_owner() -> list[str]:
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailableError("running as root without runuser")
    return [runuser, "-u", "postgres", "--"]


def _run(command: list[str], *, log: Path) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        extra = log.read_text(errors="replace")[-500:] if log.is_file() else ""
        raise PostgresUnavailableError(f"{Path(command[-1]).name}: {' '.join(tail)} {extra}")


def start(root: Path) -> str:
    """Initialise and start a cluster in ``root``; return its SQLAlchemy URL."""
    bindir, prefix = _bindir(), _as_owner()
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    if prefix:
        shutil.chown(root, "postgres", "postgres")
    data, log = root / "data", root / "server.log"
    if not (data / "PG_VERSION").is_file():
        _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            log=log,
        )
    options = f"-k {root} -h '' -F -c fsync=off -c full_page_writes=off"
    _run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ],
        log=log,
    )
    created = subprocess.run(
        [*prefix, str(bindir / "createdb"), "-h", str(root), "-U", "postgres", DATABASE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if created.returncode != 0 and "already exists" not in created.stderr:
        raise PostgresUnavailableError(f"createdb: {created.stderr.strip()}")
    return f"postgresql+psycopg://postgres@/{DATABASE}?host={root}"


def stop(root: Path) -> None:
    """Stop the cluster in ``root`` (if running)."""
    try:
        bindir, prefix = _bindir(), _as_owner()
    except PostgresUnavailableError:
        return
    data = Path(root) / "data"
    if data.is_dir():
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )


def main(argv: list[str]) -> int:
    """``start DIR`` (prints the URL) or ``stop DIR``."""
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: pgserver.py start|stop DIR", file=sys.stderr)
        return 2
    if argv[0] == "stop":
        stop(Path(argv[1]))
        return 0
    try:
        print(start(Path(argv[1])))
    except (PostgresUnavailableError, OSError, subprocess.SubprocessError) as exc:
        print(f"pgserver: PostgreSQL did not start: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
