"""A 127.0.0.1 HTTP server for the replica sites (end-to-end tests, ``newsharvest demo``, looking by hand).

One ``ThreadingHTTPServer`` per site, each on ``127.0.0.1`` and an ephemeral port, serves the static files that
``newsharvest/replica/build.py`` generated under ``sites/<site>/``.

Request → file (``file_for``; the generator writes through the same function, so the two cannot drift)::

    /                               index.html
    /chinh-tri                      chinh-tri.html        a last segment without a dot gets ".html"
    /chinh-tri/trang-2/             chinh-tri/trang-2.html  (a trailing slash is ignored)
    /chinh-tri/x/310783-slug.html   chinh-tri/x/310783-slug.html
    /rss.xml, /robots.txt           rss.xml, robots.txt
    /vi/tin-tuc-su-kien?page=1      vi/tin-tuc-su-kien@page=1.html   the query goes after "@", before the extension

Anything else (``..``, characters outside ``[A-Za-z0-9._~-]`` in a segment or ``[A-Za-z0-9._~=&%+-]`` in the
query, a name ending ``.headers``) is a 404.

At request time the server:

- substitutes ``{BASE_URL}`` (``http://127.0.0.1:PORT``) in every text file, so feeds carry absolute URLs of the port it
  got, and ``{TODAY_VI}`` in HTML with today's date in the old Báo Lạng Sơn header style (``Thứ ba,&nbsp; 19/01/2021``:
  the real header shows the day the page was served, never the publication date);
- rewrites every ``Crawl-delay:`` line of a robots.txt to ``crawl_delay`` when that option is set;
- takes the Content-Type from the extension, unless a sidecar ``<file>.headers`` (``Name: value`` lines) says
  otherwise (the windows-1258 page);
- sends ``Last-Modified`` (file mtime) and ``ETag`` (hash of the bytes served) and answers ``If-None-Match`` /
  ``If-Modified-Since`` with 304;
- serves the fault routes of ``FAULT_PATHS``: 404, 500 every time, a PDF, and a page answered after ``slow_seconds``.

``python -m newsharvest.replica.server`` serves every site until Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from pipeline.sites import Site

__all__ = [
    "FAULT_PATHS",
    "SITES_ROOT",
    "SITE_NAMES",
    "Answer",
    "ReplicaServer",
    "encode_text",
    "file_for",
    "request_kind",
    "today_vi",
]

SITES_ROOT = Path(__file__).resolve().parent / "sites"
SITE_NAMES = ("baolangson_old", "sonoivu", "langson_portal")


@dataclass(frozen=True)
class Answer:
    """One response a replica site sent."""

    path: str  # path with query, as requested
    status: int
    body_bytes: int  # 0 for HEAD and 304


def request_kind(site: Site, path: str) -> str:
    """What a request for ``path`` (with its query) was, by the site's declaration: robots, feed, sitemap, article,
    listing or other."""
    if path == "/robots.txt":
        return "robots"
    if path in site.feeds:
        return "feed"
    if path in site.sitemaps:
        return "sitemap"
    url = site.base_url + path
    if site.is_article_url(url):
        return "article"
    return "listing" if site.is_listing_url(url) or path in site.start_urls else "other"


# Listed on sonoivu's listing pages like articles, at paths matching its article_url_pattern.
FAULT_PATHS: dict[str, dict[str, str]] = {
    "sonoivu": {
        "not_found": "/vi/node/5388",
        "server_error": "/vi/node/5391",
        "slow": "/vi/node/5399",
        "pdf": "/vi/node/5395",
    },
}
# A one-page PDF, small but shaped like a real file (header, catalog, xref, trailer).
PDF_BYTES = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000015 00000 n \n0000000064 00000 n \n0000000121 00000 n \n"
    b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n190\n%%EOF\n"
)
_SITE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_WEEKDAYS_VI = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".jpg": "image/jpeg",
    ".pdf": "application/pdf",
}
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9._~-]+$")
_QUERY_RE = re.compile(r"^[A-Za-z0-9._~=&%+-]+$")
_CRAWL_DELAY_RE = re.compile(rb"^(Crawl-delay:[ \t]*)\S+", re.IGNORECASE | re.MULTILINE)
_ERROR_PAGE = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>'
    "<body><h1>{title}</h1><p>{message}</p></body></html>"
)


def file_for(root: Path, path: str, query: str = "") -> Path | None:
    """The file under ``root`` that serves ``path`` + ``query``, or None when the request cannot name one."""
    segments = [s for s in path.split("/") if s]
    if not segments:
        segments = ["index.html"]
    if not all(_SEGMENT_RE.match(s) and s not in (".", "..") for s in segments):
        return None
    if query and not _QUERY_RE.match(query):
        return None
    stem, dot, ext = segments[-1].rpartition(".")
    if not dot:
        stem, ext = segments[-1], "html"
    if ext == "headers":
        return None
    segments[-1] = f"{stem}@{query}.{ext}" if query else f"{stem}.{ext}"
    return root.joinpath(*segments)


def today_vi(day: date) -> str:
    """``day`` the way the old Báo Lạng Sơn header prints it: ``Thứ ba,&nbsp; 19/01/2021``."""
    return f"{_WEEKDAYS_VI[day.weekday()]},&nbsp; {day:%d/%m/%Y}"


def encode_text(text: str, charset: str) -> bytes:
    """Encode ``text``; for windows-1258 the way Windows does it: precomposed where the code page has the letter,
    otherwise the base letter (with its circumflex, breve or horn) followed by a combining tone mark."""
    if charset.lower().replace("_", "-") not in ("windows-1258", "cp1258"):
        return text.encode(charset)
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        shape = "".join(m for m in decomposed[1:] if m in "\u0302\u0306\u031b")
        tones = "".join(m for m in decomposed[1:] if m not in shape)
        out += (unicodedata.normalize("NFC", decomposed[0] + shape) + tones).encode("cp1258")
    return bytes(out)


class _SiteServer(ThreadingHTTPServer):
    """One replica site: its files, options and request log."""

    daemon_threads = True

    def __init__(self, name: str, root: Path, owner: ReplicaServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site_name = name
        self.site_root = root
        self.owner = owner
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay silent when a client hung up (a crawler's timeout on the slow page); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """GET/HEAD of one replica site (the fault routes first, then the static files)."""

    server: _SiteServer
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        """Answer a GET."""
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        """Answer a HEAD: the GET's status and headers, no body."""
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Stay silent: tests and the demo read ``ReplicaServer.requests`` instead."""

    def _respond(self, *, send_body: bool) -> None:
        owner = self.server.owner
        owner._record(self.server.site_name, self.path)
        parts = urlsplit(self.path)
        fault = next((k for k, p in FAULT_PATHS.get(self.server.site_name, {}).items() if p == parts.path), None)
        if fault == "not_found":
            return self._error(HTTPStatus.NOT_FOUND, send_body)
        if fault == "server_error":
            return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, send_body)
        if fault == "pdf":
            return self._send(HTTPStatus.OK, {"Content-Type": "application/pdf"}, PDF_BYTES, send_body)
        if fault == "slow":
            owner._stopping.wait(owner.slow_seconds)
        target = file_for(self.server.site_root, parts.path, parts.query)
        if target is None or not target.is_file():
            return self._error(HTTPStatus.NOT_FOUND, send_body)
        self._send_file(target, send_body)

    def _send_file(self, target: Path, send_body: bool) -> None:
        headers = {"Content-Type": _CONTENT_TYPES.get(target.suffix, "application/octet-stream")}
        sidecar = target.with_name(target.name + ".headers")
        if sidecar.is_file():
            for line in sidecar.read_text(encoding="ascii").splitlines():
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip()] = value.strip()
        if target.name == "rss.xml":
            headers["Content-Type"] = "application/rss+xml; charset=utf-8"
        body = self._render(target.read_bytes(), target, headers["Content-Type"])
        mtime = int(target.stat().st_mtime)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        headers["Last-Modified"] = formatdate(mtime, usegmt=True)
        headers["ETag"] = etag
        if self._not_modified(etag, mtime):
            del headers["Content-Type"]
            return self._send(HTTPStatus.NOT_MODIFIED, headers, b"", send_body=False)
        self._send(HTTPStatus.OK, headers, body, send_body)

    def _render(self, raw: bytes, target: Path, content_type: str) -> bytes:
        owner = self.server.owner
        if not (content_type.startswith("text/") or "xml" in content_type):
            return raw
        charset = content_type.partition("charset=")[2].strip() or "utf-8"
        body = raw.replace(b"{BASE_URL}", self.server.base_url.encode("ascii"))
        if target.suffix == ".html":
            body = body.replace(b"{TODAY_VI}", encode_text(today_vi(owner._today()), charset))
        if target.name == "robots.txt" and owner.crawl_delay is not None:
            body = _CRAWL_DELAY_RE.sub(lambda m: m.group(1) + f"{owner.crawl_delay:g}".encode("ascii"), body)
        return body

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                return mtime <= parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _error(self, status: HTTPStatus, send_body: bool) -> None:
        message = {
            HTTPStatus.NOT_FOUND: "Không tìm thấy trang yêu cầu.",
            HTTPStatus.INTERNAL_SERVER_ERROR: "The website encountered an unexpected error. Please try again later.",
        }.get(status, status.description)
        body = _ERROR_PAGE.format(title=f"{status.value} {status.phrase}", message=message).encode("utf-8")
        self._send(status, {"Content-Type": "text/html; charset=utf-8"}, body, send_body)

    def _send(self, status: HTTPStatus, headers: dict[str, str], body: bytes, send_body: bool) -> None:
        sent = len(body) if send_body and status != HTTPStatus.NOT_MODIFIED else 0
        self.server.owner._record_answer(self.server.site_name, Answer(self.path, int(status), sent))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)


class ReplicaServer:
    """Serve replica sites on 127.0.0.1, one ephemeral port per site, until ``stop()`` (or the ``with`` block ends)."""

    def __init__(
        self,
        sites: Iterable[str] | None = None,
        *,
        crawl_delay: float | None = None,
        slow_seconds: float = 30.0,
        root: Path = SITES_ROOT,
        today: Callable[[], date] | None = None,
    ) -> None:
        names = tuple(sites) if sites is not None else SITE_NAMES
        unknown = [n for n in names if not (Path(root) / n).is_dir()]
        if unknown:
            raise ValueError(f"no replica site {', '.join(unknown)} under {root}")
        if slow_seconds < 0 or (crawl_delay is not None and crawl_delay < 0):
            raise ValueError("slow_seconds and crawl_delay must not be negative")
        self.crawl_delay = crawl_delay
        self.slow_seconds = slow_seconds
        self._today = today or (lambda: datetime.now(_SITE_TZ).date())
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._log: dict[str, list[str]] = {n: [] for n in names}
        self._answers: dict[str, list[Answer]] = {n: [] for n in names}
        self._servers = {n: _SiteServer(n, Path(root) / n, self) for n in names}
        self._threads = [
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, name=f"replica-{n}", daemon=True)
            for n, s in self._servers.items()
        ]
        for thread in self._threads:
            thread.start()

    @property
    def base_urls(self) -> dict[str, str]:
        """Site name → ``http://127.0.0.1:PORT``."""
        return {n: s.base_url for n, s in self._servers.items()}

    def requests(self, site: str) -> list[str]:
        """The request targets (path with query) ``site`` received, in order."""
        with self._lock:
            return list(self._log[site])

    def answers(self, site: str) -> list[Answer]:
        """What ``site`` answered, in order: path with query, HTTP status, body bytes sent."""
        with self._lock:
            return list(self._answers[site])

    def clear_requests(self) -> None:
        """Forget the requests received (and the answers sent) so far."""
        with self._lock:
            for log in self._log.values():
                log.clear()
            for answers in self._answers.values():
                answers.clear()

    def stop(self) -> None:
        """Stop serving and close every socket; a slow request still waiting is released at once."""
        self._stopping.set()
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _record_answer(self, site: str, answer: Answer) -> None:
        with self._lock:
            self._answers[site].append(answer)

    def _record(self, site: str, target: str) -> None:
        with self._lock:
            self._log[site].append(target)

    def __enter__(self) -> ReplicaServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve every replica site until Ctrl-C and print where."""
    parser = argparse.ArgumentParser(prog="python -m newsharvest.replica.server", description=main.__doc__)
    parser.add_argument("--crawl-delay", type=float, default=None, help="rewrite robots.txt Crawl-delay to this value")
    parser.add_argument("--slow-seconds", type=float, default=30.0, help="how long the slow fault page waits")
    args = parser.parse_args(argv)
    with ReplicaServer(crawl_delay=args.crawl_delay, slow_seconds=args.slow_seconds) as server:
        for name, url in server.base_urls.items():
            print(f"{name}: {url}/", flush=True)
        print("Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
