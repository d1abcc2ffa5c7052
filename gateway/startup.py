"""Start-up checks that turn the usual failures into one line saying what to do.

A busy port, a data directory that cannot be written, a database that does not answer:
each is a `StartupError` whose message names the thing and the fix; the CLI prints it and
exits 1 instead of a traceback.

Running gateways register their database in a small per-user state directory, so a CLI
command started from another directory (where `./data` is a different, empty folder) can
refuse to create a second database by accident and say which one the gateway uses.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported when needed: `nlu parse` starts without it
    from gateway.settings import Settings


class StartupError(Exception):
    """The gateway cannot start; the message says why and what to do, in one line."""


def storage_errors() -> tuple[type[BaseException], ...]:
    """What a database that cannot be reached raises, whichever driver is in use."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    return (OperationalError, DBAPIError, OSError)


def check_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"the data directory {data_dir.resolve()} is not writable ({exc.strerror}): "
            "set GATEWAY_DATA_DIR to a directory this user can write"
        ) from None


def check_port_free(host: str, port: int) -> None:
    if port == 0:
        return  # the system picks a free one
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise StartupError(port_error(host, port, exc)) from None


def port_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another gateway?): stop it, or start "
            f"with --port N (or GATEWAY_PORT=N)"
        )
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port}: use a port above 1023 (--port N)"
    return f"cannot listen on {host}:{port}: {exc.strerror}; check --host/GATEWAY_HOST"


def describe_database(url: str) -> str:
    """The database for people: a SQLite file's path, or a server URL without its password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return f"SQLite file {parsed.database}"
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)


def database_error(url: str, exc: BaseException) -> StartupError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return StartupError(
        f"cannot open the database ({describe_database(url)}): {reason}; "
        "check GATEWAY_DATABASE_URL and that the server runs"
    )


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file the settings point at, or None for a database server."""
    from sqlalchemy.engine import make_url

    if not settings.is_sqlite:
        return None
    return Path(make_url(settings.effective_database_url).database or "")


# --- running gateways, so CLI commands find the database they use ---


def _registry_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "complaint-gateway" / "running"


@contextlib.contextmanager
def registered_as_running(settings: Settings) -> Iterator[None]:
    """Records this process's database while it serves; a stale record (the process died)
    is ignored by readers, so a crash leaves nothing to clean by hand."""
    record = _registry_dir() / f"{os.getpid()}.json"
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "database": settings.effective_database_url,
                    "data_dir": str(settings.data_dir.resolve()),
                }
            )
        )
    except OSError:
        pass  # a home without a writable state dir only loses the hint, not the gateway
    try:
        yield
    finally:
        record.unlink(missing_ok=True)


def running_databases() -> list[dict[str, str]]:
    found = []
    for record in sorted(_registry_dir().glob("*.json")):
        try:
            entry = json.loads(record.read_text())
            os.kill(int(entry["pid"]), 0)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable, or its process is gone
        found.append(entry)
    return found


def refuse_second_database(settings: Settings) -> None:
    """Refuses to create a new SQLite database from the default `./data` while a running
    gateway uses another one: that is almost always a command run from the wrong folder,
    and its result (a staff token, say) would be refused by the running gateway."""
    explicit = {"data_dir", "database_url"} & settings.model_fields_set
    database = sqlite_file(settings)
    if explicit or database is None or database.exists():
        return
    others = [e for e in running_databases() if e["database"] != settings.effective_database_url]
    if others:
        raise StartupError(
            f"no database in {settings.data_dir.resolve()}, and a running gateway uses "
            f"{describe_database(others[0]['database'])}: run this command with "
            f"GATEWAY_DATA_DIR={others[0]['data_dir']} (or from the folder that holds "
            "./data); set GATEWAY_DATA_DIR explicitly to create a new database there"
        )
