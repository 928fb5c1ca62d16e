"""Crawl leases (one crawl per site across processes and machines) and HTTP validators for conditional requests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "http_validators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_http_validators_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_http_validators")),
        sa.UniqueConstraint("url", name=op.f("uq_http_validators_url")),
    )
    with op.batch_alter_table("http_validators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_http_validators_site_id"), ["site_id"], unique=False)
    op.create_table(
        "site_leases",
        sa.Column("site_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_site_leases_run_id_crawl_runs")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_site_leases_site_id_sites")),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_site_leases")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("site_leases")
    with op.batch_alter_table("http_validators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_http_validators_site_id"))
    op.drop_table("http_validators")
