"""Site-level template learning: blocks recurring across a site's pages are learned, stored and taken out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.ingest import ingest_page
from pipeline.archive.reextract import reextract
from pipeline.archive.site_templates import FIRST_LEARN_AT, load_site_template, template_due
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.document import PageHints
from pipeline.extraction.extract import extract, parse_page
from pipeline.extraction.template import SiteTemplate, learn_template
from pipeline.page import FetchedPage
from pipeline.sites import Site
from storage import repository
from storage.models import Document, SiteTemplateRecord

SITE = Site(name="tinhxa", base_url="https://tinhxa.example.vn")
TOPICS = ["lúa", "chè", "hồi", "na", "quế", "thạch đen", "bò", "cá"]


def article_page(n: int) -> str:
    """One page of a site whose template closes every article with a block generic rules do not know: teaser
    headlines (not links) under an unusual heading, right after the text (the site prints no byline)."""
    topic = TOPICS[n % len(TOPICS)]
    paragraphs = "".join(
        f"<p>Đoạn {i} bài {n}: Nông dân xã Tân Thành mở rộng diện tích trồng {topic}, áp dụng quy trình canh tác "
        f"an toàn, năng suất năm nay ước đạt {40 + i + n} tạ mỗi héc-ta, cao hơn năm trước.</p>"
        for i in range(6)
    )
    teasers = "".join(f"<p class='cungtg-item'>Mô hình trồng {TOPICS[(n + k) % len(TOPICS)]} ở bản số {n + k} cho thu nhập khá</p>"
                      for k in range(1, 5))  # fmt: skip
    return (
        "<html lang='vi'><head><title>Bài</title></head><body><div id='header'><a href='/'>Trang chủ</a></div>"
        f"<div class='main'><h1>Nông dân xã Tân Thành trồng {topic} theo hướng an toàn, bài số {n}</h1>"
        f"<div class='ngay'>1{n % 9}/05/2024 08:0{n % 9}</div><div class='noidung'>{paragraphs}"
        f"<div class='cungtg'><h4>Cùng tác giả</h4>{teasers}</div></div></div>"
        "<div id='footer'>Bản quyền thuộc xã Tân Thành</div></body></html>"
    )


def test_a_learned_block_leaves_the_later_pages() -> None:
    plain = extract(article_page(7), f"{SITE.base_url}/tin/7", SITE)
    assert "cho thu nhập khá" in plain.text  # generic rules alone keep the unknown block
    template = learn_template(parse_page(article_page(n)) for n in range(6))
    assert template and template.pages_sampled == 6
    assert any(block.kind == "teasers" and "cùng tác giả" in block.key for block in template.blocks)
    learned = extract(article_page(7), f"{SITE.base_url}/tin/7", SITE, None, template)
    assert "cho thu nhập khá" not in learned.text
    assert learned.title == plain.title == "Nông dân xã Tân Thành trồng cá theo hướng an toàn, bài số 7"
    block = {"Cùng tác giả"}
    assert learned.text.split("\n") == [
        line for line in plain.text.split("\n") if "cho thu nhập khá" not in line and line not in block
    ]


def test_a_template_is_never_learned_from_too_few_pages_nor_takes_article_text() -> None:
    assert not learn_template(parse_page(article_page(n)) for n in range(2))
    template = learn_template(parse_page(article_page(n)) for n in range(6))
    assert all("noidung" not in block.key.split(" ⟨")[0].split(" > ")[-1] for block in template.blocks)
    page = extract(article_page(9), f"{SITE.base_url}/tin/9", SITE, None, template)
    assert sum("Nông dân xã Tân Thành mở rộng" in line for line in page.text.split("\n")) == 6


def test_template_round_trips_through_json() -> None:
    template = learn_template(parse_page(article_page(n)) for n in range(6))
    again = SiteTemplate.from_json(template.as_json(), template.pages_sampled)
    assert again == template and again.find(parse_page(article_page(8)))


def test_relearning_schedule() -> None:
    assert not template_due(FIRST_LEARN_AT - 1, None) and template_due(FIRST_LEARN_AT, None)
    assert not template_due(9, 5) and template_due(10, 5) and template_due(40, 20) and template_due(1500, 1000)
    assert not template_due(80, 40) and not template_due(539, 40) and template_due(540, 40)  # a full sample since 40


@pytest.fixture
def archived(sessions: sessionmaker[Session]) -> int:
    """Eight article pages of the site archived (without a template), as a first crawl stores them."""
    with sessions.begin() as session:
        site_id = repository.ensure_site(session, SITE.name, SITE.base_url).id
    for n in range(8):
        url = f"{SITE.base_url}/tin/{n}"
        page = FetchedPage(
            site=SITE.name, url=url, final_url=url, status=200, headers={"Content-Type": "text/html; charset=utf-8"},
            body=article_page(n).encode(), fetched_at=datetime(2026, 11, 20, 8, n, tzinfo=UTC), hints=PageHints(),
        )  # fmt: skip
        with sessions.begin() as session:
            outcome = ingest_page(
                session, page, SITE, site_id=site_id, run_id=None, extractor=extract, max_bytes=1_000_000,
                index=NearDuplicateIndex(),
            )  # fmt: skip
        assert outcome.kind in ("new", "near_duplicate")
    return site_id


def test_reextract_learns_the_template_stores_it_and_applies_it(sessions: sessionmaker[Session], archived: int) -> None:
    with sessions() as session:
        assert all("cho thu nhập khá" in d.text for d in session.scalars(select(Document)))
    report = reextract(sessions, {SITE.name: SITE}, extractor=extract, index=NearDuplicateIndex())
    assert report.counts == {"changed": 8}
    with sessions() as session:
        documents = list(session.scalars(select(Document)))
        assert all("cho thu nhập khá" not in d.text and d.text.count("Nông dân xã Tân Thành mở rộng") == 6 for d in documents)
        record = session.get(SiteTemplateRecord, archived)
        assert record is not None and record.pages_sampled == 8 and record.pages_archived == 8 and record.blocks
        template, learned_at = load_site_template(session, archived)
    assert template is not None and learned_at == 8
    again = reextract(sessions, {SITE.name: SITE}, extractor=extract, index=NearDuplicateIndex())
    assert again.counts == {"unchanged": 8}
