"""Settings precedence, site-file validation and URL canonicalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.errors import ConfigError, SiteConfigError
from pipeline.sites import load_sites, parse_sites
from pipeline.urls import canonicalize_url


def test_settings_precedence_flag_over_env_over_default(tmp_path: Path) -> None:
    env = {"NEWSHARVEST_HOME": str(tmp_path), "NEWSHARVEST_DOWNLOAD_DELAY": "2.5", "NEWSHARVEST_DB": "sqlite:////x.db"}
    assert Settings.load(environ={"NEWSHARVEST_HOME": str(tmp_path)}).database_url == f"sqlite:///{tmp_path}/archive.db"
    settings = Settings.load({"db_url": "sqlite:////flag.db", "download_delay": None}, environ=env)
    assert settings.database_url == "sqlite:////flag.db"
    assert settings.download_delay == 2.5
    with pytest.raises(ConfigError, match="NEWSHARVEST_DOWNLOAD_DELAY"):
        Settings.load(environ={"NEWSHARVEST_DOWNLOAD_DELAY": "fast"})


def test_sites_env_and_flag_files_merge_in_order(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    settings = Settings.load({"sites_files": (b,)}, environ={"NEWSHARVEST_SITES": str(a)})
    assert settings.sites_files == (a, b)


def test_shipped_sites_load_and_cover_the_langson_family() -> None:
    sites = load_sites()
    assert {"baolangson", "baolangson_old", "langson_portal", "sonoivu"} <= set(sites)
    old = sites["baolangson_old"]
    assert old.is_article_url("https://old.baolangson.vn/chinh-tri/xay-dung-dang/310783-dai-hoi-dang.html")
    assert not old.is_article_url("https://old.baolangson.vn/chinh-tri/trang-2")
    assert old.is_listing_url("https://old.baolangson.vn/chinh-tri/trang-2")
    portal = sites["langson_portal"]
    assert portal.is_article_url("https://langson.gov.vn/vi/node/90863")
    assert portal.is_listing_url("https://langson.gov.vn/vi/tin-tuc-su-kien?page=3")
    assert portal.date_order == "MDY" and portal.tz.key == "Asia/Ho_Chi_Minh"


def test_override_by_name_and_base_url(tmp_path: Path) -> None:
    override = tmp_path / "mine.toml"
    override.write_text('[[site]]\nname = "sonoivu"\nbase_url = "http://mirror.example"\nfeeds = ["/rss.xml"]\n', encoding="utf-8")
    sites = load_sites([override])
    assert sites["sonoivu"].base_url == "http://mirror.example"
    assert sites["sonoivu"].source == str(override)
    moved = sites["langson_portal"].with_base_url("http://127.0.0.1:8001/")
    assert moved.base_url == "http://127.0.0.1:8001" and moved.absolute("/rss.xml") == "http://127.0.0.1:8001/rss.xml"
    assert moved.article_url_pattern == sites["langson_portal"].article_url_pattern


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\nbogus = 1\n', "key 'bogus'"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nstart_urls = ["/"]\narticle_url_pattern = "(["\n', "bad regular expression"),
        ('[[site]]\nname = "x"\nbase_url = "/relative"\nfeeds = ["/f"]\n', "absolute"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nstart_urls = ["/"]\n', "article pattern"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\n', "feeds, sitemaps or start_urls"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\n[[site]]\nname = "x"\nbase_url = "https://y.vn"\nfeeds = ["/f"]\n', "twice"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\nschedule = { every = "soon" }\n', "schedule.every"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\ntimezone = "Mars/Base"\n', "timezone"),
        ('[[site]]\nname = "Bad Name"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\n', "name must match"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\nconcurrency_per_host = 0\n', "concurrency_per_host"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\ndownload_delay = -1\n', "download_delay"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\nautothrottle = "no"\n', "autothrottle"),
        ('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\nredirect_hosts = ["a b"]\n', "redirect_hosts"),
    ],
)
def test_invalid_site_files_fail_loudly_naming_file_site_and_key(toml: str, message: str) -> None:
    with pytest.raises(SiteConfigError, match=message) as info:
        parse_sites(toml, source="sites.toml")
    assert "sites.toml" in str(info.value)


def test_feed_only_site_needs_no_patterns() -> None:
    site = parse_sites('[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/rss"]\n')["x"]
    assert site.is_article_url("https://x.vn/anything") and not site.is_listing_url("https://x.vn/anything")


def test_a_pattern_written_as_a_whole_url_matches_too() -> None:
    toml = '[[site]]\nname = "x"\nbase_url = "https://x.vn"\nstart_urls = ["/"]\n' + "article_url_pattern = '^https://x\\.vn/tin-tuc/[a-z-]+-\\d+$'\n"
    site = parse_sites(toml)["x"]
    assert site.is_article_url("https://x.vn/tin-tuc/dai-hoi-123") and not site.is_article_url("https://x.vn/video/dai-hoi-123")
    path_site = parse_sites(toml.replace("^https://x\\.vn/tin-tuc/", "^/tin-tuc/"))["x"]
    assert path_site.is_article_url("https://x.vn/tin-tuc/dai-hoi-123")


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.VN:80/a/b/?utm_source=x&b=2&a=1#frag", "http://example.vn/a/b?a=1&b=2"),
        ("https://x.vn:443/vi/node/1;jsessionid=abc?PHPSESSID=1&fbclid=2", "https://x.vn/vi/node/1"),
        ("https://x.vn", "https://x.vn/"),
        ("https://x.vn/vi/tin-tuc?page=1", "https://x.vn/vi/tin-tuc?page=1"),
        ("http://127.0.0.1:8080/chinh-tri/123-a.html", "http://127.0.0.1:8080/chinh-tri/123-a.html"),
    ],
)
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(canonical) == canonical


def test_politeness_keys_replace_the_global_values_for_their_site_alone() -> None:
    from crawler.settings import scrapy_settings
    from pipeline.config import Settings

    toml = (
        '[[site]]\nname = "mirror"\nbase_url = "http://10.0.0.5"\nfeeds = ["/f"]\nconcurrency_per_host = 8\n'
        'download_delay = 0\nautothrottle = false\n'
        '[[site]]\nname = "fragile"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\ndownload_delay = 5.5\n'
        '[[site]]\nname = "plain"\nbase_url = "https://y.vn"\nfeeds = ["/f"]\n'
    )
    sites = parse_sites(toml)
    settings = Settings(download_delay=1.0, concurrency_per_host=2)
    mirror = scrapy_settings(settings, archive=None, site=sites["mirror"])
    assert (mirror["CONCURRENT_REQUESTS_PER_DOMAIN"], mirror["DOWNLOAD_DELAY"], mirror["AUTOTHROTTLE_ENABLED"]) == (8, 0.0, False)
    fragile = scrapy_settings(settings, archive=None, site=sites["fragile"])
    assert (fragile["CONCURRENT_REQUESTS_PER_DOMAIN"], fragile["DOWNLOAD_DELAY"], fragile["AUTOTHROTTLE_ENABLED"]) == (2, 5.5, True)
    assert fragile["AUTOTHROTTLE_START_DELAY"] == 11.0
    plain = scrapy_settings(settings, archive=None, site=sites["plain"])
    assert plain == scrapy_settings(settings, archive=None)  # no keys: the global values, polite as before
