"""The five seed files: title, lead date, byline, no chrome left."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.archive.seeds import parse_seed
from pipeline.errors import SeedError
from pipeline.sites import load_sites

SEEDS = Path(__file__).resolve().parents[3] / "shared/seeds"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

CASES = {
    "000": ("Đảng bộ Sở Nội vụ tỉnh Lạng Sơn tổ chức thành công Đại hội lần thứ III, nhiệm kỳ 2020 - 2025",
            datetime(2020, 5, 21, tzinfo=TZ), ()),
    "001": ("Khai mạc Đại hội đại biểu Đảng bộ Khối các cơ quan tỉnh Lạng Sơn lần thứ XIV, nhiệm kỳ 2020 - 2025",
            datetime(2020, 7, 15, tzinfo=TZ), ("Khánh Ly",)),
    "002": ("Đảng bộ Văn phòng UBND tỉnh đại hội nhiệm kỳ 2020-2025", datetime(2020, 5, 22, tzinfo=TZ), ("ĐỖ HOẠT",)),
    "003": ("Đảng bộ Khối Các cơ quan tỉnh triển khai nghị quyết đại hội đảng bộ các cấp",
            datetime(2020, 12, 21, tzinfo=TZ), ("PHƯƠNG DUNG",)),
    "004": ("Đảng ủy Khối các cơ quan tỉnh sơ kết công tác 9 tháng và biểu dương điển hình “Dân vận khéo”",
            datetime(2020, 10, 12, tzinfo=TZ), ("PHƯƠNG DUNG",)),
}  # fmt: skip
CHROME = ("Skip to main content", "ra sức thi đua lập thành tích", "19/01/2021", "18/01/2021", "18/01/2022", "Thứ ba", "Thứ hai")

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not present")


def seed_file(num: str) -> Path:
    return next(SEEDS.glob(f"{num}_*.txt"))


@pytest.mark.parametrize("num", sorted(CASES))
@pytest.mark.parametrize("with_site_rules", [True, False])
def test_seed(num: str, with_site_rules: bool) -> None:
    path = seed_file(num)
    drop = load_sites()["sonoivu"].drop_lines if with_site_rules else ()  # the generic slogan rule must suffice
    doc = parse_seed(path.read_text(encoding="utf-8"), path.stem, drop)
    title, published, authors = CASES[num]
    assert doc.ref == path.stem
    assert doc.title == title
    assert doc.published_at == published
    assert doc.published_at is not None and doc.published_at.isoformat().endswith("+07:00")
    assert doc.authors == authors
    assert doc.lang == "vi"
    lines = doc.text.split("\n")
    assert not any(chrome in doc.text for chrome in CHROME)
    assert title not in lines
    assert all(author not in lines for author in authors)
    assert all(line and line == line.strip() and "\xa0" not in line for line in lines)


def test_capture_date_is_only_a_reference() -> None:
    # Seed 004 was captured on 18/01/2022; its lead "(12/10)" is October 2020, the year the body talks about.
    doc = parse_seed(seed_file("004").read_text(encoding="utf-8"), "004")
    assert doc.published_at == datetime(2020, 10, 12, tzinfo=TZ)


def test_empty_seed() -> None:
    with pytest.raises(SeedError):
        parse_seed("Skip to main content\n\n", "empty")
