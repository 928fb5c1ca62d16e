"""Initial archive schema: sites, crawl runs, documents, their URLs and fetched pages.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("base_url", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("new_documents", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("skipped_known", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_crawl_runs_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crawl_runs_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_crawl_runs_status"), ["status"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("origin_ref", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_utc_offset", sa.Integer(), nullable=True),
        sa.Column("date_source", sa.String(length=40), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("duplicate_score", sa.Float(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["duplicate_of"], ["documents.id"], name=op.f("fk_documents_duplicate_of_documents")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_documents_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("origin", "origin_ref", name=op.f("uq_documents_origin_origin_ref")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_content_hash", ["content_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_duplicate_of"), ["duplicate_of"], unique=False)
        batch_op.create_index("ix_documents_published_at", ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_site_id"), ["site_id"], unique=False)

    op.create_table(
        "document_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_document_urls_document_id_documents")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_document_urls_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_urls")),
        sa.UniqueConstraint("url", name=op.f("uq_document_urls_url")),
    )
    with op.batch_alter_table("document_urls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_urls_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_urls_site_id"), ["site_id"], unique=False)

    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("canonical_url", sa.String(length=2048), nullable=False),
        sa.Column("final_url", sa.String(length=2048), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw_html", sa.LargeBinary(), nullable=True),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column("hints", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_pages_document_id_documents")),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_pages_run_id_crawl_runs")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_pages_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
    )
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pages_canonical_url"), ["canonical_url"], unique=False)
        batch_op.create_index(batch_op.f("ix_pages_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pages_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pages_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pages_site_id"))
        batch_op.drop_index(batch_op.f("ix_pages_run_id"))
        batch_op.drop_index(batch_op.f("ix_pages_document_id"))
        batch_op.drop_index(batch_op.f("ix_pages_canonical_url"))

    op.drop_table("pages")
    with op.batch_alter_table("document_urls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_urls_site_id"))
        batch_op.drop_index(batch_op.f("ix_document_urls_document_id"))

    op.drop_table("document_urls")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_site_id"))
        batch_op.drop_index("ix_documents_published_at")
        batch_op.drop_index(batch_op.f("ix_documents_duplicate_of"))
        batch_op.drop_index("ix_documents_content_hash")

    op.drop_table("documents")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_runs_status"))
        batch_op.drop_index(batch_op.f("ix_crawl_runs_site_id"))

    op.drop_table("crawl_runs")
    op.drop_table("sites")
