"""Redirects that stay where the crawl was sent: its own site, the public internet, and no loops.

Scrapy follows every redirect (3xx and ``<meta http-equiv="refresh">``) wherever it points, and drops a redirect back
to a URL it already requested without a word. This middleware sees each redirected request before anything is sent
for it (before robots.txt, so an off-site host is not even asked for its robots.txt) and refuses, with a reason the
spider's errback records against the article or listing:

- a redirect to another host, unless the site declares it (``redirect_hosts`` in the site file);
- from a site on a public address, a redirect to a loopback, private, link-local or otherwise non-public address
  (server-side request forgery: ``http://169.254.169.254/`` is a cloud metadata service). A site that is itself on
  such an address (a replica on 127.0.0.1, an intranet mirror) may redirect within it: the operator chose it;
- a redirect back to a URL of the same chain (a loop), named as such rather than as "too many redirects".
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

__all__ = ["RedirectRefused", "SiteRedirectMiddleware", "is_non_public_host"]

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class RedirectRefused(IgnoreRequest):
    """A redirect the crawl does not follow; the message says where it pointed and why."""


def is_non_public_host(url: str) -> bool:
    """Whether ``url``'s host is a literal loopback, private, link-local, reserved or unspecified address, or a local
    name ("localhost", "*.localhost", "*.local"). Names that merely resolve to such addresses are not looked up."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return True
    if host in _LOCAL_NAMES or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


class SiteRedirectMiddleware:
    """Refuse redirected requests that leave the site, loop, or reach into a private network (see the module doc)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteRedirectMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        """Let first requests through; check each redirected one against where its chain started."""
        chain: list[str] = request.meta.get("redirect_urls") or []
        if not chain:
            return
        origin = chain[0]
        if request.url in chain:
            hops = " → ".join([*chain, request.url])
            raise RedirectRefused(f"redirect loop: {hops}")
        if urlsplit(request.url).scheme not in ("http", "https"):
            raise RedirectRefused(f"redirect to a non-HTTP URL refused: {request.url}")
        if is_non_public_host(request.url) and not is_non_public_host(origin):
            raise RedirectRefused(f"redirect to a private or local address refused: {request.url}")
        site = getattr(self.crawler.spider, "site", None)
        if site is not None and not site.may_redirect_to(request.url):
            host = urlsplit(request.url).netloc
            raise RedirectRefused(
                f"redirected off site to {host} ({request.url}): not followed; declare the host in redirect_hosts to follow it"
            )
