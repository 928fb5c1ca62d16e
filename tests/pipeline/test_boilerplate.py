"""Related blocks and listing teasers, found in the page before extraction (pipeline.extraction.boilerplate)."""

from __future__ import annotations

import lxml.html
import pytest

from pipeline.extraction.boilerplate import block_text, is_chrome_line, is_related_heading, side_columns, teaser_items

SUMMARY = "Tóm tắt: hội tiếp nhận ủng hộ, trao quà cho người dân vùng lũ và tổ chức nhiều hoạt động thiện nguyện..."


def _items(item: str, count: int = 5) -> list[str]:
    root = lxml.html.fromstring(f"<div><div class='box'>{''.join(item.format(n=n) for n in range(count))}</div></div>")
    return [block_text(node) for node in teaser_items(root)]


def test_teasers_led_by_a_headline_link_with_a_summary_block() -> None:
    item = '<div class="tdi"><a href="/a{n}">Tin tiêu điểm số {n} về hoạt động nhân đạo</a><div class="tds">' + SUMMARY + "</div></div>"
    assert len(_items(item)) == 5


def test_headline_links_in_headings_are_teasers() -> None:
    item = '<div class="item"><h3><a href="/a{n}">Tin số {n} về hoạt động nhân đạo</a></h3><p>' + SUMMARY + "</p></div>"
    assert len(_items(item)) == 5


def test_paragraphs_opening_with_a_link_in_a_sentence_are_not_teasers() -> None:
    # a list article: each item's link runs on into its sentence
    item = '<p class="x"><a href="/a{n}">Hợp tác xã nông nghiệp số {n} ở Lộc Bình</a> đã đưa sản phẩm lên sàn thương mại.</p>'
    assert _items(item) == []


def test_too_few_items_are_no_listing() -> None:
    item = '<div class="tdi"><a href="/a{n}">Tin tiêu điểm số {n} về hoạt động nhân đạo</a><div>' + SUMMARY + "</div></div>"
    assert _items(item, count=3) == []


def test_related_headings() -> None:
    for heading in ("Tin tiêu điểm", "Các tin khác", "Tin cùng chuyên mục", "Related stories", "Đọc nhiều nhất"):
        assert is_related_heading(heading), heading
    assert not is_related_heading("Tin tiêu điểm của tuần qua là việc tỉnh khánh thành cầu mới bắc qua sông Kỳ Cùng")


def test_side_columns_are_the_grid_columns_beside_the_headline() -> None:
    prose = "".join(f"<p>Đoạn {n}: trung tâm y tế huyện tổ chức khám sàng lọc cho người cao tuổi trên địa bàn.</p>" for n in range(8))
    side = "<div class='panel'><div class='panel-heading'>Đường dây nóng</div><p>Cấp cứu: 0205.3830.115</p></div>"
    root = lxml.html.fromstring(
        f"<html><body><div class='row'><div class='col-md-18'><h1>Tiêu đề</h1>{prose}</div>"
        f"<div class='col-md-6'>{side}</div></div></body></html>"
    )
    (column,) = side_columns(root.find(".//h1"))
    assert "Đường dây nóng" in block_text(column)
    # text in two columns: the second column holds a real share of the prose and stays
    two = lxml.html.fromstring(
        f"<html><body><div class='row'><div class='col-6'><h1>T</h1>{prose}</div><div class='col-6'>{prose}</div></div></body></html>"
    )
    assert side_columns(two.find(".//h1")) == []


def test_comment_box_headings() -> None:
    for heading in ("Ý kiến bạn đọc (0)", "Bình luận", "3 Comments", "Leave a Reply"):
        assert is_related_heading(heading), heading


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        ("Đang truy cập: 12", True),  # a visitor counter
        ("Tổng lượt truy cập: 14,399,066", True),
        ("Tệp đính kèm:", True),  # attachments
        ("- QD-cong-nhan-GVDG-TH.pdf (1,2 MB)", True),
        ("Đánh giá bài viết: ★★★★☆ (4,2/5 - 17 lượt)", True),
        ("09:30 | 14/11/2024 Người đăng: admin 642 lượt xem", True),  # a meta row with its view count
        ("Hôm nay: trời mưa to ở vùng núi phía Bắc", False),  # prose after the same words stays
        ("Tổng: có 45 người tham gia.", False),
    ],
)
def test_page_furniture_lines(line: str, chrome: bool) -> None:
    assert is_chrome_line(line) is chrome
