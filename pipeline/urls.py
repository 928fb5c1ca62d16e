"""Canonical URLs: one spelling per page, so the same article is never stored twice under two URLs.

courlan does the well-known part (scheme and host case, default ports, tracking parameters such as ``utm_*`` and
``fbclid``, query order); this module adds what news CMSs need on top: fragments, session identifiers in the query
or as ``;jsessionid=`` path parameters, and trailing slashes.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import courlan

__all__ = ["canonicalize_url"]

# Query parameters that identify a visitor or a campaign, never a page.
_NOISE_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|zarsrc|_hsenc|_hsmi|mc_cid|mc_eid|ref|ref_src|"
    r"phpsessid|sid|sessionid|session_id|jsessionid|aspsessionid\w*|cfid|cftoken)$",
    re.IGNORECASE,
)
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)


def canonicalize_url(url: str) -> str:
    """The canonical form of an absolute http(s) URL (idempotent)."""
    url = _PATH_SESSION.sub("", url.strip())
    try:
        normalized = courlan.normalize_url(url, strict=False)
    except ValueError:
        normalized = url
    parts = urlsplit(normalized)
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _NOISE_PARAMS.match(k)))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))
