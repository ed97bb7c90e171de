"""Engine set-up and the write-transaction helper that keeps SQLite and PostgreSQL honest."""
import contextvars

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

# Set by begin_write(); read once by the next transaction that starts in this context.
_take_write_lock = contextvars.ContextVar("take_write_lock", default=False)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """WAL, a busy timeout and foreign keys on every SQLite connection."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so we choose DEFERRED or IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    """Start SQLite transactions ourselves: IMMEDIATE when the caller is about to write."""
    if connection.dialect.name != "sqlite":
        return
    immediate = _take_write_lock.get()
    _take_write_lock.set(False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session):
    """Begin the transaction of a service that will write, holding SQLite's write lock from the start.

    A deferred SQLite transaction that has read (Flask-Login's user, the post) cannot
    upgrade to a write once another connection has committed: it fails with "database
    is locked" whatever the busy timeout (352 of 400 concurrent votes, measured). Starting over with
    BEGIN IMMEDIATE makes writers queue instead. Call it before any change is pending;
    objects loaded earlier are refreshed on next access. PostgreSQL needs nothing here:
    services lock the rows they read-modify-write with SELECT ... FOR UPDATE.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.info.get("holds_write_lock") and session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write() must come before any change to the session")
    session.rollback()
    _take_write_lock.set(True)
    session.connection()
    session.info["holds_write_lock"] = True


def insert_or_skip(session, table):
    """The session's database's own INSERT, which has `.on_conflict_do_nothing()` and `.on_conflict_do_update()`."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name](table)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_write_lock(session, *args):
    """The lock ends with the transaction that took it."""
    session.info.pop("holds_write_lock", None)


class CommitWakeups:
    """Callbacks to run after each commit of a session that set `flag` in its info (a worker thread wakes up).

    Only a speed-up: the woken workers poll anyway. With `consume`, the flag is cleared by that commit and
    by a rollback; without, whoever set it clears it (the search's after-request hook reads it too).
    """

    def __init__(self, flag, consume=True):
        self.flag, self.consume = flag, consume
        self._callbacks = []
        event.listen(Session, "after_commit", self._after_commit)
        if consume:
            event.listen(Session, "after_soft_rollback", self._after_rollback)

    def add(self, callback):
        """Call `callback()` after each such commit."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def remove(self, callback):
        """Undo add()."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def _after_commit(self, session):
        if session.info.pop(self.flag, False) if self.consume else session.info.get(self.flag):
            for callback in list(self._callbacks):
                callback()

    def _after_rollback(self, session, previous_transaction):
        session.info.pop(self.flag, None)
