"""Near-duplicate index: each document's MinHash signature and its LSH band keys; runs count near-duplicates.

Existing documents get their signatures from ``newsharvest init`` after this migration (computed from the stored
normalised text, in Python, where the shingling code lives), not from the migration itself.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "document_signatures",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=80), nullable=False),
        sa.Column("layout", sa.String(length=100), nullable=False),
        sa.Column("shingle_count", sa.Integer(), nullable=False),
        sa.Column("minhash", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_document_signatures_document_id_documents")),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_signatures")),
    )
    op.create_table(
        "lsh_keys",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("document_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_lsh_keys_document_id_documents")),
        sa.PrimaryKeyConstraint("key", "document_id", name=op.f("pk_lsh_keys")),
    )
    with op.batch_alter_table("lsh_keys", schema=None) as batch_op:
        batch_op.create_index("ix_lsh_keys_document_id", ["document_id"], unique=False)
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("near_duplicates", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("near_duplicates")
    with op.batch_alter_table("lsh_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_lsh_keys_document_id")
    op.drop_table("lsh_keys")
    op.drop_table("document_signatures")
