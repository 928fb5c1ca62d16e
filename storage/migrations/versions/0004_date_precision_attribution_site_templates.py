"""Date precision and source attribution of documents; the blocks learned as each site's template.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

``published_precision`` of documents archived before this revision is derived from what was stored: a date at
exactly local midnight is taken as a day (seeds and lead dates are always days; a page rarely publishes at
00:00:00), any other time as minute or second precision. ``newsharvest reextract`` sets it exactly from the pages.
"""

from collections.abc import Sequence
from datetime import UTC, time, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill_precision() -> None:
    documents = sa.table(
        "documents",
        sa.column("id", sa.Integer()),
        sa.column("published_at", sa.DateTime()),
        sa.column("published_utc_offset", sa.Integer()),
        sa.column("published_precision", sa.String(10)),
    )
    connection = op.get_bind()
    query = sa.select(documents.c.id, documents.c.published_at, documents.c.published_utc_offset)
    for doc_id, published_at, offset in connection.execute(query.where(documents.c.published_at.is_not(None))).all():
        # SQLite holds naive UTC, PostgreSQL an aware instant; the offset gives the time printed on the page.
        utc = published_at.astimezone(UTC).replace(tzinfo=None) if published_at.tzinfo else published_at
        local = utc + timedelta(minutes=offset or 0)
        precision = "day" if local.time() == time(0) else "second" if local.second else "minute"
        connection.execute(documents.update().where(documents.c.id == doc_id).values(published_precision=precision))


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_precision", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("attribution", sa.String(length=500), nullable=True))
    _backfill_precision()
    op.create_table(
        "site_templates",
        sa.Column("site_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pages_sampled", sa.Integer(), nullable=False),
        sa.Column("pages_archived", sa.Integer(), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_site_templates_site_id_sites")),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_site_templates")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("site_templates")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("attribution")
        batch_op.drop_column("published_precision")
