"""The Scrapy side of newsharvest: everything that imports Scrapy lives in this package, and nothing else does."""
