"""Spiders: one generic ``NewsSpider`` (``scrapy crawl news -a site=NAME``) for every declared site."""
