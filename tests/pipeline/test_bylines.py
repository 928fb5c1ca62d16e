"""Bylines as Vietnamese and English pages write them: names, units, role prefixes, attributions, photo credits."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.extraction.bylines import (
    Byline,
    cut_site_footer,
    is_unit_name,
    looks_like_name,
    parse_byline,
    split_leading_byline,
    split_trailing_byline,
)


@pytest.mark.parametrize(
    ("line", "authors", "attribution"),
    [
        ("ĐỖ HOẠT", ("ĐỖ HOẠT",), ""),
        ("BBT", ("BBT",), ""),
        ("Khánh Ly", ("Khánh Ly",), ""),
        ("THANH HUYỀN - ĐỖ HOẠT", ("THANH HUYỀN", "ĐỖ HOẠT"), ""),
        ("Minh Hòa, Thu Trang", ("Minh Hòa", "Thu Trang"), ""),
        ("Hoàng Long và Thu Hà", ("Hoàng Long", "Thu Hà"), ""),
        ("HỒNG NHUNG – QUỐC KHÁNH", ("HỒNG NHUNG", "QUỐC KHÁNH"), ""),
        ("Hoàng Anh - Trung tâm Văn hóa, Thể thao và Du lịch huyện Chi Lăng", ("Hoàng Anh",), ""),
        ("Lan Hương - Văn phòng Sở", ("Lan Hương",), ""),
        ("Bài, ảnh: MINH TUẤN", ("MINH TUẤN",), ""),
        ("Tin, ảnh: P.Y", ("P.Y",), ""),
        ("Tác giả bài viết: Hoàng Văn Nam", ("Hoàng Văn Nam",), ""),
        ("Tác giả: Văn phòng Sở", ("Văn phòng Sở",), ""),
        ("Người viết: Nguyễn Thị Lan", ("Nguyễn Thị Lan",), ""),
        ("Hồng Nhung (tổng hợp)", ("Hồng Nhung",), ""),
        ("Minh Anh (Theo VnExpress)", ("Minh Anh",), "VnExpress"),
        ("Minh Anh (TTXVN)", ("Minh Anh",), ""),  # the writer's agency, not a credited source
        ("Nông Thị Lan (CTV)", ("Nông Thị Lan",), ""),
        ("Theo TTXVN", (), "TTXVN"),
        ("(Theo Báo Nhân Dân)", (), "Báo Nhân Dân"),
        ("Nguồn: VnExpress", (), "VnExpress"),
        ("Nguồn tin: Báo Lạng Sơn", (), "Báo Lạng Sơn"),
        ("Nguồn: | Báo Phú Thọ", (), "Báo Phú Thọ"),  # label and value in two table cells
        ("By Jane Doe and John Smith", ("Jane Doe", "John Smith"), ""),
        ("By Maria Lopez, Associated Press", ("Maria Lopez",), "Associated Press"),
        ("Văn Đức", ("Văn Đức",), ""),  # a given name that also opens unit names ("Văn phòng")
        ("By Office of Communications", ("Office of Communications",), ""),  # an institution's office signs
        ("By Reuters", (), "Reuters"),  # an agency is the source, not the writer
        ("Written by Press Office", ("Press Office",), ""),
        ("— Written by Sarah Kim, Field Coordinator", ("Sarah Kim",), ""),  # the role is no second name
        ("ThS.BS Nguyễn Thị Thu Hà", ("Nguyễn Thị Thu Hà",), ""),  # titles before a name are not the name
        ("BSCKII. Hoàng Văn Thái - Khoa Nội", ("Hoàng Văn Thái",), ""),  # a hospital department is a unit
        # a dash after the unit continues the unit's name: "Lục Ngạn" is a district, not a second writer
        ("Nguyễn Thu Hằng - Chi cục Thuế khu vực Lục Nam - Lục Ngạn", ("Nguyễn Thu Hằng",), ""),
        # a rank set apart from the name by a comma is no second writer
        ("ĐẠI TÁ, TS. TRẦN QUỐC KHÁNH - Học viện Chính trị, Bộ Quốc phòng", ("TRẦN QUỐC KHÁNH",), ""),
        ("Thẩm phán Lê Văn Minh - TAND huyện Chi Lăng", ("Lê Văn Minh",), ""),  # a judge's title, a court's unit
        ("Bởi Ban biên tập -", ("Ban biên tập",), ""),  # a theme's "by", and the separator before its date
        ("Viết bởi Trần Hoa", ("Trần Hoa",), ""),
        ("Story and photos by Kevin Nguyen", ("Kevin Nguyen",), ""),
        ("PHƯƠNG LINH - QUỐC TUẤN (thực hiện)", ("PHƯƠNG LINH", "QUỐC TUẤN"), ""),  # who made the interview
        ("Ảnh: HOÀNG HÀ – Bài: MAI CHI", ("MAI CHI",), ""),  # the photo credit first, then the writer's
        # a job title's dash continues the title: the programme is no second writer
        ("Written by Dr. Hoang Minh Duc, Programme Manager – Disaster Risk Reduction", ("Hoang Minh Duc",), ""),
    ],
)
def test_parse_byline(line: str, authors: tuple[str, ...], attribution: str) -> None:
    assert parse_byline(line) == Byline(authors, attribution)


def test_a_follow_button_is_no_attribution() -> None:
    assert parse_byline("Theo dõi", lenient=True) is None or parse_byline("Theo dõi", lenient=True).attribution == ""


def test_a_related_headline_in_capitals_is_no_closing_byline() -> None:
    lines = ["Lead paragraph of the story.", "Body paragraph.", "Bài, ảnh: MINH TUẤN", "GIÁ LỢN HƠI TĂNG NHẸ, NGƯỜI CHĂN NUÔI TÁI ĐÀN"]
    assert parse_byline(lines[-1]) is None
    assert parse_byline("GIÁ LỢN HƠI TĂNG NHẸ, NGƯỜI CHĂN NUÔI TÁI ĐÀN", lenient=True) is not None  # marked lines may


@pytest.mark.parametrize(
    "line",
    ["Ảnh: THANH HUYỀN", "Ảnh, video: Trần Hải - Mạnh Hùng", "Chỉ đạo thực hiện: Vũ Hải", "Quang cảnh Đại hội", "NK 2020", "Hết.", "Xem thêm", "Tin liên quan", "Tags", "",
     "Đồng Chí Phó Bí Thư Tỉnh", "Bởi vì trời mưa, chúng tôi ở nhà.", "Giá cả thị trường tăng mạnh trong quý III năm nay."],
)  # fmt: skip
def test_not_a_byline(line: str) -> None:
    assert parse_byline(line) is None


def test_a_unit_alone_is_a_byline_only_when_the_page_marks_it() -> None:
    assert parse_byline("Văn phòng Sở") is None
    assert parse_byline("Văn phòng Sở", lenient=True) == Byline(("Văn phòng Sở",))
    assert parse_byline("Quang cảnh hội nghị", lenient=True) is None  # a bold caption is no unit
    assert parse_byline("BTG Tỉnh đoàn", lenient=True) == Byline(("BTG Tỉnh đoàn",))  # abbreviation + unit
    assert parse_byline("Office of International Affairs", lenient=True) == Byline(("Office of International Affairs",))


def test_names_and_units() -> None:
    assert looks_like_name("ĐỖ HOẠT") and looks_like_name("Thùy Linh") and looks_like_name("T.H.")
    assert not looks_like_name("Hùng") and not looks_like_name("Trong năm 2020")
    assert is_unit_name("Văn phòng Sở") and is_unit_name("Trung tâm Y tế huyện") and is_unit_name("Reuters")
    assert not is_unit_name("Văn Đức") and not is_unit_name("Công Minh")


def test_nfd_byline_comes_out_nfc() -> None:
    found = parse_byline(unicodedata.normalize("NFD", "Hồng Nhung (tổng hợp)"))
    assert found == Byline(("Hồng Nhung",))


def test_trailing_byline_with_attribution_and_photo_credit() -> None:
    lines = ["Đoạn mở đầu của bài.", "Đoạn thân bài thứ hai.", "Ảnh: ĐỨC ANH", "Hoàng Long - Thu Hà", "Theo TTXVN"]
    body, byline = split_trailing_byline(lines)
    assert body == lines[:2]
    assert byline == Byline(("Hoàng Long", "Thu Hà"), "TTXVN")


def test_first_line_is_never_the_byline() -> None:
    assert split_trailing_byline(["Khánh Ly"]) == (["Khánh Ly"], Byline())


def test_a_strong_byline_ends_the_article_before_page_furniture() -> None:
    prose = (
        "Hội nghị đã thống nhất các giải pháp trọng tâm cho những tháng cuối năm, giao các sở, ngành tổ chức thực hiện nghiêm túc. "
        * 2
    )
    lines = [prose, prose, "Tin, ảnh: MINH TUẤN", "USD | 25.158 | 25.488", "Đang online: 215", "Điện thoại: 0205.3812.600"]
    body, byline = split_trailing_byline(lines)
    assert body == [prose, prose] and byline.authors == ("MINH TUẤN",)


def test_a_capitals_subheading_followed_by_prose_is_not_a_byline() -> None:
    prose = (
        "Theo kế hoạch, công tác chấm thi sẽ hoàn thành trước ngày 15/7 và kết quả được công bố trên cổng thông tin của Bộ. " * 2
    )
    lines = [prose, "KẾT QUẢ NỔI BẬT", prose]
    assert split_trailing_byline(lines) == (lines, Byline())


def test_english_text_only_yields_explicit_by_lines() -> None:
    lines = ["The council voted on Tuesday.", "It was the third vote this year.", "John Smith"]
    assert split_trailing_byline(lines, english=True) == (lines, Byline())
    assert split_trailing_byline([*lines[:2], "By John Smith"], english=True)[1] == Byline(("John Smith",))


def test_a_labelled_byline_opening_the_text_is_taken_out() -> None:
    lines = ["Story by Linh Tran", "Every Tuesday morning, the hall fills with music.", "The program is free."]
    assert split_leading_byline(lines) == (lines[1:], Byline(("Linh Tran",)))


def test_an_unlabelled_first_line_is_the_lead_not_a_byline() -> None:
    lines = ["Hoàng Anh", "Đoạn văn thứ nhất của bài viết.", "By the end of the year, exports rose."]
    assert split_leading_byline(lines) == (lines, Byline())


def test_a_site_footer_let_into_the_text_is_cut_above_the_attribution() -> None:
    body = [f"Đoạn văn thứ {n} của bài viết về giá lúa tăng cao trong vụ đông xuân năm nay ở nhiều địa phương." for n in range(8)]
    footer = [
        "Theo Báo Nông nghiệp Việt Nam",
        "Lần cập nhật cuối ( Thứ hai, 08 Tháng 1 2024 14:52 )",
        "Trang chủ | Giới thiệu | Tin tức - Sự kiện | Nông thôn mới | Khuyến nông | Thị trường nông sản | Làng nghề",
        "TRANG TIN ĐIỆN TỬ LÀNG VIỆT",
        "Giấy phép số 56/GP-TTĐT do Sở Thông tin và Truyền thông cấp ngày 15/6/2010",
        "Địa chỉ: Số 12 đường Lê Hoàn, TP Phủ Lý, tỉnh Hà Nam",
        'Ghi rõ nguồn "Làng Việt" khi phát hành lại thông tin từ website này.',
    ]
    assert cut_site_footer(body + footer) == [*body, "Theo Báo Nông nghiệp Việt Nam"]
    address = "Địa chỉ: Số 5 phố Huế, Hà Nội."
    assert cut_site_footer([*body, address]) == [*body, address]  # one statement is no footer


def test_an_account_name_is_no_author() -> None:
    assert parse_byline("Viết bởi Quản trị viên") == Byline()
    assert split_leading_byline(["Viết bởi Quản trị viên", "Đoạn một."]) == (["Đoạn một."], Byline())
