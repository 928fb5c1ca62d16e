"""The operator's page in a real headless Chromium (Debian's ``chromium``, driven by Playwright), on a phone-sized
screen, against ``newsharvest serve`` run as an operator runs it: load the sites, switch to Vietnamese, search, start
a crawl of a replica site from its card, and watch its run appear in the runs table and finish (htmx refreshes it).

Without chromium or Playwright the test skips with the reason — unless ``NEWSHARVEST_REQUIRE_SERVICES=1`` (CI),
where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from operator_cli import cli_env, run_cli

from newsharvest.replica.server import ReplicaServer

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
SITE = "sonoivu"
TOKEN = "browser-test-token"
PHONE = {"width": 390, "height": 844}


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("NEWSHARVEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"the browser test is required here (NEWSHARVEST_REQUIRE_SERVICES=1) but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"newsharvest serve exited with {server.returncode}: {server.stderr.read() if server.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"newsharvest serve not healthy within {timeout:g} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``newsharvest serve`` on a fresh archive with the seeds, its crawls pointed at a replica of sonoivu."""
    with ReplicaServer(sites=(SITE,), crawl_delay=0.0) as replica:
        db_url = f"sqlite:///{tmp_path / 'archive.db'}"
        env = cli_env(db_url, tmp_path / "home", NEWSHARVEST_API_TOKEN=TOKEN)
        for args in (("init",), ("seed", str(Path(__file__).resolve().parents[2] / "newsharvest" / "seeds"))):
            assert run_cli(env, *args, timeout=120).returncode == 0
        port = _free_port()
        command = [
            sys.executable,
            "-m",
            "newsharvest",
            "serve",
            "--port",
            str(port),
            "--base-url",
            f"{SITE}={replica.base_urls[SITE]}",
        ]
        server = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", server)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_operator_page_in_chromium(served: str, tmp_path: Path) -> None:
    _require(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None, f"no chromium at {CHROMIUM} (apt-get install chromium)"
    )
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _require(False, "Playwright is not installed (pip install -e '.[dev]')")
        raise
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport=PHONE, locale="en-US")
            page.set_default_timeout(15_000)
            page.goto(served + "/")
            card = page.locator(f"#site-{SITE}")
            expect(card).to_be_visible()
            expect(card.get_by_role("button")).to_have_text("Start crawl")

            page.get_by_role("link", name="Tiếng Việt").click()
            expect(page.locator(f"#site-{SITE}").get_by_role("button")).to_have_text("Bắt đầu thu thập")
            page.get_by_role("link", name="English").click()

            page.get_by_role("link", name="Search").click()
            page.get_by_role("searchbox").fill("dai hoi dang bo")
            page.get_by_role("button", name="Search").click()
            expect(page.locator("ol.hits li").first).to_be_visible()
            expect(page.locator(".snippet mark").first).to_have_text(re.compile(r"^(đại|hội|đảng|bộ)$", re.IGNORECASE))
            page.locator("ol.hits li h2 a").first.click()
            expect(page.locator("ul.cluster li").first).to_be_visible()

            page.goto(served + "/")
            card = page.locator(f"#site-{SITE}")
            card.locator("input[name=token]").fill(TOKEN)
            card.locator("input[name=max_articles]").fill("3")
            card.get_by_role("button").click()
            page.wait_for_url("**/runs?watch=sonoivu*")
            expect(page.get_by_role("status")).to_contain_text("Crawl of sonoivu started")
            row = page.locator(f"tr[data-site={SITE}]").first
            expect(row).to_be_visible(timeout=30_000)  # the child holds the lease and opened its run
            expect(row).to_have_attribute("data-status", "succeeded", timeout=60_000)
            expect(row.locator("td").nth(3)).to_have_text("manual")
            expect(page.locator("#runs")).to_have_attribute("data-live", "no")  # polling stopped
            page.screenshot(path=str(tmp_path / "runs.png"), full_page=True)
            page.goto(served + "/")
            expect(page.locator(f"#site-{SITE} input[name=token]")).to_have_count(0)  # the token was remembered
            page.screenshot(path=str(tmp_path / "sites.png"), full_page=True)
        finally:
            browser.close()
