"""AutoThrottle that honours robots.txt ``Crawl-delay`` (Scrapy parses it but never applies it, scrapy#892).

When ``RobotsTxtMiddleware`` sends ``robots_parsed``, the host's crawl delay becomes the floor of its download slot:
the slot's delay is raised to it now, slots re-created later (Scrapy drops idle slots) start from it, and AutoThrottle's
adjustments never take the slot below it. With ``AUTOTHROTTLE_ENABLED`` off, only the floor is applied.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.core.downloader import Downloader
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

__all__ = ["CrawlDelayAutoThrottle"]

log = logging.getLogger(__name__)


class CrawlDelayAutoThrottle(AutoThrottle):
    """AutoThrottle whose per-host delay never drops below that host's robots.txt Crawl-delay."""

    def __init__(self, crawler: Crawler) -> None:
        self.enabled = crawler.settings.getbool("AUTOTHROTTLE_ENABLED")
        if self.enabled:
            super().__init__(crawler)
        else:
            self.crawler = crawler
        agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT") or "*"
        self.user_agent: str = str(agent)
        # Slot key → robots.txt Crawl-delay (seconds) of that host.
        self.floors: dict[str, float] = {}
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    def _robots_parsed(self, robotparser: RobotParser, request: Request, **_: Any) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay or delay <= 0:
            return
        self.apply_crawl_delay(request, float(delay))

    def apply_crawl_delay(self, request: Request, delay: float) -> None:
        """Make ``delay`` the floor of the download slot that ``request`` goes through."""
        downloader = self._downloader()
        key = downloader.get_slot_key(request)
        if self.floors.get(key) == delay:
            return
        self.floors[key] = delay
        # A slot Scrapy garbage-collects while idle is re-created from per-slot settings: keep the floor there too.
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(delay, slot_settings.get("delay", 0.0))
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, delay)
        log.info("robots.txt Crawl-delay %.1fs applied to %s", delay, key, extra={"site": key, "run_id": None})

    def _downloader(self) -> Downloader:
        assert self.crawler.engine is not None
        return self.crawler.engine.downloader

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if key is not None and slot is not None and key in self.floors:
            slot.delay = max(slot.delay, self.floors[key])
