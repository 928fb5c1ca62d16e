"""How a crawler's close reason and errors become a run status."""

from __future__ import annotations

import pytest

from crawler.runner import run_status

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize(
    ("reason", "error", "status"),
    [
        ("finished", None, "succeeded"),
        ("closespider_itemcount", None, "succeeded"),
        ("closespider_timeout", None, "succeeded"),
        ("shutdown", None, "interrupted"),
        ("shutdown", "ValueError: x", "interrupted"),
        ("finished", "ValueError: boom (https://a/b)", "failed"),
        ("cancelled", None, "failed"),
        (None, None, "failed"),
    ],
)
def test_run_status(reason, error, status):
    assert run_status(reason, error) == status
