"""Generate the static replica sites under ``newsharvest/replica/sites/`` from the article data in ``articles/``.

Run ``python -m newsharvest.replica.build`` after changing an article file, a seed or a template, and commit the
output: the server only serves files, so a reviewer sees every page change as a diff. The output is deterministic.

Two site families, each shaped like the real site (see the project's SITES notes):

- ``baolangson_old``: the old Báo Lạng Sơn (``/<cat>[/<sub>]/<id>-<slug>.html``; listings ``/<cat>`` with pages
  ``/<cat>/trang-N``, newest first; the only full date is in the listing, ``HH:MM | DD/MM/YYYY``; the header shows the
  day the page is *served*, ``{TODAY_VI}``).
- ``sonoivu``, ``langson_portal``: Drupal 8 (``/vi/node/<nid>`` or a long alias; Views listing
  ``/vi/tin-tuc-su-kien?page=N``, zero-based; ``/rss.xml``; core robots.txt with ``Crawl-delay: 10``).

``{BASE_URL}`` and ``{TODAY_VI}`` stay placeholders: the server fills them per request.
"""

from __future__ import annotations

import shutil
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from newsharvest.replica import drupal_pages, paper_pages
from newsharvest.replica.model import Article, Block, slugify
from newsharvest.replica.server import FAULT_PATHS, SITE_NAMES, SITES_ROOT, encode_text, file_for

__all__ = ["build", "load_articles", "seed_content", "story_ids"]

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
SITE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DRUPAL_SITES = ("sonoivu", "langson_portal")
# Lines of a seed that are page chrome the templates render themselves.
_SEED_CHROME = ("Skip to main content",)


def _read_seed(seed: str) -> list[str]:
    path = next(SEEDS_DIR.glob(f"{seed}_*.txt"))
    return path.read_text(encoding="utf-8").split("\n")


def seed_content(seed: str, captions: list[int], slogan: str, image_prefix: str) -> tuple[str, tuple[Block, ...], str]:
    """Title, body blocks and byline of a seed file; ``captions`` are the line numbers where caption blocks start."""
    lines = _read_seed(seed)
    groups: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines):
        if not line.strip(" ") or line in _SEED_CHROME or line == slogan or paper_pages.is_header_date(line):
            if line == "\xa0":  # an NBSP-only line is a spacer paragraph, not a break
                groups.append((number, [line]))
                groups.append((-1, []))
            elif groups and groups[-1][1]:
                groups.append((-1, []))
            continue
        if not groups or not groups[-1][1] or groups[-1][1] == ["\xa0"]:
            groups.append((number, []))
        groups[-1][1].append(line)
    groups = [(n, g) for n, g in groups if g]
    title = groups.pop(0)[1][0]
    byline = ""
    last = groups[-1][1]
    if len(last) == 1 and len(last[0]) <= 40:
        byline = groups.pop()[1][0]
    blocks: list[Block] = []
    for start, group in groups:
        if group == ["\xa0"]:
            blocks.append(Block("spacer"))
        elif start in captions:
            blocks.append(Block("image", caption=tuple(group), src=f"{image_prefix}-{len(blocks) + 1}.jpg"))
        else:
            if len(group) != 1:
                raise ValueError(f"seed {seed}: lines {start}.. form a multi-line block that is not a caption")
            blocks.append(Block("p", text=group[0]))
    return title, tuple(blocks), byline


def _blocks(raw: list[Any]) -> tuple[Block, ...]:
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(Block("p", text=item))
        else:
            out.append(Block("image", caption=tuple(item["caption"]), src=item["image"]))
    return tuple(out)


def _article_path(site: str, entry: dict[str, Any], title: str) -> str:
    if site in DRUPAL_SITES:
        return str(entry.get("alias") or f"/vi/node/{entry['id']}")
    return f"/{entry['category']}/{entry['id']}-{entry.get('slug') or slugify(title)}.html"


def load_articles(site: str) -> tuple[dict[str, Any], list[Article]]:
    """The ``[site]`` table and every article and link row of ``articles/<site>.toml`` (newest first)."""
    data = _load_toml(site)
    meta = data["site"]
    articles: list[Article] = []
    for entry in data.get("article", []):
        published = entry["published"].replace(tzinfo=SITE_TZ)
        if "copy_of" in entry:
            other_site, other_id = entry["copy_of"].split(":")
            source = next(a for a in load_articles(other_site)[1] if a.id == int(other_id))
            title, blocks, byline = source.title, source.blocks, source.byline
            flags = {k: getattr(source, k) for k in ("entities", "indent")}
        elif "seed" in entry:
            prefix = _image_prefix(site, entry["id"], published)
            title, blocks, byline = seed_content(entry["seed"], entry.get("captions", []), meta.get("slogan", ""), prefix)
            flags = {}
        else:
            title, blocks, byline = entry["title"], _blocks(entry["body"]), entry.get("byline", "")
            flags = {k: entry[k] for k in ("entities", "indent") if k in entry}
        if "near_copy_of" in entry:
            _check_republication(site, entry)
        path = _article_path(site, entry, title)
        if entry.get("fault"):
            assert FAULT_PATHS[site][entry["fault"]] == path, f"{site} {entry['id']}: path differs from FAULT_PATHS"
        articles.append(Article(
            site=site, id=entry["id"], path=path, title=title, published=published, byline=byline, blocks=blocks,
            category=entry.get("category", ""), listed_in=entry.get("listed_in", ""), alias=entry.get("alias", ""),
            submitted=entry.get("submitted", True), broken=entry.get("broken", False),
            unicode=entry.get("unicode", "NFC"), encoding=entry.get("encoding", "utf-8"), fault=entry.get("fault", ""),
            in_feed=entry.get("feed", True), seed=entry.get("seed", ""), copy_of=entry.get("copy_of", ""),
            near_copy_of=entry.get("near_copy_of", ""), **flags,
        ))  # fmt: skip
    for n, link in enumerate(data.get("link", [])):
        href = FAULT_PATHS[site][link["fault"]] if "fault" in link else link["href"]
        articles.append(Article(
            site=site, id=-(n + 1), path=href, title=link["title"], published=link["published"].replace(tzinfo=SITE_TZ),
            fault=link.get("fault", ""), in_feed=False, link_only=True, teaser=link.get("teaser", ""),
        ))  # fmt: skip
    articles.sort(key=lambda a: a.published, reverse=True)
    return meta, articles


def _original_entry(ref: str) -> tuple[str, dict[str, Any]]:
    """The site and raw data entry of ``ref`` (``"site:id"``, or ``"seed:NNN"``: the replica page of that seed)."""
    kind, _, key = ref.partition(":")
    for site in SITE_NAMES if kind == "seed" else (kind,):
        for entry in _load_toml(site).get("article", []):
            if (entry.get("seed") == key) if kind == "seed" else str(entry["id"]) == key:
                return site, entry
    raise ValueError(f"no replica article {ref!r}")


def _check_republication(site: str, entry: dict[str, Any]) -> None:
    """A near copy names an original article that is itself no copy and was published before it."""
    other_site, original = _original_entry(entry["near_copy_of"])
    where = f"{site} {entry['id']}"
    if "copy_of" in original or "near_copy_of" in original:
        raise ValueError(f"{where}: near_copy_of names a copy; name the original ({other_site} {original['id']} is one)")
    if original["published"] >= entry["published"]:
        raise ValueError(f"{where}: a republication is published after its original ({original['published']})")
    if "seed" in entry or "copy_of" in entry:
        raise ValueError(f"{where}: near_copy_of goes with its own title and body, not with seed or copy_of")


def story_ids(sites: tuple[str, ...] = SITE_NAMES) -> dict[tuple[str, int], str]:
    """The story of every article of ``sites``, by (site, id): ``"seed:NNN"`` for a seed's page and every copy of it,
    the original's ``"site:id"`` for a verbatim or near copy, otherwise the article's own ``"site:id"``."""

    def story(article: Article) -> str:
        if article.seed:
            return f"seed:{article.seed}"
        ref = article.copy_of or article.near_copy_of
        if not ref:
            return f"{article.site}:{article.id}"
        if ref.startswith("seed:"):
            return ref
        other_site, other_id = ref.split(":")
        return story(by_key[(other_site, int(other_id))])

    by_key = {(a.site, a.id): a for name in SITE_NAMES for a in load_articles(name)[1] if not a.link_only}
    return {key: story(article) for key, article in by_key.items() if key[0] in sites}


def _load_toml(site: str) -> dict[str, Any]:
    with (ARTICLES_DIR / f"{site}.toml").open("rb") as fh:
        return tomllib.load(fh)


def _image_prefix(site: str, article_id: int, published: datetime) -> str:
    if site in DRUPAL_SITES:
        return f"/sites/default/files/{published:%Y-%m}/{article_id}"
    return f"/uploads/{published:%Y/%m/%d}/{article_id}"


def write(root: Path, path: str, text: str, *, encoding: str = "utf-8", headers: dict[str, str] | None = None) -> Path:
    """Write the page served at ``path`` (with its query) and, when given, its sidecar headers."""
    route, _, query = path.partition("?")
    target = file_for(root, route, query)
    if target is None:
        raise ValueError(f"no file can serve {path!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(encode_text(text, encoding))
    if headers:
        sidecar = target.with_name(target.name + ".headers")
        sidecar.write_text("".join(f"{k}: {v}\n" for k, v in headers.items()), encoding="ascii")
    return target


def build(root: Path = SITES_ROOT, sites: tuple[str, ...] = SITE_NAMES) -> dict[str, list[Path]]:
    """Regenerate every replica site under ``root`` (each site's folder is emptied first)."""
    written: dict[str, list[Path]] = {}
    for site in sites:
        folder = root / site
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        meta, articles = load_articles(site)
        pages = drupal_pages.render_site(meta, articles) if site in DRUPAL_SITES else paper_pages.render_site(meta, articles)
        written[site] = [write(folder, p.path, p.text, encoding=p.encoding, headers=p.headers) for p in pages]
    return written


def main() -> None:
    """Regenerate the shipped replica sites and report what was written."""
    for site, files in build().items():
        size = sum(f.stat().st_size for f in files)
        print(f"{site}: {len(files)} files, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
