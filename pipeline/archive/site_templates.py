"""Site templates in the archive: when a site's template is (re)learned, from which pages, and loading it back.

A crawl sees many pages of one site. The template is learned from the site's archived article pages once there are
``FIRST_LEARN_AT`` of them, and again each time their number has doubled until a learning has its full sample of
``SAMPLE_PAGES`` pages (5, 10, 20, 40), then every ``RELEARN_EVERY`` pages, so a
site's first pages are extracted as trafilatura alone would and its later pages without the blocks that turned out
to be its chrome. ``newsharvest reextract`` learns afresh from everything archived before it re-extracts.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from pipeline.errors import PageError
from pipeline.extraction.decode import decode_html
from pipeline.extraction.template import SiteTemplate, learn_template
from storage import repository

__all__ = [
    "FIRST_LEARN_AT", "RELEARN_EVERY", "SAMPLE_PAGES", "learn_site_template", "load_site_template", "save_site_template",
    "template_due", "template_from_pages", "template_sample",
]  # fmt: skip

log = logging.getLogger(__name__)
FIRST_LEARN_AT = 5
RELEARN_EVERY = 500
SAMPLE_PAGES = 40


def template_due(pages_archived: int, learned_at_pages: int | None) -> bool:
    """Whether a site with ``pages_archived`` article pages should (re)learn its template."""
    if pages_archived < FIRST_LEARN_AT:
        return False
    if learned_at_pages is None:
        return True
    if learned_at_pages < SAMPLE_PAGES:  # 5, 10, 20, 40: each time a fuller sample
        return pages_archived >= 2 * learned_at_pages
    # a full sample already: again only after RELEARN_EVERY more pages (each learning costs a second or two of parsing)
    return pages_archived >= learned_at_pages + RELEARN_EVERY


def load_site_template(session: Session, site_id: int) -> tuple[SiteTemplate | None, int | None]:
    """The stored template of a site and the page count it was learned at, or (None, None)."""
    record = repository.template_of(session, site_id)
    if record is None:
        return None, None
    return SiteTemplate.from_json(record.blocks, record.pages_sampled), record.pages_archived


def template_sample(session: Session, site_id: int) -> tuple[int, list[tuple[bytes, str | None]]]:
    """The site's article page count and the raw pages (body, content type) its template is learned from."""
    pages_archived = repository.article_page_count(session, site_id)
    return pages_archived, list(repository.article_pages_sample(session, site_id, SAMPLE_PAGES))


def template_from_pages(sample: list[tuple[bytes, str | None]]) -> SiteTemplate:
    """Learn a template from raw pages: the pure part (a second or two of parsing), which a crawl runs in one of its
    worker processes while it goes on."""
    from pipeline.extraction.extract import parse_page  # deferred: the extraction stack is only needed when learning

    trees = []
    for body, content_type in sample:
        try:
            trees.append(parse_page(decode_html(body, content_type)))
        except PageError:
            continue  # a page that no longer parses teaches nothing
    return learn_template(trees)


def save_site_template(session: Session, site_id: int, template: SiteTemplate, pages_archived: int) -> None:
    """Store a learned template with the page count it was learned at (the caller commits)."""
    repository.save_template(
        session, site_id, blocks=template.as_json(), pages_sampled=template.pages_sampled, pages_archived=pages_archived
    )
    log.info("site %d: template learned from %d pages: %d blocks", site_id, template.pages_sampled, len(template.blocks))


def learn_site_template(session: Session, site_id: int) -> SiteTemplate:
    """Learn the site's template from its newest archived article pages and store it (the caller commits)."""
    pages_archived, sample = template_sample(session, site_id)
    template = template_from_pages(sample)
    save_site_template(session, site_id, template, pages_archived)
    return template
