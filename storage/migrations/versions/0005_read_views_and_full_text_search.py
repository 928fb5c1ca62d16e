"""The read surface: views downstream SQL can rely on, and full-text search over titles and texts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

- ``v_articles``: one row per document with its site, first URL and near-duplicate cluster; ``v_sightings``: one row
  per document × URL × site. Their columns are a public contract (docs/schema.md): later migrations recreate them
  with the same columns (and may add some), whatever happens to the tables underneath.
- ``ix_documents_id_site_id_published_at``: search's site and date filters read from the index, not the row.
- ``document_search``: every document's title and text folded for search (``storage.folding``), backfilled here and
  kept in step by the ORM (``storage.models``). The index over it: on SQLite an FTS5 table ``document_fts`` (external
  content, kept in step by triggers on ``document_search``), on PostgreSQL a generated ``tsvector`` column
  ``search_vector`` (title weighted A, text B) with a GIN index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.folding import fold_for_search

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 500

V_ARTICLES = """
CREATE VIEW v_articles AS
SELECT
    d.id AS document_id,
    COALESCE(s.name, 'seed') AS site,
    d.origin AS origin,
    d.origin_ref AS origin_ref,
    (SELECT MIN(u.url) FROM document_urls u WHERE u.document_id = d.id) AS url,
    d.title AS title,
    d.text AS text,
    d.published_at AS published_at,
    d.published_utc_offset AS published_utc_offset,
    d.published_precision AS published_precision,
    d.authors AS authors,
    d.attribution AS attribution,
    d.lang AS lang,
    COALESCE(d.duplicate_of, d.id) AS cluster_id,
    CASE WHEN d.duplicate_of IS NULL THEN 1 ELSE 0 END AS is_cluster_root,
    d.duplicate_score AS duplicate_score,
    1 + (SELECT COUNT(*) FROM documents m WHERE m.duplicate_of = COALESCE(d.duplicate_of, d.id)) AS cluster_size,
    d.first_seen_at AS first_seen_at
FROM documents d
LEFT JOIN sites s ON s.id = d.site_id
"""

V_SIGHTINGS = """
CREATE VIEW v_sightings AS
SELECT
    u.document_id AS document_id,
    u.url AS url,
    s.name AS site,
    u.first_seen_at AS first_seen_at,
    u.last_seen_at AS last_seen_at,
    COALESCE(d.duplicate_of, d.id) AS cluster_id
FROM document_urls u
JOIN documents d ON d.id = u.document_id
JOIN sites s ON s.id = u.site_id
"""

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE document_fts USING fts5(title, body, content='document_search', content_rowid='document_id',"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER document_search_ai AFTER INSERT ON document_search BEGIN"
    " INSERT INTO document_fts(rowid, title, body) VALUES (new.document_id, new.title, new.body); END",
    "CREATE TRIGGER document_search_ad AFTER DELETE ON document_search BEGIN"
    " INSERT INTO document_fts(document_fts, rowid, title, body) VALUES ('delete', old.document_id, old.title, old.body);"
    " END",
    "CREATE TRIGGER document_search_au AFTER UPDATE ON document_search BEGIN"
    " INSERT INTO document_fts(document_fts, rowid, title, body) VALUES ('delete', old.document_id, old.title, old.body);"
    " INSERT INTO document_fts(rowid, title, body) VALUES (new.document_id, new.title, new.body); END",
]

POSTGRES_FTS = [
    "ALTER TABLE document_search ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX ix_document_search_search_vector ON document_search USING gin (search_vector)",
    # Out of line and uncompressed: the table's own pages stay small (ids and titles), so a bitmap scan of the
    # matches reads little; the text and the vector are read only for the documents ranked.
    "ALTER TABLE document_search ALTER COLUMN body SET STORAGE EXTERNAL, ALTER COLUMN search_vector SET STORAGE EXTERNAL",
]


def _backfill() -> None:
    documents = sa.table("documents", sa.column("id", sa.Integer()), sa.column("title", sa.Text()), sa.column("text", sa.Text()))
    search = sa.table(
        "document_search", sa.column("document_id", sa.Integer()), sa.column("title", sa.Text()), sa.column("body", sa.Text())
    )
    connection = op.get_bind()
    last = 0
    while True:
        query = sa.select(documents.c.id, documents.c.title, documents.c.text).where(documents.c.id > last)
        rows = connection.execute(query.order_by(documents.c.id).limit(_BATCH)).all()
        if not rows:
            return
        folded = [{"document_id": i, "title": fold_for_search(t or ""), "body": fold_for_search(x or "")} for i, t, x in rows]
        connection.execute(search.insert(), folded)
        last = rows[-1][0]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "document_search",
        sa.Column("document_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_document_search_document_id_documents")),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_search")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_id_site_id_published_at", ["id", "site_id", "published_at"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_FTS if dialect == "postgresql" else []:
        op.execute(statement)
    _backfill()  # after the triggers: SQLite's index fills as the rows go in
    op.execute(V_ARTICLES)
    op.execute(V_SIGHTINGS)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW v_sightings")
    op.execute("DROP VIEW v_articles")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("document_search_ai", "document_search_ad", "document_search_au"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE document_fts")
    op.drop_table("document_search")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_id_site_id_published_at")
