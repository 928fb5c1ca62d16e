"""The replicas' republications: verbatim copies (``copy_of``) and edited ones (``near_copy_of``) across sites.

An edited republication is what an outlet really publishes when it runs another's story: a new headline, its own
lead, a paragraph cut, the text truncated, other captions and byline, another Unicode form. Each is a normal article
of its site (listed, in the feed), published after its original, sharing most of its paragraphs but not all.
"""

from __future__ import annotations

import unicodedata
import urllib.request
from collections.abc import Iterator
from datetime import datetime

import feedparser
import lxml.html
import pytest

from newsharvest.replica.build import _check_republication, load_articles, story_ids
from newsharvest.replica.model import Article
from newsharvest.replica.server import SITE_NAMES, ReplicaServer

pytestmark = pytest.mark.timeout(30)


def all_articles() -> dict[tuple[str, int], Article]:
    return {(a.site, a.id): a for site in SITE_NAMES for a in load_articles(site)[1] if not a.link_only}


def original_of(article: Article, articles: dict[tuple[str, int], Article]) -> Article:
    kind, _, key = article.near_copy_of.partition(":")
    if kind == "seed":
        return next(a for a in articles.values() if a.seed == key)
    return articles[(kind, int(key))]


def paragraphs(article: Article) -> list[str]:
    """The prose paragraphs, NFC with whitespace collapsed (the seeds keep their editors' indents and double spaces)."""
    return [" ".join(unicodedata.normalize("NFC", b.text).split()) for b in article.blocks if b.kind == "p"]


def fetch_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def server() -> Iterator[ReplicaServer]:
    with ReplicaServer() as srv:
        yield srv


def test_near_copies_are_edited_republications_of_an_earlier_article() -> None:
    articles = all_articles()
    near = [a for a in articles.values() if a.near_copy_of]
    assert len(near) >= 3
    assert {a.site for a in near} == set(SITE_NAMES)  # every site republishes someone
    assert any(a.near_copy_of.startswith("seed:") for a in near) and any(not a.near_copy_of.startswith("seed:") for a in near)
    for copy in near:
        original = original_of(copy, articles)
        assert original.site != copy.site and not original.near_copy_of and not original.copy_of
        assert original.published < copy.published, copy.path
        assert copy.path != original.path and not copy.fault and copy.in_feed
        mine, theirs = paragraphs(copy), paragraphs(original)
        kept = [p for p in mine if p in theirs]
        assert len(kept) >= len(mine) // 2, copy.path  # mostly the original's paragraphs, word for word...
        assert (mine, copy.byline) != (theirs, original.byline), copy.path  # ...but edited


def test_story_ids_follow_seeds_and_copies() -> None:
    stories = story_ids()
    assert stories[("sonoivu", 5348)] == "seed:000"  # the seed's own page
    assert stories[("baolangson_old", 293402)] == "seed:000"  # the paper's edited version of it
    assert stories[("langson_portal", 31214)] == "sonoivu:5377"  # a verbatim copy
    assert stories[("sonoivu", 5416)] == "langson_portal:31433"  # an edited copy of a non-seed article
    assert stories[("sonoivu", 5301)] == "sonoivu:5301"
    assert set(story_ids(("sonoivu",))) == {k for k in stories if k[0] == "sonoivu"}


def test_republication_must_come_after_its_original() -> None:
    early = {"id": 1, "near_copy_of": "seed:000", "published": datetime(2020, 5, 20, 8, 0)}
    with pytest.raises(ValueError, match="published after its original"):
        _check_republication("baolangson_old", early)
    with pytest.raises(ValueError, match="names a copy"):
        _check_republication("sonoivu", {"id": 2, "near_copy_of": "langson_portal:31214", "published": datetime(2021, 1, 1)})
    with pytest.raises(ValueError, match="no replica article"):
        _check_republication("sonoivu", {"id": 3, "near_copy_of": "langson_portal:1", "published": datetime(2021, 1, 1)})


def test_decomposed_unicode_drupal_node(server: ReplicaServer) -> None:
    base = server.base_urls["sonoivu"]
    copy = all_articles()[("sonoivu", 5416)]
    assert copy.unicode == "NFD"
    page = fetch_text(base + copy.path)
    title = unicodedata.normalize("NFD", copy.title)
    assert not unicodedata.is_normalized("NFC", page)
    assert f'<span class="field field--name-title">{title}</span>' in page
    assert unicodedata.normalize("NFD", paragraphs(copy)[0]) in lxml.html.fromstring(page).text_content()
    listed = "".join(fetch_text(f"{base}/vi/tin-tuc-su-kien?page={n}") for n in range(3))
    assert f'href="{copy.path}" hreflang="vi">{title}</a>' in listed
    with urllib.request.urlopen(base + "/rss.xml", timeout=5) as response:
        feed = feedparser.parse(response.read())
    assert title in [entry.title for entry in feed.entries]
