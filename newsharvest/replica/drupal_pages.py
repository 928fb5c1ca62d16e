"""Pages of the Drupal 8 replicas (``sonoivu``, ``langson_portal``): nodes, the Views listing, rss.xml, robots.txt.

Shapes kept from Drupal 8 core and the langson.gov.vn family: ``/vi/node/<nid>`` (or a pathauto alias, with the node
path serving the same page), the skip link and slogan banner before the title, ``node__submitted`` in core's medium
date format ``D, m/d/Y - H:i`` (month first), CKEditor bodies (``&nbsp;`` indents and spacers, Latin-1 entities),
a zero-based Views pager ``?page=N``, and the front-page feed ``/rss.xml`` (10 newest nodes, RFC 822 dates).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from newsharvest.replica.model import Article, Page, rfc822, text_html

__all__ = ["FEED_ITEMS", "PER_PAGE", "ROBOTS_TXT", "SEARCH_PATH", "render_site", "submitted_date"]

PER_PAGE = 5
FEED_ITEMS = 10
LISTING = "/vi/tin-tuc-su-kien"
SEARCH_PATH = "/vi/search/node?keys=x"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Drupal 8's root robots.txt (drupal/drupal 8.x, with Crawl-delay), plus the language-prefixed search path a
# multilingual site adds: core only lists /search/, which never matches /vi/search/.
ROBOTS_TXT = """\
#
# robots.txt
#
# This file is to prevent the crawling and indexing of certain parts
# of your site by web crawlers and spiders run by sites like Yahoo!
# and Google. By telling these "robots" where not to go on your site,
# you save bandwidth and server resources.
#
# This file will be ignored unless it is at the root of your host:
# Used:    http://example.com/robots.txt
# Ignored: http://example.com/site/robots.txt
#
# For more information about the robots.txt standard, see:
# http://www.robotstxt.org/robotstxt.html

User-agent: *
Crawl-delay: 10
# CSS, JS, Images
Allow: /core/*.css$
Allow: /core/*.css?
Allow: /core/*.js$
Allow: /core/*.js?
Allow: /core/*.gif
Allow: /core/*.jpg
Allow: /core/*.jpeg
Allow: /core/*.png
Allow: /core/*.svg
Allow: /profiles/*.css$
Allow: /profiles/*.css?
Allow: /profiles/*.js$
Allow: /profiles/*.js?
Allow: /profiles/*.gif
Allow: /profiles/*.jpg
Allow: /profiles/*.jpeg
Allow: /profiles/*.png
Allow: /profiles/*.svg
# Directories
Disallow: /core/
Disallow: /profiles/
# Files
Disallow: /README.txt
Disallow: /web.config
# Paths (clean URLs)
Disallow: /admin/
Disallow: /comment/reply/
Disallow: /filter/tips
Disallow: /node/add/
Disallow: /search/
Disallow: /user/register/
Disallow: /user/password/
Disallow: /user/login/
Disallow: /user/logout/
# Paths (no clean URLs)
Disallow: /index.php/admin/
Disallow: /index.php/comment/reply/
Disallow: /index.php/filter/tips
Disallow: /index.php/node/add/
Disallow: /index.php/search/
Disallow: /index.php/user/password/
Disallow: /index.php/user/register/
Disallow: /index.php/user/login/
Disallow: /index.php/user/logout/
# Language prefixes (added by the site)
Disallow: /vi/search/
Disallow: /en/search/
Disallow: /vi/user/login/
Disallow: /en/user/login/
"""
_PAGE = """\
<!DOCTYPE html><html lang="vi" dir="ltr"><head><meta charset="utf-8"><meta name="Generator" content="Drupal 8 (https://www.drupal.org)">
<title>{title}</title>{head}</head>
<body class="{body_class}"><a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas"><header>{banner}<nav role="navigation"><ul class="menu">{menu}</ul></nav></header>
<main><a id="main-content" tabindex="-1"></a>{main}</main>
<footer><div class="region region-footer">{footer}</div></footer></div></body></html>
"""


def submitted_date(moment: datetime) -> str:
    """Drupal core's medium date format, month first: ``Thu, 05/21/2020 - 10:15``."""
    return f"{_DAYS[moment.weekday()]}, {moment:%m/%d/%Y - %H:%M}"


def _page(meta: dict[str, Any], title: str, main: str, *, head: str = "", body_class: str = "path-frontpage") -> str:
    menu = "".join(f'<li class="menu-item"><a href="{href}">{text_html(name)}</a></li>' for name, href in meta["menu"])
    slogan = meta.get("slogan", "")
    banner = f'<div class="region region-banner"><div class="block-slogan">{text_html(slogan)}</div></div>' if slogan else ""
    site = text_html(meta["name"])
    return _PAGE.format(
        title=f"{title} | {site}",
        head=head,
        body_class=body_class,
        banner=banner,
        menu=menu,
        main=main,
        footer=text_html(meta["footer"]),
    )


def _paragraph(text: str, article: Article) -> str:
    indent = "&nbsp; &nbsp; &nbsp; " if article.indent else ""
    return f"{indent}{text_html(text, entities=article.entities, form=article.unicode)}"


def _body(article: Article) -> str:
    """The node body as CKEditor saved it (or, for a ``broken`` article, as a bad paste left it)."""
    close = "" if article.broken else "</p>"
    parts = []
    for block in article.blocks:
        if block.kind == "spacer":
            parts.append("<p>&nbsp;</p>")
        elif block.kind == "image":
            caption = "<br />".join(text_html(line, entities=article.entities, form=article.unicode) for line in block.caption)
            if not article.seed:
                parts.append("<p>&nbsp;</p>")
            style = "" if article.seed else ' style="text-align: center;"'
            parts.append(f'<p><img alt="" src="{block.src}" style="width: 600px; height: 400px;" /></p><p{style}>{caption}</p>')
        else:
            parts.append(f"<p>{_paragraph(block.text, article)}{close}")
    if article.broken:
        parts[0] = parts[0].replace("<p>", '<p><span style="font-size:14px;"><b>', 1)
    if article.byline:
        byline = text_html(article.byline, entities=article.entities, form=article.unicode)
        if article.site == "langson_portal" and not article.seed:
            byline = f"<strong>{byline}</strong>"
        parts.append(f'<p style="text-align: right;">{byline}</p>' if "strong" in byline else f"<p>{byline}</p>")
    return "\n".join(parts)


def _node_page(meta: dict[str, Any], article: Article) -> str:
    node = f"/vi/node/{article.id}"
    head = (
        f'<link rel="canonical" href="{{BASE_URL}}{article.alias or node}"><link rel="shortlink" href="{{BASE_URL}}{node}">'
        f'<meta name="description" content="{html.escape(unicodedata.normalize(article.unicode, article.lead[:300]))}">'
    )
    title = text_html(article.title, form=article.unicode)
    submitted = (
        f'<div class="node__submitted">Gửi bởi <span class="field field--name-uid">admin</span> vào '
        f'<span class="field field--name-created">{submitted_date(article.published)}</span></div>\n'
        if article.submitted
        else ""
    )
    end = "</div>\n</div></div>" if article.broken else "</div></article>"
    main = (
        f'<h1 class="page-title"><span class="field field--name-title">{title}</span></h1>\n'
        f'<article role="article" class="node node--type-article node--view-mode-full">{submitted}'
        f'<div class="field field--name-body field--type-text-with-summary field--label-hidden field__item">'
        f"{_body(article)}{end}"
    )
    page = _page(meta, title, main, head=head, body_class="path-node page-node-type-article")
    if article.broken:  # a theme override that forgot its closing tags
        page = page.replace("</main>", "", 1).replace("</body></html>", "")
    return page


def _teaser(article: Article) -> str:
    lead = article.lead
    return lead if len(lead) <= 200 else lead[:200].rsplit(" ", 1)[0] + "…"


def _row(article: Article) -> str:
    hreflang = "" if article.path.startswith("http") else ' hreflang="vi"'
    return (
        f'<div class="views-row"><div class="views-field views-field-title"><span class="field-content">'
        f'<a href="{article.path}"{hreflang}>{text_html(article.title, form=article.unicode)}</a></span></div>'
        f'<div class="views-field views-field-created"><span class="field-content">{submitted_date(article.published)}'
        f'</span></div><div class="views-field views-field-body"><div class="field-content">'
        f"{text_html(_teaser(article), form=article.unicode)}"
        "</div></div></div>"
    )


def _pager(page: int, pages: int) -> str:
    def item(cls: str, target: int, label: str, rel: str = "") -> str:
        rel_attr = f' rel="{rel}"' if rel else ""
        return f'<li class="pager__item{cls}"><a href="?page={target}"{rel_attr}>{label}</a></li>'

    items = []
    if page > 0:
        items += [
            item(" pager__item--first", 0, "« Trang đầu"),
            item(" pager__item--previous", page - 1, "‹ Trang trước", "prev"),
        ]
    items += [item(" is-active" if n == page else "", n, str(n + 1)) for n in range(pages)]
    if page < pages - 1:
        items += [
            item(" pager__item--next", page + 1, "Trang sau ›", "next"),
            item(" pager__item--last", pages - 1, "Trang cuối »"),
        ]
    return (
        '<nav class="pager" role="navigation" aria-labelledby="pagination-heading"><h4 id="pagination-heading" '
        f'class="visually-hidden">Phân trang</h4><ul class="pager__items js-pager__items">{"".join(items)}</ul></nav>'
    )


def _sidebar() -> str:
    return (
        '<aside class="region region-sidebar-second"><div class="block block-search"><form action="/vi/search/node" '
        'method="get"><input type="search" name="keys"><input type="submit" value="Tìm kiếm"></form>'
        f'<a href="{SEARCH_PATH}">Tìm kiếm nâng cao</a></div></aside>'
    )


def _listing(meta: dict[str, Any], articles: Sequence[Article]) -> list[Page]:
    pages = max(1, -(-len(articles) // PER_PAGE))
    out = []
    for page in range(pages):
        rows = "\n".join(_row(a) for a in articles[page * PER_PAGE : (page + 1) * PER_PAGE])
        main = (
            '<h1 class="page-title">Tin tức - Sự kiện</h1><div class="view view-tin-tuc-su-kien view-id-tin_tuc_su_kien '
            f'view-display-id-page_1"><div class="view-content">\n{rows}\n</div>{_pager(page, pages)}</div>{_sidebar()}'
        )
        text = _page(meta, "Tin tức - Sự kiện", main, body_class="path-tin-tuc-su-kien")
        out.append(Page(f"{LISTING}?page={page}", text))
        if page == 0:
            out.append(Page(LISTING, text))
    return out


def _feed(meta: dict[str, Any], articles: Sequence[Article]) -> Page:
    items = []
    for a in [a for a in articles if a.in_feed and not a.link_only][:FEED_ITEMS]:
        description = html.escape(f"<p>{text_html(_teaser(a), form=a.unicode)}</p>", quote=False)
        items.append(f"""  <item>
    <title>{html.escape(unicodedata.normalize(a.unicode, a.title), quote=False)}</title>
    <link>{{BASE_URL}}{a.path}</link>
    <description>{description}</description>
    <pubDate>{rfc822(a.published)}</pubDate>
    <dc:creator>admin</dc:creator>
    <guid isPermaLink="false">{a.id} at {{BASE_URL}}</guid>
  </item>""")
    text = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xml:base="{{BASE_URL}}/vi" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:foaf="http://xmlns.com/foaf/0.1/" xmlns:og="http://ogp.me/ns#" '
        'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#" '
        'xmlns:schema="http://schema.org/" xmlns:sioc="http://rdfs.org/sioc/ns#" xmlns:sioct="http://rdfs.org/sioc/types#" '
        'xmlns:skos="http://www.w3.org/2004/02/skos/core#" xmlns:xsd="http://www.w3.org/2001/XMLSchema#">\n'
        f"  <channel>\n    <title>{html.escape(meta['name'])}</title>\n    <link>{{BASE_URL}}/vi</link>\n"
        f"    <description></description>\n    <language>vi</language>\n\n" + "\n".join(items) + "\n  </channel>\n</rss>\n"
    )
    return Page("/rss.xml", text)


def _home(meta: dict[str, Any], articles: Sequence[Article]) -> str:
    newest = [a for a in articles if not a.link_only and not a.fault][:5]
    rows = "\n".join(_row(a) for a in newest)
    main = (
        f'<div class="view view-frontpage"><h2 class="block-title">Tin mới</h2><div class="view-content">\n{rows}\n</div>'
        f'<div class="more-link"><a href="{LISTING}">Xem tiếp</a></div></div>'
    )
    return _page(meta, "Trang chủ", main)


def _search_page(meta: dict[str, Any]) -> Page:
    main = '<h1 class="page-title">Tìm kiếm</h1><h2>Kết quả tìm kiếm</h2><p>Không tìm thấy kết quả nào.</p>'
    return Page(SEARCH_PATH, _page(meta, "Tìm kiếm", main, body_class="path-search"))


def render_site(meta: dict[str, Any], articles: Sequence[Article]) -> list[Page]:
    """Every page of the site; ``articles`` are newest first (link-only rows appear in the listing alone)."""
    home = _home(meta, articles)
    pages = [Page("/robots.txt", ROBOTS_TXT), Page("/", home), Page("/vi", home), _feed(meta, articles), _search_page(meta)]
    pages += _listing(meta, articles)
    for article in articles:
        if article.link_only:
            continue
        text = _node_page(meta, article)
        pages.append(Page(article.path, text))
        if article.alias:
            pages.append(Page(f"/vi/node/{article.id}", text))
    return pages
