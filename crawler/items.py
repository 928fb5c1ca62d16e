"""The item type the spider yields: ``FetchedPage`` (defined in the pipeline, which must not import Scrapy)."""

from __future__ import annotations

from pipeline.page import FetchedPage, PageHints

__all__ = ["FetchedPage", "PageHints"]
