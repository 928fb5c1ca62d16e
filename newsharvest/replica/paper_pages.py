"""Pages of the old Báo Lạng Sơn replica (``baolangson_old``): articles, category listings, home page, robots.txt.

Shapes kept from the real site: ``/<cat>[/<sub>]/<id>-<slug>.html`` articles whose page carries no publication date
(only the lead, ``LSO-Ngày 22/5/2020, …``) under a header that shows the day the page is served (``{TODAY_VI}``);
category listings ``/<cat>``, ``/<cat>/trang-N`` (newest first) whose items carry ``HH:MM | DD/MM/YYYY``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from newsharvest.replica.model import Article, Page, text_html

__all__ = ["PER_PAGE", "is_header_date", "render_site"]

PER_PAGE = 5
_HEADER_DATE_RE = re.compile(r"^(Thứ (hai|ba|tư|năm|sáu|bảy)|Chủ nhật),\s+\d{2}/\d{2}/\d{4}$")
ROBOTS_TXT = """\
# robots.txt for old.baolangson.vn
User-agent: *
Disallow: /administrator/
Disallow: /cache/
Disallow: /includes/
Disallow: /print/
Disallow: /search
Disallow: /tim-kiem
Disallow: /tmp/
Disallow: /uncategorized/
"""
_PAGE = """\
<!DOCTYPE html><html lang="vi"><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}</title>{head}</head>
<body><div id="header"><div class="top-bar"><span class="header-date">{{TODAY_VI}}</span> | <a href="/">Trang chủ</a> \
<form class="search" action="/search" method="get"><input type="text" name="q"><input type="submit" value="Tìm kiếm"></form></div>
<div class="logo"><a href="/"><img src="/images/logo.png" alt="Báo Lạng Sơn"></a>\
<span>Báo Lạng Sơn - Cơ quan của Đảng bộ Đảng Cộng sản Việt Nam tỉnh Lạng Sơn</span></div>
<ul class="main-menu">{menu}</ul></div>
<div id="main">{main}</div>
<div id="footer">{footer}</div></body></html>
"""


def is_header_date(line: str) -> bool:
    """Whether a text line is the header date chrome (``Thứ ba,  19/01/2021``)."""
    return _HEADER_DATE_RE.match(line) is not None


def _stamp(article: Article) -> str:
    return f"{article.published:%H:%M | %d/%m/%Y}"


def _listing_key(article: Article) -> str:
    return article.listed_in or article.category.split("/")[0]


def _page(meta: dict[str, Any], title: str, main: str, head: str = "", charset: str = "utf-8") -> str:
    menu = "".join(f'<li><a href="/{slug}">{text_html(name)}</a></li>' for slug, name in meta["categories"])
    return _PAGE.format(charset=charset, title=title, head=head, menu=menu, main=main, footer=text_html(meta["footer"]))


def _body(article: Article) -> str:
    form = article.unicode
    parts = []
    for n, block in enumerate(article.blocks):
        if block.kind == "image":
            caption = "<br>".join(text_html(line, form=form) for line in block.caption)
            parts.append(
                f'<table class="image" align="center"><tr><td><img src="{block.src}" alt=""></td></tr>'
                f'<tr><td class="caption">{caption}</td></tr></table>'
            )
        elif n == 0 and block.text.startswith("LSO-"):
            parts.append(f"<p><strong>LSO-</strong>{text_html(block.text[4:], form=form)}</p>")
        elif block.kind == "p":
            parts.append(f"<p>{text_html(block.text, form=form)}</p>")
    if article.byline:
        parts.append(f'<p style="text-align:right"><strong>{text_html(article.byline, form=form)}</strong></p>')
    return "\n".join(parts)


def _item(article: Article) -> str:
    image = next((b.src for b in article.blocks if b.kind == "image"), "/images/no-image.jpg")
    title = text_html(article.title, form=article.unicode)
    return (
        f'<li class="item"><a class="thumb" href="{article.path}"><img src="{image}" alt=""></a>'
        f'<h3 class="title"><a href="{article.path}">{title}</a></h3>'
        f'<div class="date-time">{_stamp(article)}</div>'
        f'<div class="sapo">{text_html(article.lead, form=article.unicode)}</div></li>'
    )


def _article_page(meta: dict[str, Any], article: Article, related: Sequence[Article]) -> Page:
    names = dict(meta["categories"] + meta["subcategories"])
    crumbs = ['<a href="/">Trang chủ</a>']
    top = _listing_key(article)
    crumbs.append(f'<a href="/{top}">{text_html(names[top])}</a>')
    if article.category in names and "/" in article.category:
        crumbs.append(f'<a href="/{article.category}">{text_html(names[article.category])}</a>')
    title = text_html(article.title, form=article.unicode)
    lead = text_html(article.lead, form=article.unicode).replace('"', "&quot;")
    head = (
        f'<meta name="description" content="{lead}"><meta property="og:title" content="{title}">\n'
        f'<meta property="og:type" content="article"><link rel="canonical" href="{{BASE_URL}}{article.path}">'
    )
    links = "".join(
        f'<li><a href="{r.path}">{text_html(r.title, form=r.unicode)}</a> <span class="date">({r.published:%d/%m/%Y})</span></li>'
        for r in related
    )
    main = (
        f'<div class="breadcrumb">{" » ".join(crumbs)}</div><div class="article-detail"><h1 class="title">{title}</h1>\n'
        f'<div class="article-content">{_body(article)}</div></div>\n'
        f'<div class="related"><h3>Tin liên quan</h3><ul>{links}</ul></div>'
    )
    charset = article.encoding
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset != "utf-8" else None
    return Page(article.path, _page(meta, title, main, head, charset), encoding=charset, headers=headers)


def _paging(base: str, page: int, pages: int) -> str:
    def href(n: int) -> str:
        return f"/{base}" if n == 1 else f"/{base}/trang-{n}"

    links = [f'<a class="prev" href="{href(page - 1)}">« Trang trước</a>'] if page > 1 else []
    links += [f'<span class="current">{n}</span>' if n == page else f'<a href="{href(n)}">{n}</a>' for n in range(1, pages + 1)]
    if page < pages:
        links.append(f'<a class="next" href="{href(page + 1)}">Trang sau »</a>')
    return f'<div class="paging">{" ".join(links)}</div>'


def _listing_pages(meta: dict[str, Any], key: str, name: str, articles: Sequence[Article]) -> list[Page]:
    subs = "".join(f'<a href="/{slug}">{text_html(sub)}</a>' for slug, sub in meta["subcategories"] if slug.startswith(key + "/"))
    pages = max(1, -(-len(articles) // PER_PAGE))
    out = []
    for page in range(1, pages + 1):
        chunk = articles[(page - 1) * PER_PAGE : page * PER_PAGE]
        main = (
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> » <a href="/{key}">{text_html(name)}</a></div>'
            f'<div class="category-page"><h1 class="cat-title">{text_html(name)}</h1><div class="sub-cats">{subs}</div>\n'
            f'<ul class="list-news">\n' + "\n".join(_item(a) for a in chunk) + "\n</ul>\n"
            f"{_paging(key, page, pages)}</div>"
        )
        path = f"/{key}" if page == 1 else f"/{key}/trang-{page}"
        out.append(Page(path, _page(meta, f"{text_html(name)} - Báo Lạng Sơn", main)))
    return out


def _home(meta: dict[str, Any], articles: Sequence[Article]) -> Page:
    boxes = []
    for slug, name in meta["categories"]:
        members = [a for a in articles if _listing_key(a) == slug][:2]
        items = "".join(f'<li><a href="{a.path}">{text_html(a.title, form=a.unicode)}</a></li>' for a in members)
        boxes.append(f'<div class="cat-box"><h2><a href="/{slug}">{text_html(name)}</a></h2><ul>{items}</ul></div>')
    main = (
        '<div class="home"><h2 class="box-title">Tin mới</h2><ul class="list-news">\n'
        + "\n".join(_item(a) for a in articles[:6])
        + "\n</ul>\n"
        + "\n".join(boxes)
        + "</div>"
    )
    return Page("/", _page(meta, "Báo Lạng Sơn - Tin tức, sự kiện tỉnh Lạng Sơn", main))


def render_site(meta: dict[str, Any], articles: Sequence[Article]) -> list[Page]:
    """Every page of the site; ``articles`` are newest first."""
    pages = [Page("/robots.txt", ROBOTS_TXT), _home(meta, articles)]
    for key, name in meta["categories"] + meta["subcategories"]:
        members = [a for a in articles if _listing_key(a) == key or a.category == key]
        pages += _listing_pages(meta, key, name, members)
    for article in articles:
        related = [a for a in articles if a is not article and _listing_key(a) == _listing_key(article)][:3]
        pages.append(_article_page(meta, article, related))
    return pages
