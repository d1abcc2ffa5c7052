"""The database, run as plain synchronous SQLAlchemy Core in one place per transaction.

Every transaction is one synchronous function `fn(conn, *args)`. The gateway runs it:

- on SQLite, on a dedicated writer thread (one writer, as SQLite wants) or a small reader
  pool, with the standard `sqlite3` driver: one thread hop per transaction instead of one
  per statement, which is what made the asyncio driver slow here;
- on PostgreSQL, through the asyncpg async engine's `run_sync`, so the same function runs
  unchanged on both databases.

Writers open SQLite transactions with BEGIN IMMEDIATE, so a second process waits on
`busy_timeout` instead of failing half-way with "database is locked". The gateway's own
writers first take an exclusive `flock` on a file beside the database: SQLite's busy wait
sleeps in growing steps up to 100 ms and is not woken when the lock frees, so an accept
queued behind a worker's ticket transaction waited longer than that transaction; the kernel
wakes a `flock` waiter as soon as the holder lets go.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool

T = TypeVar("T")
P = ParamSpec("P")

_WRITE_OPTION = "gateway_write"
_AFTER_COMMIT = "gateway_after_commit"
READER_THREADS = 4
#: A pooled PostgreSQL connection idle this long is pinged before use (the server may have
#: restarted meanwhile). A busy one is not: the ping is three round trips (BEGIN, a query,
#: ROLLBACK), under a flood as many as a group commit's own; and one that fails in use is a
#: disconnect, which discards the pool's older connections too, so the next one is fresh.
PING_AFTER_IDLE_SECONDS = 2.0


class Database:
    """Runs transactions: `await db.write(fn, *args)` and `await db.read(fn, *args)`."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._sync: Engine | None = None
        self._async: AsyncEngine | None = None
        if self.is_sqlite:
            self._sync = create_engine(
                url.replace("sqlite+aiosqlite://", "sqlite://", 1),
                poolclass=QueuePool,
                pool_size=READER_THREADS + 1,
                connect_args={"check_same_thread": False},
            )
            _configure_sqlite(self._sync)
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
            self._readers = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="sqlite-reader")
            self._writer_lock = _writer_lock_file(url)
        else:
            self._async = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
            _ping_after_idle(self._async.sync_engine)
        #: Given what the transaction left with `after_commit`, once it has committed.
        self.on_commit: Callable[[list[Any]], Awaitable[None]] | None = None

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs `fn(conn, *args)` in a write transaction: committed if it returns, rolled back
        if it raises. What `fn` handed to `after_commit` goes to `on_commit` after the commit."""
        result, pending = await self._run(_collecting, (fn, *args), write=True)
        if pending and self.on_commit is not None:
            await self.on_commit(pending)
        return result

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs `fn(conn, *args)` in a read-only transaction (rolled back at the end)."""
        return await self._run(fn, args, write=False)

    async def _run(self, fn: Callable[..., T], args: tuple[Any, ...], *, write: bool) -> T:
        if self._sync is not None:
            threads = self._writer if write else self._readers
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(threads, self._in_transaction, fn, args, write)
        assert self._async is not None
        async with self._async.begin() if write else self._async.connect() as conn:
            return await conn.run_sync(fn, *args)

    def _in_transaction(self, fn: Callable[..., T], args: tuple[Any, ...], write: bool) -> T:
        assert self._sync is not None
        if write:
            with _exclusive(self._writer_lock), self._sync.connect() as conn:
                conn = conn.execution_options(**{_WRITE_OPTION: True})
                with conn.begin():
                    return fn(conn, *args)
        with self._sync.connect() as conn:
            try:
                return fn(conn, *args)
            finally:
                conn.rollback()

    async def dispose(self) -> None:
        if self._sync is not None:
            self._writer.shutdown(wait=True)
            self._readers.shutdown(wait=True)
            self._sync.dispose()
            if self._writer_lock is not None:
                self._writer_lock.close()
        if self._async is not None:
            await self._async.dispose()


def after_commit(conn: Connection, item: Any) -> None:
    """Keeps `item` for `Database.on_commit` once this write transaction commits; outside a
    `Database.write` (a migration, a test's own connection) nothing is kept."""
    pending = conn.info.get(_AFTER_COMMIT)
    if pending is not None:
        pending.append(item)


def _collecting(conn: Connection, fn: Callable[..., T], *args: Any) -> tuple[T, list[Any]]:
    # conn.info lives as long as the pooled connection: the list must never outlive the call.
    # Taken once: after a cancelled query `conn.info` raises PendingRollbackError, which would
    # replace the CancelledError and let a cancelled task run on (a shutdown that hangs).
    info = conn.info
    info[_AFTER_COMMIT] = []
    try:
        return fn(conn, *args), info[_AFTER_COMMIT]
    finally:
        info.pop(_AFTER_COMMIT, None)


def _ping_after_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError(f"ping failed: {exc}") from exc


def _writer_lock_file(url: str) -> IO[bytes] | None:
    """The file the gateway's SQLite writers `flock`, beside the database; None for an
    in-memory database, which no other process can open."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return open(f"{database}-writer.lock", "ab")  # held until dispose


@contextlib.contextmanager
def _exclusive(lock: IO[bytes] | None) -> Iterator[None]:
    if lock is None:
        yield
        return
    fcntl.flock(lock, fcntl.LOCK_EX)  # blocks in the kernel, without the GIL
    try:
        yield
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN out of the driver's hands so writers can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
