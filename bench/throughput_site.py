"""A deterministic news site of N realistic Vietnamese articles, written to a folder for ``bench/throughput.py``.

The throughput bench needs pages that cost what real provincial news pages cost to crawl and extract: 60–150 KB of
HTML, most of it chrome (a mega-menu, "Tin mới" / "Đọc nhiều" sidebars, share bars, related and same-section teaser
blocks, footers, inline styles and scripts), around a body of 6–25 paragraphs. The bodies must also be *different*
articles: near-duplicate detection fingerprints every text, and a site whose articles share most of their 5-syllable
shingles would turn the bench into a near-duplicate benchmark. Sentences are therefore assembled from many short
slots (actors, places, verbs, objects, figures, purposes, quoted officials) so that two articles share few shingles.

Everything is a function of ``(seed, n)``: article ``i`` is built from its own ``random.Random``, so any one article's
truth (``GeneratedSite.article(i)``) is available without writing the site. Layout of the written folder:

```
robots.txt                          allows everything, names the sitemap
sitemap.xml                         sitemap index
sitemaps/articles-K.xml             ≤ ``sitemap_chunk`` (≤ 50,000) article URLs each
tin-tuc/trang-K.html                listing pages, ``per_listing`` articles each, newest first, with pagination
tin-tuc/<slug>-<id>.html            the articles
site.toml                           the newsharvest site file ([[site]]: base_url, start_urls, sitemaps, patterns)
```

    python bench/throughput_site.py OUT_DIR [--articles N] [--seed S] [--base-url URL]
"""

from __future__ import annotations

import argparse
import html
import math
import random
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

__all__ = [
    "ARTICLE_URL_PATTERN",
    "LISTING_URL_PATTERN",
    "SITE_NAME",
    "Article",
    "GeneratedSite",
    "generate",
    "vietnamese_weekday",
]

SITE_NAME = "bench_throughput"
SITE_TITLE = "Báo Biên Cương điện tử"
ARTICLE_URL_PATTERN = r"^/tin-tuc/[a-z0-9-]+-\d{6,}\.html$"
LISTING_URL_PATTERN = r"^/tin-tuc/trang-\d+\.html$"
FIRST_ID = 100_000
PAGE_KB_MIN, PAGE_KB_MODE, PAGE_KB_MAX = 60, 75, 150
PARAGRAPHS_MIN, PARAGRAPHS_MAX = 6, 25
# Teasers in the "Tin cùng chuyên mục" block after the article (real papers show 10–20); the rest of a page's size
# is inline script, as on the real pages.
MORE_TEASERS_MAX = 16
SITEMAP_MAX_URLS = 50_000  # the sitemap protocol's limit per file
START = datetime(2019, 1, 2, 6, 0)

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

# --- vocabulary ---------------------------------------------------------------------------------------------------
# Real words and institutions of a Vietnamese provincial paper, with their diacritics. Many short slots rather than a
# few long phrases: shingles span slot boundaries, so articles built from them share few shingles.

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Hoàng", "Hà", "Lý", "Nông", "Vi", "Lương", "Triệu", "Mã", "Lăng", "Đinh", "Phạm",
             "Vũ", "Đặng", "Bùi", "Dương", "Chu", "Hứa", "Lộc", "Tô", "Đàm", "Ngô")  # fmt: skip
_MIDDLES = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Hồng", "Xuân", "Hải", "Kim", "Trung", "Bích")
_GIVEN = ("Hùng", "Lan", "Tuấn", "Hoa", "Dũng", "Hương", "Thắng", "Mai", "Sơn", "Hạnh", "Cường", "Thảo", "Quang",
          "Nga", "Bình", "Yến", "Long", "Trang", "Hiếu", "Phương", "Khánh", "Linh", "Tùng", "Huyền", "Đạt", "Vân")  # fmt: skip
_DISTRICTS = ("Cao Lộc", "Văn Lãng", "Tràng Định", "Bình Gia", "Văn Quan", "Bắc Sơn", "Hữu Lũng", "Chi Lăng",
              "Lộc Bình", "Đình Lập")  # fmt: skip
_COMMUNES = ("Tân Thanh", "Hoàng Đồng", "Mai Pha", "Quảng Lạc", "Thụy Hùng", "Hồng Phong", "Yên Trạch", "Tân Liên",
             "Gia Cát", "Bảo Lâm", "Thạch Đạn", "Hải Yến", "Xuân Long", "Lộc Yên", "Tú Đoạn", "Khánh Xuân", "Quang Lang",
             "Vân Thủy", "Chiến Thắng", "Hòa Bình", "Minh Sơn", "Đồng Tiến", "Tân Văn", "Hưng Vũ")  # fmt: skip
# Noun phrases: a head, a domain and an optional tail, each one to three syllables.
_HEADS = ("công tác", "mô hình", "dự án", "chương trình", "kế hoạch", "phong trào", "hoạt động", "chính sách",
          "công trình", "hệ thống", "đề án", "nhiệm vụ", "giải pháp", "vùng trồng", "chuỗi liên kết", "hạ tầng",
          "sản phẩm", "dịch vụ", "thủ tục", "nguồn vốn", "lớp tập huấn", "đợt cao điểm")  # fmt: skip
_DOMAINS = ("tuyên truyền", "giao thông", "nông thôn mới", "chuyển đổi số", "giảm nghèo", "y tế", "giáo dục", "du lịch",
            "xuất khẩu", "an sinh", "cải cách", "phòng dịch", "trồng rừng", "chăn nuôi", "thủy lợi", "tiêm chủng",
            "khuyến nông", "hành chính", "biên giới", "văn hóa", "thể thao", "đào tạo nghề", "cấp nước", "điện lưới",
            "môi trường", "quốc phòng", "an ninh", "khởi nghiệp", "thương mại", "dân số", "trồng hồi", "trồng na",
            "chè Thất Khê", "thuốc lá", "hồng không hạt", "chợ phiên", "nước sạch", "nhà ở", "tín dụng", "OCOP")  # fmt: skip
_TAILS = ("", "", "", "cơ sở", "cộng đồng", "bền vững", "vùng cao", "năm nay", "trọng điểm", "liên xã", "thí điểm",
          "hiện đại", "thông minh", "giai đoạn mới", "quy mô lớn", "tập trung")  # fmt: skip
_ORGANS = ("Sở", "Phòng", "Trung tâm", "Ban", "Chi cục", "Hội đồng")
_ASSOCIATIONS = ("Hội Nông dân", "Hội Phụ nữ", "Hội Cựu chiến binh", "Đoàn Thanh niên", "Hội Người cao tuổi",
                 "Mặt trận Tổ quốc", "Liên đoàn Lao động", "Hội Chữ thập đỏ")  # fmt: skip
_LEVELS = ("xã", "huyện", "tỉnh", "thành phố")
_VERBS = ("triển khai", "thực hiện", "tổ chức", "kiểm tra", "rà soát", "hỗ trợ", "tuyên truyền", "đánh giá",
          "nghiệm thu", "khởi công", "bàn giao", "phát động", "hướng dẫn", "mở rộng", "nhân rộng", "giám sát", "sơ kết",
          "tổng kết", "đầu tư", "nâng cấp", "cải tạo", "xây dựng", "vận động", "khắc phục", "điều chỉnh", "tập huấn",
          "phối hợp", "đôn đốc", "thẩm định", "phê duyệt", "ký kết", "quảng bá", "bảo vệ", "phát triển", "củng cố",
          "duy trì", "đẩy mạnh", "tăng cường", "ứng dụng", "lồng ghép")  # fmt: skip
_ADVERBS = ("đã", "vừa", "đang", "sẽ", "tiếp tục", "chủ động", "tích cực", "khẩn trương", "kịp thời", "thường xuyên",
            "đồng loạt", "từng bước", "quyết liệt", "sớm")  # fmt: skip
_MANNERS = ("hiệu quả", "thiết thực", "đồng bộ", "bài bản", "linh hoạt", "chặt chẽ", "sâu rộng", "thực chất",
            "nghiêm túc", "an toàn", "đúng tiến độ", "công khai")  # fmt: skip
_LINKS = ("nhằm", "để", "góp phần", "qua đó", "từ đó", "giúp")
_GOALS = ("nâng cao", "cải thiện", "bảo đảm", "thúc đẩy", "giảm bớt", "tăng thêm", "giữ gìn", "rút ngắn", "thu hút",
          "ổn định", "phát huy", "khơi dậy")  # fmt: skip
_GOAL_OBJECTS = ("đời sống", "thu nhập", "trật tự", "bản sắc", "thời gian", "nguồn lực", "sinh kế", "chất lượng",
                 "môi trường sống", "việc làm", "niềm tin", "sức khỏe", "năng suất", "giá trị")  # fmt: skip
_BENEFICIARIES = ("", "", "của người dân", "cho bà con", "cho học sinh", "của doanh nghiệp", "cho đồng bào",
                  "của hội viên", "cho lao động trẻ", "của nhân dân")  # fmt: skip
_UNITS = ("hộ", "lượt người", "học sinh", "ha", "tấn", "công trình", "doanh nghiệp", "lao động", "đảng viên",
          "hộ nghèo", "mét đường", "con gia súc", "cây giống", "hồ sơ")  # fmt: skip
_CHANGES = ("tăng", "giảm", "đạt", "vượt", "chiếm", "bằng")
_BASES = ("cùng kỳ", "kế hoạch", "năm trước", "chỉ tiêu", "tổng số", "dự toán")
_ROLES = ("Chủ tịch UBND xã", "Phó Giám đốc Sở", "Trưởng phòng", "Bí thư Đảng ủy xã", "Giám đốc hợp tác xã",
          "Trưởng thôn", "Phó Chủ tịch UBND huyện", "Hiệu trưởng", "Trưởng Trạm Y tế", "Đồn trưởng", "Cán bộ khuyến nông",
          "Chủ nhiệm")  # fmt: skip
_COMPLETIONS = ("sẽ hoàn thành", "dự kiến xong", "phấn đấu về đích", "đưa vào sử dụng", "được nghiệm thu", "khởi công",
                "bàn giao", "đi vào vận hành", "sẽ triển khai", "được phê duyệt")  # fmt: skip
_BENEFITS = ("đã hưởng lợi từ", "được hỗ trợ qua", "tham gia", "đăng ký", "được thụ hưởng", "được tập huấn về", "tiếp cận",
             "được vay vốn qua", "hoàn thành", "được cấp")  # fmt: skip
_SAYS = ("cho biết", "chia sẻ", "khẳng định", "nhấn mạnh", "thông tin", "nhận định", "nói")
_OPENERS = ("", "", "", "Thời gian qua,", "Năm nay,", "Bên cạnh đó,", "Ngoài ra,", "Theo báo cáo,", "Đáng chú ý,",
            "Cùng với đó,", "Tới đây,", "Tuy nhiên,", "Hiện nay,", "Trước đó,", "Dịp này,")  # fmt: skip
_CATEGORIES = (("chinh-tri", "Chính trị"), ("kinh-te", "Kinh tế"), ("xa-hoi", "Xã hội"), ("van-hoa", "Văn hóa"),
               ("the-thao", "Thể thao"), ("phap-luat", "Pháp luật"), ("quoc-phong", "Quốc phòng - An ninh"),
               ("giao-duc", "Giáo dục"), ("y-te", "Y tế"), ("du-lich", "Du lịch"), ("nong-nghiep", "Nông nghiệp"),
               ("bien-gioi", "Biên giới"), ("doi-song", "Đời sống"), ("ban-doc", "Bạn đọc"))  # fmt: skip
_SUBCATEGORIES = ("Tin tức", "Sự kiện", "Phóng sự", "Ghi chép", "Gương sáng", "Chính sách mới", "Hỏi đáp", "Điểm tin",
                  "Phỏng vấn", "Chuyên đề", "Bình luận", "Ảnh")  # fmt: skip


def vietnamese_weekday(moment: datetime) -> str:
    """The weekday as a Vietnamese page writes it ("Thứ Ba"), which must agree with the date for the page to be real."""
    return _WEEKDAYS[moment.weekday()]


def _slug(text: str) -> str:
    """ASCII URL slug of a Vietnamese title, as the CMSs of these papers make them (đ → d, tones dropped)."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words[:12])


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLES)} {rng.choice(_GIVEN)}"


def _place(rng: random.Random) -> str:
    return (
        f"xã {rng.choice(_COMMUNES)}, huyện {rng.choice(_DISTRICTS)}" if rng.random() < 0.6 else f"huyện {rng.choice(_DISTRICTS)}"
    )


def _period(rng: random.Random, year: int) -> str:
    shape = rng.randrange(5)
    if shape == 0:
        return f"trong tháng {rng.randint(1, 12)}/{year}"
    if shape == 1:
        return f"từ ngày {rng.randint(1, 28)}/{rng.randint(1, 12)}"
    if shape == 2:
        return f"trong quý {rng.choice(('I', 'II', 'III', 'IV'))}"
    if shape == 3:
        return f"năm {year - rng.randint(0, 3)}"
    return f"giai đoạn {year - 1}–{year + rng.randint(1, 5)}"


def _figure(rng: random.Random) -> str:
    number = rng.randint(12, 98_000)
    return f"{number:,}".replace(",", ".") + f" {rng.choice(_UNITS)}"


def _noun_phrase(rng: random.Random) -> str:
    return " ".join(w for w in (rng.choice(_HEADS), rng.choice(_DOMAINS), rng.choice(_TAILS)) if w)


def _actor(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return f"{rng.choice(_ORGANS)} {rng.choice(_DOMAINS)} {rng.choice(_LEVELS)}"
    if shape == 1:
        return f"{rng.choice(_ASSOCIATIONS)} {rng.choice(_LEVELS)}"
    if shape == 2:
        return f"UBND xã {rng.choice(_COMMUNES)}"
    return f"người dân {rng.choice(('thôn', 'bản', 'khối'))} {rng.choice(_COMMUNES)}"


def _verb_phrase(rng: random.Random) -> str:
    return " ".join(w for w in (rng.choice(_ADVERBS), rng.choice(_VERBS), _noun_phrase(rng)) if w)


def _purpose(rng: random.Random) -> str:
    return " ".join(
        w for w in (rng.choice(_LINKS), rng.choice(_GOALS), rng.choice(_GOAL_OBJECTS), rng.choice(_BENEFICIARIES)) if w
    )


def _result(rng: random.Random) -> str:
    return f"{rng.choice(_CHANGES)} {rng.randint(3, 97)},{rng.randint(0, 9)}% so với {rng.choice(_BASES)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(('ông', 'bà', 'anh', 'chị'))} {_name(rng)}, {rng.choice(_ROLES)} {rng.choice(_COMMUNES)}"


def _sentence(rng: random.Random, year: int) -> str:
    """One sentence of one of several shapes, word by word from short slots (one to three syllables each) so that
    a run of five syllables rarely repeats across articles; figures, names and places vary it further."""
    shape = rng.randrange(6)
    if shape == 0:
        text = f"{rng.choice(_OPENERS)} {_actor(rng)} {_verb_phrase(rng)} tại {_place(rng)}, {_purpose(rng)}"
    elif shape == 1:
        text = f"{_period(rng, year)}, {_actor(rng)} {_verb_phrase(rng)} cho {_figure(rng)}, {_result(rng)}"
    elif shape == 2:
        text = f"Theo {_person(rng)}, {_noun_phrase(rng)} được {rng.choice(_VERBS)} {rng.choice(_MANNERS)}, {_purpose(rng)}"
    elif shape == 3:
        amount = f"{rng.randint(1, 950)},{rng.randint(1, 9)} tỷ đồng"
        text = f"Với kinh phí {amount}, {_noun_phrase(rng)} tại {_place(rng)} {rng.choice(_COMPLETIONS)} {_period(rng, year)}"
    elif shape == 4:
        text = (f"{_person(rng)} {rng.choice(_SAYS)}: “{_period(rng, year)}, chúng tôi {_verb_phrase(rng)} "
                f"{rng.choice(_MANNERS)}, {_purpose(rng)}”")  # fmt: skip
    else:
        text = (
            f"{rng.choice(_OPENERS)} {_figure(rng)} ở {_place(rng)} {rng.choice(_BENEFITS)} {_noun_phrase(rng)}, {_result(rng)}"
        )
    text = text.strip()
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, year: int) -> str:
    return " ".join(_sentence(rng, year) for _ in range(rng.randint(2, 5)))


# --- articles -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One generated article and its truth: what a correct extraction returns."""

    index: int
    id: int
    title: str
    published: datetime  # local time of the site (Asia/Ho_Chi_Minh), as the page shows it
    author: str
    category: tuple[str, str]  # (path segment, display name)
    sapo: str
    paragraphs: tuple[str, ...]  # the body after the sapo (captions included, in page order)
    caption: str | None

    @property
    def path(self) -> str:
        """The article's path on the site."""
        return f"/tin-tuc/{_slug(self.title)}-{self.id}.html"

    @property
    def body(self) -> tuple[str, ...]:
        """The body as a reader reads it: the sapo, then the paragraphs."""
        return (self.sapo, *self.paragraphs)

    @property
    def dateline(self) -> str:
        """The visible date line: "Thứ Ba, 14/05/2024 09:30"."""
        return f"{vietnamese_weekday(self.published)}, {self.published:%d/%m/%Y %H:%M}"


@dataclass(frozen=True)
class _Teaser:
    """What other pages show of an article: its link, title, sapo and time."""

    path: str
    title: str
    sapo: str
    published: datetime


def _title(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return f"{rng.choice(_DISTRICTS)}: {rng.choice(_VERBS).capitalize()} {_noun_phrase(rng)} {rng.choice(_MANNERS)}"
    if shape == 1:
        return f"Xã {rng.choice(_COMMUNES)} {rng.choice(_VERBS)} {_noun_phrase(rng)}"
    if shape == 2:
        return f"{_figure(rng).capitalize()} hưởng lợi từ {_noun_phrase(rng)} tại huyện {rng.choice(_DISTRICTS)}"
    return f"{_actor(rng)} {_verb_phrase(rng)} năm {rng.randint(2019, 2024)}"


class GeneratedSite:
    """The site of ``n`` articles for ``seed``: every page and its truth, computed on demand and deterministic."""

    def __init__(self, n: int, *, seed: int = 1, base_url: str = "http://127.0.0.1:8080", per_listing: int = 20,
                 sitemap_chunk: int = 1000) -> None:  # fmt: skip
        if n < 1:
            raise ValueError("a site needs at least one article")
        if not 1 <= sitemap_chunk <= SITEMAP_MAX_URLS:
            raise ValueError(f"sitemap_chunk must be 1..{SITEMAP_MAX_URLS}")
        self.n, self.seed, self.base_url = n, seed, base_url.rstrip("/")
        self.per_listing, self.sitemap_chunk = per_listing, sitemap_chunk

    # -- truth -----------------------------------------------------------------------------------------------------

    def _rng(self, index: int, salt: int) -> random.Random:
        return random.Random(self.seed * 1_000_003 + index * 7 + salt)

    def _published(self, index: int) -> datetime:
        """Spread over about five years, in id order; minutes vary so that listings show real times."""
        step = timedelta(minutes=max(30, int(5 * 365 * 24 * 60 / max(self.n, 1))))
        return START + step * index + timedelta(minutes=self._rng(index, 1).randint(0, 25))

    @cached_property
    def teasers(self) -> tuple[_Teaser, ...]:
        """Every article's title, sapo and time (what listings, sidebars and related blocks show), in id order."""
        return tuple(self._teaser(i) for i in range(self.n))

    def _teaser(self, index: int) -> _Teaser:
        rng = self._rng(index, 2)
        title = _title(rng)
        sapo = f"(BCĐT) – {_sentence(rng, self._published(index).year)}"
        return _Teaser(f"/tin-tuc/{_slug(title)}-{FIRST_ID + index}.html", title, sapo, self._published(index))

    def article(self, index: int) -> Article:
        """Article ``index`` (0-based) with its whole truth."""
        teaser = self.teasers[index]
        rng = self._rng(index, 3)
        year = teaser.published.year
        paragraphs = [_paragraph(rng, year) for _ in range(rng.randint(PARAGRAPHS_MIN, PARAGRAPHS_MAX))]
        caption = None
        if rng.random() < 0.6:
            caption = f"{_actor(rng)} {rng.choice(_VERBS)} {_noun_phrase(rng)} tại {_place(rng)}. Ảnh: {_name(rng)}"
            paragraphs.insert(rng.randint(1, len(paragraphs) - 1), caption)
        return Article(
            index=index, id=FIRST_ID + index, title=teaser.title, published=teaser.published, author=_name(rng),
            category=_CATEGORIES[rng.randrange(len(_CATEGORIES))], sapo=teaser.sapo, paragraphs=tuple(paragraphs),
            caption=caption,
        )  # fmt: skip

    # -- layout ----------------------------------------------------------------------------------------------------

    @property
    def listing_pages(self) -> int:
        """How many listing pages (``/tin-tuc/trang-K.html``) the site has."""
        return math.ceil(self.n / self.per_listing)

    def article_urls(self) -> list[str]:
        """Every article's absolute URL, in id order."""
        return [self.base_url + t.path for t in self.teasers]

    def site_toml(self, *, autothrottle: bool | None = False) -> str:
        """The newsharvest site file: discovery by sitemap and by listing pages, as a user would declare the site.

        Politeness stays with the environment (NEWSHARVEST_DOWNLOAD_DELAY, NEWSHARVEST_CONCURRENCY) except AutoThrottle,
        which only a site file can switch off: ``autothrottle=None`` leaves the key out (AutoThrottle on, as by default).
        """
        lines = [
            f"# Generated by bench/throughput_site.py (seed {self.seed}, {self.n} articles).",
            "[[site]]",
            f'name = "{SITE_NAME}"',
            f'title = "{SITE_TITLE} (bench)"',
            f'base_url = "{self.base_url}"',
            'start_urls = ["/tin-tuc/trang-1.html"]',
            'sitemaps = ["/sitemap.xml"]',
            f"article_url_pattern = '{ARTICLE_URL_PATTERN}'",
            f"listing_url_pattern = '{LISTING_URL_PATTERN}'",
            f"max_listing_pages = {self.listing_pages + 1}",
        ]
        if autothrottle is not None:
            lines.append(f"autothrottle = {str(autothrottle).lower()}")
        return "\n".join(lines) + "\n"

    def robots_txt(self) -> str:
        """Everything allowed; the sitemap named, as real sites do."""
        return f"User-agent: *\nAllow: /\n\nSitemap: {self.base_url}/sitemap.xml\n"

    def sitemaps(self) -> Iterator[tuple[str, str]]:
        """``(path, xml)`` of the sitemap index, then of each sitemap of ≤ ``sitemap_chunk`` article URLs."""
        chunks = math.ceil(self.n / self.sitemap_chunk)
        index = [f"<sitemap><loc>{self.base_url}/sitemaps/articles-{k}.xml</loc></sitemap>" for k in range(1, chunks + 1)]
        yield "sitemap.xml", _xml("sitemapindex", index)
        for k in range(1, chunks + 1):
            teasers = self.teasers[(k - 1) * self.sitemap_chunk : k * self.sitemap_chunk]
            urls = [
                f"<url><loc>{self.base_url}{t.path}</loc><lastmod>{t.published:%Y-%m-%dT%H:%M}:00+07:00</lastmod></url>"
                for t in teasers
            ]
            yield f"sitemaps/articles-{k}.xml", _xml("urlset", urls)

    def listing(self, page: int) -> str:
        """Listing page ``page`` (1-based): ``per_listing`` teasers, newest first, and a pager."""
        newest_first = self.n - 1 - (page - 1) * self.per_listing
        items = [self.teasers[i] for i in range(newest_first, max(newest_first - self.per_listing, -1), -1)]
        body = "".join(_listing_item(t) for t in items) + _pager(page, self.listing_pages)
        title = "Tin tức" + (f" - Trang {page}" if page > 1 else "")
        main = f'<div class="cate-title"><h1>{title}</h1></div><div class="list-news">{body}</div>'
        rng = self._rng(-page, 4)
        return _page(title, main, self._sidebar(rng, 0), self.base_url + f"/tin-tuc/trang-{page}.html", chrome=self._chrome)

    def article_page(self, index: int, *, size_kb: float | None = None) -> str:
        """Article ``index`` as the server sends it: 60–150 KB (or ``size_kb``), mostly chrome."""
        article = self.article(index)
        rng = self._rng(index, 5)
        target = int((size_kb or rng.triangular(PAGE_KB_MIN, PAGE_KB_MAX, PAGE_KB_MODE)) * 1000)
        main = _article_main(article, self._related(rng, index, 5))
        sidebar = self._sidebar(rng, index)
        page = _page(article.title, main, sidebar, self.base_url + article.path, chrome=self._chrome, description=article.sapo)
        # Fill up to the target size with the blocks real pages grow by: same-section teasers, then scripts.
        more: list[str] = []
        size = len(page.encode("utf-8"))
        while size < target - 4000 and len(more) < MORE_TEASERS_MAX:
            teaser = self.teasers[rng.randrange(self.n)]
            item = _listing_item(teaser)
            more.append(item)
            size += len(item.encode("utf-8"))
        block = f'<section class="box-cate-news"><h2 class="box-title">Tin cùng chuyên mục</h2>{"".join(more)}</section>'
        overhead = len(block.encode("utf-8")) - sum(len(item.encode("utf-8")) for item in more)
        padding = _ad_script(rng, target - size - overhead)
        return page.replace("<!--more-->", block, 1).replace("</body>", padding + "</body>", 1)

    def _related(self, rng: random.Random, index: int, count: int) -> list[_Teaser]:
        near = [i for i in range(index - 40, index) if 0 <= i < self.n and i != index] or [i for i in range(self.n) if i != index]
        return [self.teasers[rng.choice(near)] for _ in range(min(count, len(near)))]

    def _sidebar(self, rng: random.Random, index: int) -> str:
        """The "Tin mới" (the newest articles around this one's time) and "Đọc nhiều" (any), as real sidebars do."""
        newest = [self.teasers[i] for i in range(min(self.n - 1, index + 10), max(index - 1, -1), -1)][:10]
        popular = [self.teasers[rng.randrange(self.n)] for _ in range(10)]
        return _sidebar_html(newest, popular)

    @cached_property
    def _chrome(self) -> tuple[str, str, str]:
        """Head styles, header with the mega-menu, and footer: the same on every page (as on a real site)."""
        return _head_extras(), _header(random.Random(self.seed)), _footer()


# --- HTML pieces ----------------------------------------------------------------------------------------------------

_E = html.escape


def _xml(root: str, entries: Sequence[str]) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(entries) + f"\n</{root}>\n")  # fmt: skip


def _listing_item(t: _Teaser) -> str:
    return (f'<div class="item-news"><a class="thumb" href="{t.path}"><img src="/uploads/{_slug(t.title)[:30]}.jpg" '
            f'alt="{_E(t.title)}" width="240" height="160"></a><div class="info"><h3 class="title-news">'
            f'<a href="{t.path}" title="{_E(t.title)}">{_E(t.title)}</a></h3><span class="time">'
            f"{t.published:%H:%M | %d/%m/%Y}</span><p class=\"sapo\">{_E(t.sapo)}</p></div></div>\n")  # fmt: skip


def _pager(page: int, pages: int) -> str:
    links = []
    if page > 1:
        links += ['<a href="/tin-tuc/trang-1.html">« Đầu</a>', f'<a href="/tin-tuc/trang-{page - 1}.html">‹ Trước</a>']
    for k in range(max(1, page - 3), min(pages, page + 3) + 1):
        links.append(f'<span class="current">{k}</span>' if k == page else f'<a href="/tin-tuc/trang-{k}.html">{k}</a>')
    if page < pages:
        links += [f'<a href="/tin-tuc/trang-{page + 1}.html">Sau ›</a>', f'<a href="/tin-tuc/trang-{pages}.html">Cuối »</a>']
    return f'<div class="pagination">{" ".join(links)}</div>'


def _article_main(article: Article, related: Sequence[_Teaser]) -> str:
    paragraphs = []
    for text in article.paragraphs:
        if text == article.caption:
            paragraphs.append(
                f'<figure class="image"><img src="/uploads/{article.id}-1.jpg" alt="" width="750" height="500">'
                f"<figcaption>{_E(text)}</figcaption></figure>"
            )
        else:
            paragraphs.append(f"<p>{_E(text)}</p>")
    related_items = "".join(f'<li><a href="{t.path}">{_E(t.title)}</a></li>' for t in related)
    tags = ", ".join(f'<a href="/tag/{_slug(w)}.html">{_E(w)}</a>' for w in article.title.split(":")[0].split()[:3])
    segment, category = article.category
    return f"""<div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/{segment}/">{_E(category)}</a></div>
<article class="detail">
<h1 class="detail-title">{_E(article.title)}</h1>
<div class="detail-meta"><span class="detail-time">{article.dateline}</span> <span class="detail-cate">{_E(category)}</span>
{_SHARE_BAR}</div>
<div class="detail-sapo"><strong>{_E(article.sapo)}</strong></div>
<div class="detail-content">
{"".join(paragraphs)}
<p class="detail-author" style="text-align:right"><strong>{_E(article.author)}</strong></p>
</div>
<div class="detail-tags"><span>Từ khóa:</span> {tags}</div>
{_SHARE_BAR}
<div class="related-news"><h2 class="box-title">Tin liên quan</h2><ul>{related_items}</ul></div>
<div class="comment-box"><h3>Ý kiến bạn đọc</h3><form action="/binh-luan" method="post"><input name="ten" placeholder="Họ tên">
<input name="email" placeholder="Email"><textarea name="noi-dung" placeholder="Nội dung bình luận"></textarea>
<button type="submit">Gửi bình luận</button></form></div>
</article>
<!--more-->"""


_SHARE_BAR = ('<div class="share-bar"><a class="fb" href="#">Chia sẻ Facebook</a> <a class="zalo" href="#">Zalo</a> '
              '<a class="tw" href="#">Twitter</a> <a class="print" href="#">In bài</a> <a class="mail" href="#">Gửi email</a> '
              '<span class="font-size">Cỡ chữ: <a href="#">A-</a> <a href="#">A+</a></span></div>')  # fmt: skip


def _sidebar_html(newest: Sequence[_Teaser], popular: Sequence[_Teaser]) -> str:
    new_items = "".join(
        f'<li><span class="time">{t.published:%H:%M}</span> <a href="{t.path}">{_E(t.title)}</a></li>' for t in newest
    )
    popular_items = "".join(
        f'<li><span class="num">{k}</span><a href="{t.path}">{_E(t.title)}</a></li>' for k, t in enumerate(popular, 1)
    )
    return f"""<aside class="sidebar">
<div class="box-sidebar"><h2 class="box-title">Tin mới</h2><ul class="list-new">{new_items}</ul></div>
<div class="banner"><a href="/quang-cao"><img src="/ads/banner-300x250.jpg" width="300" height="250" alt="Quảng cáo"></a></div>
<div class="box-sidebar"><h2 class="box-title">Đọc nhiều</h2><ol class="list-popular">{popular_items}</ol></div>
<div class="box-sidebar poll"><h2 class="box-title">Thăm dò ý kiến</h2><p>Bạn quan tâm chuyên mục nào nhất?</p>
<label><input type="radio" name="poll"> Kinh tế</label><label><input type="radio" name="poll"> Xã hội</label>
<label><input type="radio" name="poll"> Văn hóa</label><button>Bình chọn</button></div>
<div class="box-sidebar video"><h2 class="box-title">Video</h2><a href="/video/">Xem các bản tin truyền hình mới nhất</a></div>
</aside>"""


def _header(rng: random.Random) -> str:
    """A mega-menu of every section with its subsections: a couple of hundred links, as on the real papers."""
    menu = []
    for segment, name in _CATEGORIES:
        subs = rng.sample(_SUBCATEGORIES, rng.randint(7, 11))
        sub_links = "".join(f'<li><a href="/{segment}/{_slug(s)}/">{_E(s)}</a></li>' for s in subs)
        menu.append(f'<li class="menu-item"><a href="/{segment}/">{_E(name)}</a><ul class="sub-menu">{sub_links}</ul></li>')
    districts = "".join(f'<li><a href="/dia-phuong/{_slug(d)}/">{_E(d)}</a></li>' for d in _DISTRICTS)
    return f"""<div class="topbar"><span class="today">{_WEEKDAYS[4]}, 07/06/2024</span>
<a href="/rss.html">RSS</a> <a href="/lien-he.html">Liên hệ</a> <a href="/dang-nhap.html">Đăng nhập</a>
<form class="search" action="/tim-kiem"><input name="q" placeholder="Tìm kiếm..."><button>Tìm</button></form></div>
<header class="header"><a class="logo" href="/"><img src="/img/logo.png" alt="{SITE_TITLE}"></a>
<div class="slogan">Cơ quan của Đảng bộ, chính quyền và nhân dân tỉnh</div></header>
<nav class="main-menu"><ul><li><a href="/">Trang chủ</a></li>{"".join(menu)}
<li class="menu-item"><a href="/dia-phuong/">Địa phương</a><ul class="sub-menu">{districts}</ul></li></ul></nav>
<div class="hot-topics"><span>Chủ đề nóng:</span> <a href="/chu-de/chuyen-doi-so/">Chuyển đổi số</a>
<a href="/chu-de/nong-thon-moi/">Nông thôn mới</a> <a href="/chu-de/cua-khau/">Kinh tế cửa khẩu</a></div>"""


def _footer() -> str:
    links = "".join(f'<a href="/{segment}/">{_E(name)}</a> ' for segment, name in _CATEGORIES)
    return f"""<footer class="footer"><div class="footer-menu">{links}</div>
<div class="footer-info"><p><strong>{SITE_TITLE}</strong></p>
<p>Cơ quan chủ quản: Tỉnh ủy. Tổng Biên tập: {_E("Hoàng Văn Bình")}</p>
<p>Địa chỉ: Số 6, đường Hoàng Văn Thụ, phường Chi Lăng, thành phố Lạng Sơn. Điện thoại: 0205 3812 345</p>
<p>Giấy phép hoạt động báo chí điện tử số 123/GP-BTTTT. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p>
</div><div class="copyright">© Bản quyền thuộc về {SITE_TITLE}</div></footer>"""


def _head_extras() -> str:
    """Inline CSS and scripts: real pages carry tens of KB of both before any content."""
    rules = []
    for k in range(160):
        rules.append(f".c{k}{{margin:{k % 7}px {k % 5}px;padding:{k % 3}px;color:#{(k * 2654435761) % 0xFFFFFF:06x};"
                     f"font-size:{12 + k % 6}px;line-height:1.{4 + k % 5}}}")  # fmt: skip
    return (f"<style>{''.join(rules)}</style>\n"
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
            "gtag('js',new Date());gtag('config','G-BENCH00001');</script>")  # fmt: skip


def _ad_script(rng: random.Random, size: int) -> str:
    """An ad-zone configuration script of about ``size`` bytes: the filler of real pages, and of ours."""
    if size <= 200:
        return ""
    zones = []
    total = 0
    while total < size - 120:
        slot, key = rng.randint(1, 999), rng.getrandbits(64)
        zone = f'{{"zone":{rng.randint(1000, 99999)},"w":300,"h":250,"sl":"slot-{slot}","k":"{key:016x}"}}'
        zones.append(zone)
        total += len(zone) + 1
    return f"<script>var adZones=[{','.join(zones)}];</script>"


def _page(title: str, main: str, sidebar: str, url: str, *, chrome: tuple[str, str, str], description: str = "") -> str:
    head_extras, header, footer = chrome
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_E(title)} - {SITE_TITLE}</title><meta name="description" content="{_E(description)}">
<link rel="canonical" href="{url}"><meta property="og:title" content="{_E(title)}">
<meta property="og:url" content="{url}"><meta property="og:type" content="article">
<meta property="og:site_name" content="{SITE_TITLE}">
<meta property="og:description" content="{_E(description)}"><meta property="og:image" content="/img/og-default.jpg">
{head_extras}</head>
<body>
{header}
<div class="container"><main class="main-content">{main}</main>
{sidebar}</div>
{footer}
</body></html>
"""


# --- writing ---------------------------------------------------------------------------------------------------------


def generate(out_dir: Path, n: int, *, seed: int = 1, base_url: str = "http://127.0.0.1:8080", per_listing: int = 20,
             sitemap_chunk: int = 1000, autothrottle: bool | None = False) -> GeneratedSite:  # fmt: skip
    """Write the whole site for ``(seed, n)`` into ``out_dir`` (created) and return it."""
    site = GeneratedSite(n, seed=seed, base_url=base_url, per_listing=per_listing, sitemap_chunk=sitemap_chunk)
    (out_dir / "tin-tuc").mkdir(parents=True, exist_ok=True)
    (out_dir / "sitemaps").mkdir(exist_ok=True)
    (out_dir / "robots.txt").write_text(site.robots_txt(), encoding="utf-8")
    (out_dir / "site.toml").write_text(site.site_toml(autothrottle=autothrottle), encoding="utf-8")
    for path, xml in site.sitemaps():
        (out_dir / path).write_text(xml, encoding="utf-8")
    for page in range(1, site.listing_pages + 1):
        (out_dir / f"tin-tuc/trang-{page}.html").write_text(site.listing(page), encoding="utf-8")
    for index, teaser in enumerate(site.teasers):
        (out_dir / teaser.path.lstrip("/")).write_text(site.article_page(index), encoding="utf-8")
    return site


def main(argv: Sequence[str] | None = None) -> int:
    """Write a site and say how long it took and how big it is."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base-url", default="http://127.0.0.1:8080")
    args = parser.parse_args(argv)
    started = time.monotonic()
    generate(args.out, args.articles, seed=args.seed, base_url=args.base_url)
    pages = list((args.out / "tin-tuc").iterdir())
    size = sum(p.stat().st_size for p in pages)
    print(f"{len(pages)} pages, {size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
