"""Leases: one holder at a time across the whole deployment, timed by the database's clock.

A lease is a row (name, holder, expires_at). Taking and renewing it is one conditional upsert
whose expiry is computed by the database, so hosts' clocks never decide who holds it: a holder
that stops renewing (it died, or its host froze) loses the lease when it runs out, and the next
process that asks takes it over.
"""
from datetime import timedelta

from sqlalchemy import delete, func, literal, or_, select

from app.database import begin_write, insert_or_skip
from app.extensions import db


class Lease(db.Model):
    """Who may do one piece of single-runner work, until when (the database's clock, naive UTC)."""

    __tablename__ = "leases"

    name = db.Column(db.String(64), primary_key=True)
    holder = db.Column(db.String(200), nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False)


def _database_now(dialect, plus_seconds=0.0):
    """The database's clock (plus some seconds) as an SQL expression comparable with a stored DateTime."""
    if dialect == "postgresql":
        moment = func.timezone("UTC", func.clock_timestamp(), type_=db.DateTime)
        return moment + literal(timedelta(seconds=plus_seconds)) if plus_seconds else moment
    # SQLite keeps DateTime as text "YYYY-MM-DD HH:MM:SS.ffffff": '%f' gives milliseconds, pad to micro.
    return func.strftime("%Y-%m-%d %H:%M:%f000", "now", f"{plus_seconds:+.3f} seconds", type_=db.DateTime)


def _checked(name, holder, seconds=None):
    if not name or not holder:
        raise ValueError("A lease needs a name and a holder.")
    if seconds is not None and not 0 < seconds <= 86400:
        raise ValueError(f"A lease is held for more than 0 and at most 86400 seconds, not {seconds!r}.")


def hold(name, holder, seconds):
    """Take the lease `name` for `holder` for `seconds`, or renew it; False while another holder's has not run out.

    Commits its own short write transaction: call it with nothing pending in the session.
    """
    _checked(name, holder, seconds)
    dialect = db.session.get_bind().dialect.name
    expires_at = _database_now(dialect, seconds)
    statement = insert_or_skip(db.session, Lease).values(name=name, holder=holder, expires_at=expires_at)
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        # Renewed by its holder, or taken over once it ran out; otherwise the row is left alone.
        where=or_(Lease.holder == statement.excluded.holder, Lease.expires_at <= _database_now(dialect)),
    ).returning(Lease.holder)
    begin_write(db.session)
    taken = db.session.scalar(statement)
    db.session.commit()
    return taken == holder


def release(name, holder):
    """Give the lease up now if `holder` holds it (a clean stop), so another process need not wait for it to run out."""
    _checked(name, holder)
    begin_write(db.session)
    released = db.session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder)).rowcount
    db.session.commit()
    return released == 1


def holder_of(name):
    """Who holds the lease `name` now (by the database's clock), or None."""
    dialect = db.session.get_bind().dialect.name
    return db.session.scalar(select(Lease.holder).where(Lease.name == name,
                                                        Lease.expires_at > _database_now(dialect)))
