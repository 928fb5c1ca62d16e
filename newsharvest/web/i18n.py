"""The page's words in English and Vietnamese, and which language a request gets.

Choice, first match wins: ``?lang=vi|en`` (remembered in a cookie), the ``lang`` cookie, the first of ``vi``/``en``
in ``Accept-Language``, English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = ["LANGUAGES", "LANG_COOKIE", "choose_language", "translator"]

LANGUAGES = ("en", "vi")
LANG_COOKIE = "newsharvest_lang"

_WORDS: dict[str, tuple[str, str]] = {  # key: (English, Vietnamese)
    "app_title": ("News archive", "Kho lưu trữ tin tức"),
    "sites": ("Sites", "Trang tin"),
    "runs": ("Runs", "Lượt thu thập"),
    "search": ("Search", "Tìm kiếm"),
    "site": ("Site", "Trang"),
    "last_run": ("Last run", "Lần chạy gần nhất"),
    "next_run": ("Next run", "Lần chạy tiếp theo"),
    "health": ("Health", "Tình trạng"),
    "documents": ("Documents", "Bài viết"),
    "never": ("never", "chưa bao giờ"),
    "no_schedule": ("no schedule", "không có lịch"),
    "when_scheduler_starts": ("when the scheduler starts", "khi bộ lập lịch chạy"),
    "crawling_now": ("crawling now", "đang thu thập"),
    "stale_lease": ("stale lease", "khóa đã hết hạn"),
    "start_crawl": ("Start crawl", "Bắt đầu thu thập"),
    "token": ("Token", "Mã truy cập"),
    "max_articles": ("At most N articles", "Tối đa N bài"),
    "crawl_started": ("Crawl of {site} started (process {pid}).", "Đã bắt đầu thu thập {site} (tiến trình {pid})."),
    "token_remembered": ("The token is remembered in this browser.", "Mã truy cập được ghi nhớ trên trình duyệt này."),
    "status": ("Status", "Trạng thái"),
    "trigger": ("Trigger", "Khởi động"),
    "started": ("Started", "Bắt đầu"),
    "finished": ("Finished", "Kết thúc"),
    "pages": ("Pages", "Trang đã tải"),
    "new": ("New", "Mới"),
    "near_duplicates": ("Near-duplicates", "Gần trùng"),
    "duplicates": ("Duplicates", "Trùng"),
    "errors": ("Errors", "Lỗi"),
    "skipped": ("Already archived", "Đã lưu trước đó"),
    "error": ("Error", "Lỗi"),
    "no_runs": ("No runs yet.", "Chưa có lượt thu thập nào."),
    "older": ("Older", "Cũ hơn"),
    "more": ("More", "Thêm"),
    "query": ('Words or "a phrase"', 'Từ khóa hoặc "cụm từ"'),
    "from": ("From", "Từ ngày"),
    "to": ("To", "Đến ngày"),
    "all_sites": ("All sites", "Tất cả trang"),
    "include_near_duplicates": ("Show near-duplicates", "Hiện bài gần trùng"),
    "no_results": ("Nothing found.", "Không tìm thấy kết quả."),
    "also_matched": ("also in {n} near-duplicates", "còn trong {n} bài gần trùng"),
    "published": ("Published", "Ngày đăng"),
    "authors": ("Authors", "Tác giả"),
    "urls": ("Seen at", "Địa chỉ"),
    "cluster": ("Same story", "Cùng câu chuyện"),
    "root": ("original", "bản gốc"),
    "similarity": ("similarity", "độ tương đồng"),
    "failed_pages": ("Failed fetches", "Lượt tải lỗi"),
    "none": ("none", "không có"),
    "health_ok": ("ok", "tốt"),
    "health_warning": ("check", "cần kiểm tra"),
    "health_failing": ("failing", "lỗi"),
    "health_unknown": ("not crawled yet", "chưa thu thập"),
    "without_body": ("without a body", "không có nội dung"),
    "without_date": ("without a date", "không có ngày"),
    "unavailable": ("The archive is unavailable", "Kho lưu trữ không truy cập được"),
    "not_found": ("Not found", "Không tìm thấy"),
    "refused": ("Not started", "Chưa bắt đầu"),
    "language": ("Tiếng Việt", "English"),
    "seed": ("seed", "bài gốc nhập tay"),
}


def choose_language(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """The language of a request (see the module docstring)."""
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the word for ``key`` in ``lang``, with ``{values}`` filled in; the key itself if unknown."""
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        words: Mapping[str, tuple[str, str]] = _WORDS
        text = words[key][index] if key in words else key
        return text.format(**values) if values else text

    return t
