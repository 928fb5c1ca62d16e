"""Site leases in the database: atomic take, renew, release and the list of current holders.

Every write is one conditional statement, so two processes (or machines) racing for a site cannot both win: the
primary key on ``site_id`` settles a race to insert, and ``UPDATE … WHERE expires_at < now`` a race to take over an
expired lease. None of these functions commits; the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import SiteLease

__all__ = ["current", "release", "renew", "take"]


def take(session: Session, site_id: int, holder: str, now: datetime, ttl: timedelta, run_id: int | None = None) -> bool:
    """Take the site's lease if nobody holds it or the holder's lease expired; True when ``holder`` has it now.

    Raises ``IntegrityError`` (from the flush) when another process inserted the row first: the caller's transaction
    is then spoiled and must be rolled back; that too means "held by someone else".
    """
    taken = session.execute(
        update(SiteLease)
        .where(SiteLease.site_id == site_id, (SiteLease.expires_at < now) | (SiteLease.holder == holder))
        .values(holder=holder, run_id=run_id, acquired_at=now, renewed_at=now, expires_at=now + ttl)
    )
    if taken.rowcount:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
        return True
    if session.get(SiteLease, site_id) is not None:
        return False  # held by someone else, and not expired
    session.add(SiteLease(site_id=site_id, holder=holder, run_id=run_id, acquired_at=now, renewed_at=now, expires_at=now + ttl))
    session.flush()
    return True


def renew(session: Session, site_id: int, holder: str, now: datetime, ttl: timedelta, run_id: int | None = None) -> bool:
    """Extend ``holder``'s lease (and record its run); False when the lease is no longer theirs."""
    values: dict[str, object] = {"renewed_at": now, "expires_at": now + ttl}
    if run_id is not None:
        values["run_id"] = run_id
    result = session.execute(
        update(SiteLease).where(SiteLease.site_id == site_id, SiteLease.holder == holder).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, site_id: int, holder: str | None = None) -> bool:
    """Drop the site's lease (only ``holder``'s, when given); True when a row was removed."""
    statement = delete(SiteLease).where(SiteLease.site_id == site_id)
    if holder is not None:
        statement = statement.where(SiteLease.holder == holder)
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def current(session: Session) -> list[SiteLease]:
    """Every lease row, expired or not."""
    return list(session.scalars(select(SiteLease).order_by(SiteLease.site_id)))
