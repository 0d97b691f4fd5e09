"""Declarative base, column types and the transaction helper shared by every domain."""

import enum
import fcntl
import os
import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, registry

# Stable constraint names so that Alembic autogenerate and SQLite batch migrations can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite drops tzinfo, so values are stored as naive UTC and handed back aware.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def str_enum(enum_cls: type[enum.StrEnum]) -> sa.Enum:
    """The column type of a status: its string values in a VARCHAR(20), the same on every backend."""
    return sa.Enum(enum_cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    # One registry carrying both settings: Flask-SQLAlchemy copies it onto db.Model.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


# Set while a write transaction is open, so that SQLite starts it with BEGIN IMMEDIATE (see below).
_writing: ContextVar[bool] = ContextVar("writing", default=False)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block did, or roll it all back. Only the edge (view, API, CLI) opens one.

    A read transaction the request had open is ended first, so the block runs in a fresh write
    transaction and sees the latest committed state (objects loaded before are reloaded).
    """
    from eventapp.extensions import db

    if db.session().in_transaction():  # (committing none would begin one only to commit it)
        db.session.commit()
    bind = db.session.get_bind()
    queue = None if _writing.get() else _sqlite_writer_queue(bind.engine)
    if queue is not None:
        fcntl.flock(queue, fcntl.LOCK_EX)
    token = _writing.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _writing.reset(token)
        if queue is not None:
            fcntl.flock(queue, fcntl.LOCK_UN)


_queues = threading.local()


def rows_matched(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through the session matched.

    `Session.execute` is typed to return a Result; for these statements it is a CursorResult.
    """
    assert isinstance(result, sa.CursorResult)
    return result.rowcount


def table_of(model: type[Base]) -> sa.Table:
    """The table a model is mapped to, for Core statements (`sa.update`, `sa.insert`, dialect inserts).

    Declarative typing says `__table__` is any FromClause, as a model may be mapped to a join or a
    select; every model here is mapped to one table.
    """
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


def _sqlite_writer_queue(engine: sa.Engine) -> int | None:
    """A file lock beside a SQLite database that its writers queue on, or None for other databases.

    SQLite's own busy handler makes a waiting writer sleep in growing steps (up to 100 ms) and
    retry, which turns a few milliseconds of contention into long tails. Waiters on an OS file lock
    are woken the moment it is released. SQLite's lock still guards correctness; this only orders
    the writers. One descriptor per thread, so threads queue too (flock is per open file).
    """
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    path = f"{engine.url.database}.writers"
    descriptors: dict[str, int] | None = getattr(_queues, "descriptors", None)
    if descriptors is None or _queues.pid != os.getpid():  # a forked worker opens its own
        descriptors = _queues.descriptors = {}
        _queues.pid = os.getpid()
    if path not in descriptors:
        descriptors[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return descriptors[path]


def install_sqlite_fixes(engine: sa.Engine) -> None:
    """Make pysqlite honour BEGIN/SAVEPOINT and foreign keys (SQLAlchemy's SQLite docs).

    Without this, savepoints and test isolation silently break, and writes to the event row
    do not serialise concurrent registrations.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints instead of on every commit: a crashed app process
        # loses nothing and the file is never corrupted; only a power cut or an OS crash can roll
        # back the last commits. SQLite's advice for WAL (and Rails' default since 8.0); PostgreSQL,
        # the production database, keeps full durability. It takes a commit from ~4.5 ms to ~0.1 ms.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers take the write lock up front (IMMEDIATE): a deferred transaction that read first
        # and then writes fails at once with SQLITE_BUSY when another writer committed meanwhile.
        # Readers use a plain BEGIN, so WAL lets them run beside a writer without waiting.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


def install_postgresql_liveness_check(engine: sa.Engine) -> None:
    """Replace a pooled PostgreSQL connection the server has closed, before a request uses it.

    A server that ends a connection (a restart, an administrator, an idle timeout) first sends it a
    FATAL message, so the idle socket has something to read: one `poll()` of the socket tells, where
    SQLAlchemy's `pool_pre_ping` spends a round trip to the server on every checkout (about a tenth
    of a millisecond, on every request). Raising DisconnectionError on checkout is SQLAlchemy's own
    hook for this: the pool reconnects and retries. A server that vanished without a word (a host
    down) is found by neither: the statement fails and the request is answered 503.
    """

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        if dbapi_connection.closed or dbapi_connection.broken or _has_input(dbapi_connection.fileno()):
            raise sa.exc.DisconnectionError("the server closed this connection")


def _has_input(fd: int) -> bool:
    """Whether an idle connection's socket holds unread data: only a closing server sends any."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))
