"""A hostile news site on 127.0.0.1 for the fault bench (``bench/faults.py``, issue 9).

One site, "Báo Biên Cương" (a made-up provincial paper shaped like the real ones): ``robots.txt``, a listing
(``/tin-tuc`` and its page 2), an RSS feed and a sitemap linking eight good Vietnamese articles, and one article URL
(or one feed, sitemap or listing) per fault in ``FAULTS``, so the crawl decides to follow every fault itself. The
registry says for each fault where it lives, what it does and what correct handling means; the bench judges each
crawl against it from the database.

Every loop and every wait here is bounded in count and in time, and every wait ends at once when the server stops:
slow answers wait at most ``FaultServer.slow_seconds`` (derived from the crawler's download timeout, capped at 30 s),
a trickled body sends at most ``TRICKLE_MAX_CHUNKS`` chunks, redirect chains have a fixed length, the calendar trap
ends at ``TRAP_MAX_PAGES``, the big bodies have fixed sizes (built once, lazily). The off-site redirect points at a
second server (``127.0.0.2``, else ``localhost`` on its own port) that records whether anybody came; the private-
address redirect points at port 1 of the link-local metadata address, where nothing listens.

    python bench/fault_server.py [--timeout S]     # serve until Ctrl-C and print the URLs
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import socket
import struct
import sys
import threading
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from newsharvest.replica.server import PDF_BYTES, encode_text  # noqa: E402  (after the sys.path fix above)

__all__ = [
    "FAULTS",
    "GOOD_STORIES",
    "SITE_NAME",
    "STORIES",
    "TRAP_MAX_PAGES",
    "Fault",
    "FaultServer",
    "Request",
    "Story",
    "site_toml",
]

SITE_NAME = "faultsite"
SITE_TITLE = "Báo Biên Cương"
MAX_LISTING_PAGES = 10  # declared in the site file: the calendar trap must stop there
TRAP_MAX_PAGES = 400  # the trap's own bound: a page past this is a 404 (a crawler reaching it has no limit at all)
REDIRECT_CHAIN_HOPS = 25  # Scrapy follows 20 by default; any sane limit is lower
HUGE_PAGE_BYTES = 12 * 1024 * 1024  # above the 8 MiB NEWSHARVEST_MAX_PAGE_BYTES default
GZIP_BOMB_INFLATED = 200 * 1024 * 1024  # about 0.5 MB on the wire
HUGE_FEED_BYTES = 5 * 1024 * 1024
TRICKLE_CHUNK = 16  # bytes
TRICKLE_INTERVAL = 0.5  # seconds between chunks
TRICKLE_MAX_CHUNKS = 120  # at most 60 s of trickling, and never past slow_seconds
RETRY_AFTER_429 = 1  # seconds; the 429 page answers 200 only to a request that waited this long
RETRY_AFTER_503 = 3600  # a maintenance window no crawler should sit out
PRIVATE_TARGET = "http://169.254.169.254:1/latest/meta-data/"  # link-local metadata address, port 1: nothing listens

# -- the articles ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One article as the site publishes it (NFC text)."""

    id: int
    slug: str
    title: str
    published: str  # "dd/mm/yyyy HH:MM", the site's clock (+07:00)
    author: str
    sapo: str
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/bai/{self.slug}-{self.id}.html"

    @property
    def iso_published(self) -> str:
        day, hm = self.published.split(" ")
        d, m, y = day.split("/")
        return f"{y}-{m}-{d}T{hm}:00+07:00"

    @property
    def text(self) -> str:
        return "\n".join((self.sapo, *self.paragraphs))


def _story(id: int, slug: str, title: str, published: str, author: str, sapo: str, *paragraphs: str) -> Story:
    return Story(id, slug, title, published, author, sapo, tuple(paragraphs))


# fmt: off
STORIES: dict[int, Story] = {
    s.id: s
    for s in (
        # The eight good articles: linked from the listing, the feed and the sitemap.
        _story(
            101, "lang-son-day-manh-xuat-khau-nong-san", "Lạng Sơn đẩy mạnh xuất khẩu nông sản qua cửa khẩu Hữu Nghị",
            "12/05/2025 08:30", "Minh Anh",
            "Những tháng đầu năm, lượng nông sản xuất khẩu qua cửa khẩu quốc tế Hữu Nghị tăng mạnh, trung bình mỗi ngày "
            "có hơn 600 phương tiện chở hàng làm thủ tục thông quan.",
            "Theo Ban Quản lý Khu kinh tế cửa khẩu Đồng Đăng – Lạng Sơn, các mặt hàng chủ lực gồm sầu riêng, thanh long, "
            "chuối và mít. Nhờ ứng dụng nền tảng cửa khẩu số, thời gian thông quan mỗi phương tiện đã giảm từ hai giờ "
            "xuống còn khoảng ba mươi phút.",
            "Lực lượng hải quan, biên phòng và kiểm dịch thực vật bố trí cán bộ làm việc cả ngày nghỉ để không để hàng "
            "hóa ùn ứ. Doanh nghiệp được hướng dẫn khai báo trực tuyến trước khi xe đến bãi kiểm hóa.",
            "Ông Hoàng Văn Thắng, Phó Trưởng Ban Quản lý, cho biết thời gian tới tỉnh sẽ tiếp tục mở rộng bãi đỗ xe chờ "
            "xuất khẩu và đề nghị phía bạn kéo dài thời gian làm việc tại các lối mở.",
        ),
        _story(
            102, "khai-mac-le-hoi-long-tong-binh-gia", "Khai mạc Lễ hội Lồng Tồng huyện Bình Gia năm 2025",
            "08/02/2025 10:15", "Hoàng Thu",
            "Sáng 8/2, tại sân vận động trung tâm huyện, Ủy ban nhân dân huyện Bình Gia tổ chức khai mạc Lễ hội Lồng "
            "Tồng, thu hút hàng nghìn người dân và du khách tham dự.",
            "Lễ hội xuống đồng là dịp để đồng bào Tày, Nùng cầu mong mưa thuận gió hòa, mùa màng bội thu. Phần lễ được "
            "tổ chức trang nghiêm với nghi thức rước nước, dâng hương và đọc văn tế tại miếu thờ Thành hoàng làng.",
            "Phần hội diễn ra sôi nổi với các trò chơi dân gian như tung còn, kéo co, đẩy gậy, đánh quay và thi nấu ăn. "
            "Nhiều gian hàng giới thiệu đặc sản địa phương như hồng vành khuyên, bánh khảo, rượu men lá.",
            "Ban tổ chức cho biết năm nay lần đầu tiên lễ hội có phần thi hát then, đàn tính dành cho các câu lạc bộ "
            "văn nghệ quần chúng của hai mươi xã, thị trấn trên địa bàn.",
        ),
        _story(
            103, "sua-chua-duong-tinh-229", "Hoàn thành sửa chữa đường tỉnh 229 trước mùa mưa bão",
            "03/04/2025 16:05", "Đức Toàn",
            "Sau bốn tháng thi công, dự án sửa chữa nền mặt đường tỉnh 229 đoạn qua huyện Văn Lãng đã hoàn thành, bảo "
            "đảm giao thông thông suốt trước mùa mưa.",
            "Đoạn tuyến dài 14 km được gia cố lề, làm lại rãnh thoát nước và thảm bê tông nhựa toàn bộ mặt đường. Tổng "
            "kinh phí thực hiện hơn 38 tỷ đồng từ nguồn vốn sự nghiệp giao thông của tỉnh.",
            "Trong quá trình thi công, nhà thầu bố trí người điều tiết giao thông tại các điểm thắt hẹp, hạn chế tối đa "
            "ảnh hưởng đến việc đi lại và vận chuyển nông sản của người dân.",
            "Sở Giao thông vận tải yêu cầu đơn vị quản lý đường bộ thường xuyên kiểm tra các vị trí có nguy cơ sạt lở, "
            "chuẩn bị sẵn vật tư và máy móc để xử lý kịp thời khi có mưa lớn.",
        ),
        _story(
            104, "tuyen-duong-hoc-sinh-gioi-dan-toc-noi-tru",
            "Trường Phổ thông Dân tộc nội trú tỉnh tuyên dương học sinh giỏi", "20/05/2025 15:40", "Thu Trang",
            "Chiều 20/5, Trường Phổ thông Dân tộc nội trú tỉnh tổ chức lễ tuyên dương 57 học sinh đạt giải trong kỳ thi "
            "chọn học sinh giỏi cấp tỉnh và cấp quốc gia năm học 2024 – 2025.",
            "Năm học này, nhà trường có 3 học sinh đạt giải quốc gia ở các môn Ngữ văn, Lịch sử và Địa lý, trong đó có "
            "một giải nhì. Đây là kết quả cao nhất của trường trong mười năm trở lại đây.",
            "Thầy Lương Văn Hải, Hiệu trưởng nhà trường, cho biết phần lớn học sinh là con em đồng bào dân tộc thiểu số "
            "ở các xã đặc biệt khó khăn, nhiều em phải xa gia đình từ năm lớp sáu.",
            "Dịp này, nhà trường trao 57 suất học bổng, mỗi suất trị giá một triệu đồng, do các nhà hảo tâm và cựu học "
            "sinh đóng góp.",
        ),
        _story(
            105, "nong-dan-van-quan-thu-hoach-hoi", "Nông dân Văn Quan thu hoạch hồi vụ chính", "28/09/2024 07:50",
            "Lăng Hiếu",
            "Những ngày này, trên các sườn đồi ở huyện Văn Quan, người dân tất bật thu hái hồi vụ chính. Giá hồi khô "
            "năm nay dao động từ 80.000 đến 90.000 đồng mỗi kilôgam, cao hơn năm trước.",
            "Toàn huyện hiện có hơn 10.000 ha hồi, tập trung ở các xã Tri Lễ, Hữu Lễ và Tràng Phái. Sản lượng hồi tươi "
            "vụ này ước đạt 9.000 tấn, phần lớn được thu mua ngay tại vườn.",
            "Gia đình bà Nông Thị Mai ở xã Tri Lễ có 3 ha hồi đang cho thu hoạch. Bà cho biết nhờ áp dụng kỹ thuật tỉa "
            "cành, bón phân hữu cơ nên cây ra quả đều, năng suất tăng khoảng hai mươi phần trăm.",
            "Huyện khuyến khích các hợp tác xã đầu tư lò sấy và dây chuyền chưng cất tinh dầu để nâng cao giá trị sản "
            "phẩm, hướng tới xây dựng chỉ dẫn địa lý cho hồi Văn Quan.",
        ),
        _story(
            106, "benh-vien-dua-vao-su-dung-may-cong-huong-tu",
            "Bệnh viện Đa khoa tỉnh đưa vào sử dụng hệ thống chụp cộng hưởng từ mới", "15/04/2025 09:00", "Bích Ngọc",
            "Ngày 15/4, Bệnh viện Đa khoa tỉnh chính thức đưa vào vận hành hệ thống chụp cộng hưởng từ 1,5 Tesla, giúp "
            "người bệnh không phải chuyển lên tuyến trên để chẩn đoán.",
            "Hệ thống được đầu tư từ nguồn vốn ngân sách tỉnh với tổng giá trị gần 25 tỷ đồng. Thiết bị cho phép chụp sọ "
            "não, cột sống, khớp và ổ bụng với thời gian mỗi ca khoảng hai mươi phút.",
            "Trước khi vận hành, các bác sĩ và kỹ thuật viên khoa Chẩn đoán hình ảnh đã được chuyên gia của hãng sản "
            "xuất đào tạo trong ba tuần. Bệnh viện dự kiến thực hiện khoảng 30 ca chụp mỗi ngày.",
            "Giám đốc bệnh viện cho biết chi phí chụp được quỹ bảo hiểm y tế chi trả theo quy định, góp phần giảm gánh "
            "nặng chi phí đi lại cho người bệnh ở các huyện vùng cao.",
        ),
        _story(
            107, "chuyen-doi-so-cong-dong-xa-tan-thanh", "Ra mắt mô hình chuyển đổi số cộng đồng tại xã Tân Thanh",
            "11/03/2025 14:20", "Vy Khánh",
            "Xã Tân Thanh, huyện Văn Lãng vừa ra mắt tổ công nghệ số cộng đồng tại tất cả các thôn, hỗ trợ người dân sử "
            "dụng dịch vụ công trực tuyến và thanh toán không dùng tiền mặt.",
            "Mỗi tổ gồm trưởng thôn, bí thư chi đoàn và công an viên, được tập huấn cách cài đặt ứng dụng định danh "
            "điện tử, nộp hồ sơ trực tuyến và bán hàng trên sàn thương mại điện tử.",
            "Tại chợ trung tâm xã, hơn 80 phần trăm tiểu thương đã có mã QR để nhận thanh toán. Chị Hoàng Thị Lan, bán "
            "rau ở chợ, cho biết khách du lịch quen quét mã nên việc buôn bán thuận tiện hơn.",
            "Ủy ban nhân dân xã đặt mục tiêu đến cuối năm có ít nhất sáu mươi phần trăm hồ sơ thủ tục hành chính được "
            "tiếp nhận trực tuyến.",
        ),
        _story(
            108, "thanh-nien-tinh-nguyen-he", "Tuổi trẻ Lạng Sơn ra quân chiến dịch thanh niên tình nguyện hè",
            "01/06/2025 09:45", "Ngọc Hà",
            "Sáng 1/6, Tỉnh đoàn tổ chức lễ ra quân chiến dịch thanh niên tình nguyện hè năm 2025 tại xã Thanh Lòa, "
            "huyện Cao Lộc với sự tham gia của hơn 500 đoàn viên.",
            "Ngay sau lễ ra quân, các đội hình tình nguyện đã làm mới 2 km đường giao thông nông thôn, tặng 200 suất quà "
            "cho học sinh nghèo và khám bệnh, cấp thuốc miễn phí cho người cao tuổi.",
            "Trong hai tháng hè, chiến dịch tập trung vào các phần việc bảo vệ môi trường, xóa nhà tạm, dạy bơi cho trẻ "
            "em và hỗ trợ người dân tiếp cận dịch vụ công trực tuyến.",
            "Bí thư Tỉnh đoàn đề nghị các cơ sở đoàn phát huy tinh thần xung kích, lựa chọn công trình thiết thực, gắn "
            "với nhu cầu của nhân dân ở địa bàn khó khăn.",
        ),
        # Articles behind fault routes (each its own text, so nothing is a duplicate of anything).
        _story(
            201, "du-lich-cong-dong-mau-son", "Phát triển du lịch cộng đồng ở khu du lịch Mẫu Sơn", "05/01/2025 08:10",
            "Phương Linh",
            "Với khí hậu mát mẻ quanh năm và bản sắc văn hóa của đồng bào Dao, khu du lịch Mẫu Sơn đang trở thành điểm "
            "đến hấp dẫn của du khách trong và ngoài tỉnh.",
            "Hiện trên núi có 12 hộ làm dịch vụ lưu trú tại nhà dân, phục vụ các món ăn đặc sản như gà đen, lợn quay và "
            "rượu ngô. Các hộ đều được tập huấn kỹ năng đón tiếp và vệ sinh an toàn thực phẩm.",
            "Anh Triệu Văn Phấu, chủ một homestay ở thôn Khuổi Cấp, cho biết vào mùa đông có những ngày đón hơn một "
            "trăm lượt khách lên ngắm băng tuyết, doanh thu đủ trang trải cả năm.",
            "Huyện Lộc Bình đang phối hợp với các doanh nghiệp lữ hành xây dựng tuyến trải nghiệm leo núi, hái chè và "
            "tìm hiểu nghề thuốc nam của người Dao.",
        ),
        _story(
            202, "dong-dang-chinh-trang-do-thi", "Thị trấn Đồng Đăng chỉnh trang đô thị biên giới", "17/10/2024 10:00",
            "Quang Huy",
            "Thị trấn Đồng Đăng đang triển khai nhiều công trình chỉnh trang vỉa hè, chiếu sáng và cây xanh nhằm xây "
            "dựng diện mạo đô thị cửa khẩu văn minh, sạch đẹp.",
            "Trên các tuyến phố chính như Lê Lợi, Thân Công Tài, vỉa hè được lát lại bằng đá tự nhiên, cột đèn cũ được "
            "thay bằng đèn chiếu sáng tiết kiệm năng lượng.",
            "Bà Lương Thị Hường, một tiểu thương ở chợ Đồng Đăng, cho biết từ khi phố xá được chỉnh trang, khách đến mua "
            "sắm đông hơn, nhất là vào dịp cuối tuần.",
            "Thị trấn phấn đấu hoàn thành các hạng mục trước Tết Nguyên đán, đồng thời vận động người dân không lấn "
            "chiếm vỉa hè để kinh doanh.",
        ),
        _story(
            203, "hoi-nong-dan-ho-tro-von-hoi-vien", "Hội Nông dân tỉnh hỗ trợ vốn cho hội viên phát triển sản xuất",
            "22/07/2025 15:30", "Hà Vân",
            "Năm 2025, Hội Nông dân tỉnh giải ngân hơn 12 tỷ đồng từ Quỹ hỗ trợ nông dân cho 46 dự án chăn nuôi, trồng "
            "trọt tại các huyện.",
            "Mỗi dự án được vay tối đa năm trăm triệu đồng với lãi suất ưu đãi, thời hạn ba năm. Các hội viên tham gia "
            "dự án phải cùng sinh hoạt trong một tổ hợp tác để giúp nhau về kỹ thuật.",
            "Ông Chu Văn Đức ở xã Hòa Bình, huyện Chi Lăng, dùng vốn vay để mở rộng chuồng trại nuôi 300 con lợn đen. "
            "Sau một năm, gia đình ông đã trả được một nửa số nợ gốc.",
            "Hội Nông dân tỉnh cho biết tỷ lệ hoàn trả vốn đúng hạn đạt gần một trăm phần trăm, không có nợ quá hạn.",
        ),
        _story(
            204, "giai-viet-da-truyen-thong", "Giải việt dã truyền thống thu hút hơn 800 vận động viên",
            "23/03/2025 11:05", "Tuấn Đạt",
            "Sáng 23/3, tại quảng trường 17/10, thành phố Lạng Sơn, Sở Văn hóa, Thể thao và Du lịch tổ chức giải việt dã "
            "truyền thống lần thứ 30.",
            "Các vận động viên thi đấu ở cự ly 3 km, 5 km và 10 km theo lứa tuổi. Đường chạy đi qua các tuyến phố Trần "
            "Đăng Ninh, Lê Lợi và ven hồ Phai Loạn.",
            "Ở nội dung 10 km nam, vận động viên Hoàng Văn Nam của huyện Tràng Định về nhất với thành tích 34 phút 12 "
            "giây. Nội dung nữ thuộc về Lý Thị Dung của thành phố.",
            "Ban tổ chức trao hai mươi bộ huy chương cho các vận động viên xuất sắc và giải toàn đoàn cho huyện Tràng "
            "Định.",
        ),
        _story(
            205, "phong-chong-sot-xuat-huyet", "Ngành y tế tăng cường phòng chống sốt xuất huyết", "09/08/2025 17:25",
            "Diệu Linh",
            "Trước diễn biến phức tạp của thời tiết nắng mưa xen kẽ, Sở Y tế chỉ đạo các đơn vị tăng cường giám sát, "
            "phát hiện sớm ca bệnh sốt xuất huyết.",
            "Từ đầu năm đến nay, toàn tỉnh ghi nhận 27 ca mắc, chủ yếu ở thành phố và huyện Hữu Lũng. Không có trường "
            "hợp tử vong, các ổ dịch đều được xử lý trong vòng bốn mươi tám giờ.",
            "Trung tâm Kiểm soát bệnh tật tỉnh đã phun hóa chất diệt muỗi tại các khu dân cư có ca bệnh và phát động "
            "chiến dịch diệt bọ gậy tại các trường học, chợ và công trình xây dựng.",
            "Người dân được khuyến cáo đậy kín dụng cụ chứa nước, ngủ màn kể cả ban ngày và đến cơ sở y tế ngay khi có "
            "biểu hiện sốt cao liên tục.",
        ),
        _story(
            206, "bao-ton-nghe-det-tho-cam-bac-son", "Bảo tồn nghề dệt thổ cẩm của người Tày ở Bắc Sơn",
            "14/06/2025 08:00", "Hồng Nhung",
            "Tại thôn Quỳnh Sơn, xã Bắc Sơn, những khung dệt cổ vẫn đều đặn vang tiếng thoi đưa, lưu giữ nghề dệt thổ "
            "cẩm truyền thống của đồng bào Tày.",
            "Hợp tác xã dệt thổ cẩm của thôn hiện có 25 thành viên, phần lớn là phụ nữ trung tuổi. Sản phẩm gồm khăn, "
            "túi, chăn và áo, được bán cho du khách đến với làng du lịch cộng đồng.",
            "Bà Dương Thị Vân, người có hơn bốn mươi năm gắn bó với nghề, cho biết để dệt xong một tấm chăn hoa văn phức "
            "tạp phải mất gần một tháng, từ khâu nhuộm chàm đến khâu hoàn thiện.",
            "Huyện đang mở các lớp truyền dạy cho học sinh và thanh niên, đồng thời hỗ trợ hợp tác xã đăng ký nhãn hiệu "
            "tập thể cho sản phẩm.",
        ),
        _story(
            207, "hoi-nghi-xuc-tien-dau-tu-2025", "Tỉnh tổ chức hội nghị xúc tiến đầu tư năm 2025", "12/04/2025 09:30",
            "Thanh Tâm",
            "Ngày 12/4, Ủy ban nhân dân tỉnh tổ chức hội nghị xúc tiến đầu tư với sự tham dự của hơn 300 đại biểu đại "
            "diện các bộ, ngành, nhà đầu tư trong và ngoài nước.",
            "Tại hội nghị, tỉnh giới thiệu danh mục 60 dự án kêu gọi đầu tư trong các lĩnh vực logistics, công nghiệp "
            "chế biến, du lịch và năng lượng tái tạo, với tổng vốn dự kiến hơn 100.000 tỷ đồng.",
            "Lãnh đạo tỉnh đã trao quyết định chủ trương đầu tư và biên bản ghi nhớ cho 15 dự án, trong đó có trung tâm "
            "logistics tại khu vực cửa khẩu Tân Thanh.",
            "Chủ tịch Ủy ban nhân dân tỉnh cam kết đồng hành cùng nhà đầu tư, giải quyết nhanh các thủ tục về đất đai, "
            "giải phóng mặt bằng và cấp phép xây dựng.",
        ),
        _story(
            208, "cho-ky-lua-nhon-nhip-cuoi-tuan", "Chợ Kỳ Lừa nhộn nhịp những ngày cuối tuần", "19/07/2025 20:00",
            "Khánh Linh",
            "Chợ Kỳ Lừa, khu chợ có lịch sử hàng trăm năm ở trung tâm thành phố Lạng Sơn, luôn nhộn nhịp vào các buổi "
            "tối cuối tuần khi phiên chợ đêm được mở.",
            "Phiên chợ đêm bày bán nhiều đặc sản xứ Lạng như vịt quay mắc mật, phở chua, khâu nhục và các loại bánh "
            "truyền thống. Những gian hàng lưu niệm thu hút đông du khách chọn mua.",
            "Ban quản lý chợ đã lắp thêm hệ thống camera, bố trí lực lượng bảo vệ và niêm yết giá công khai, tạo tâm lý "
            "yên tâm cho người mua.",
            "Thành phố đang nghiên cứu mở rộng không gian chợ đêm ra các tuyến phố lân cận, kết hợp biểu diễn hát then, "
            "đàn tính phục vụ du khách.",
        ),
        _story(
            209, "tuyen-truyen-phap-luat-vung-bien", "Tuyên truyền pháp luật cho đồng bào vùng biên",
            "25/02/2025 14:00", "Trung Kiên",
            "Bộ đội Biên phòng tỉnh phối hợp với chính quyền các xã biên giới tổ chức nhiều buổi tuyên truyền pháp luật "
            "về quản lý, bảo vệ biên giới quốc gia cho người dân.",
            "Nội dung tập trung vào Luật Biên giới quốc gia, quy chế khu vực biên giới đất liền và các quy định về "
            "phòng, chống buôn lậu, gian lận thương mại.",
            "Các buổi tuyên truyền được tổ chức bằng tiếng Tày, tiếng Nùng, kết hợp chiếu phim tư liệu và hỏi đáp có "
            "thưởng để người dân dễ hiểu, dễ nhớ.",
            "Từ đầu năm, các đồn biên phòng đã tổ chức hơn 120 buổi tuyên truyền với hơn 6.000 lượt người tham gia, "
            "nhiều hộ dân đăng ký tự quản đường biên, mốc giới.",
        ),
        _story(
            210, "camera-an-ninh-cong-dong", "Công an tỉnh nhân rộng mô hình camera an ninh cộng đồng",
            "30/05/2025 16:45", "Văn Long",
            "Sau một năm thí điểm, mô hình camera an ninh do người dân đóng góp lắp đặt đã được nhân rộng ra 180 thôn, "
            "khối phố trên địa bàn tỉnh.",
            "Hệ thống gồm hơn 1.500 camera lắp tại các ngã ba, ngã tư và khu vực công cộng, kết nối với điện thoại của "
            "công an xã và tổ an ninh cơ sở.",
            "Nhờ hình ảnh từ camera, lực lượng công an đã nhanh chóng làm rõ nhiều vụ trộm cắp tài sản và tai nạn giao "
            "thông, góp phần giữ vững an ninh trật tự ở cơ sở.",
            "Công an tỉnh đề nghị các địa phương tiếp tục vận động doanh nghiệp và người dân cùng tham gia, bảo đảm duy "
            "trì hoạt động lâu dài của mô hình.",
        ),
        _story(
            211, "hop-tac-xa-che-huu-lung", "Hợp tác xã chè mở rộng vùng nguyên liệu ở Hữu Lũng", "02/05/2025 07:30",
            "Mai Hương",
            "Hợp tác xã chè Yên Thịnh ở huyện Hữu Lũng vừa ký hợp đồng bao tiêu sản phẩm với 120 hộ dân, mở rộng vùng "
            "nguyên liệu lên 60 ha.",
            "Các hộ tham gia được hỗ trợ giống chè mới, phân bón và hướng dẫn quy trình canh tác theo tiêu chuẩn "
            "VietGAP, bảo đảm búp chè đạt chất lượng chế biến.",
            "Giám đốc hợp tác xã cho biết sản phẩm chè xanh đóng gói đã được công nhận sản phẩm OCOP ba sao và có mặt "
            "tại nhiều siêu thị ở Hà Nội.",
            "Năm tới, hợp tác xã dự kiến đầu tư thêm dây chuyền sao chè bằng điện để giảm chi phí nhân công và nâng sản "
            "lượng.",
        ),
        _story(
            212, "day-nhanh-giai-ngan-von-dau-tu-cong", "Kho bạc Nhà nước khu vực đẩy nhanh giải ngân vốn đầu tư công",
            "04/06/2025 13:15", "Thùy Dương",
            "Đến hết tháng 5, vốn đầu tư công của tỉnh đã giải ngân được 42 phần trăm kế hoạch, cao hơn mức bình quân "
            "cả nước.",
            "Kho bạc Nhà nước đã rút ngắn thời gian kiểm soát chi xuống còn một ngày làm việc đối với hồ sơ hợp lệ, "
            "đồng thời tiếp nhận toàn bộ hồ sơ qua dịch vụ công trực tuyến.",
            "Các chủ đầu tư được nhắc nhở hoàn thiện hồ sơ nghiệm thu khối lượng ngay khi có khối lượng hoàn thành, "
            "không dồn việc thanh toán vào cuối năm.",
            "Ủy ban nhân dân tỉnh yêu cầu người đứng đầu các đơn vị chịu trách nhiệm nếu để chậm giải ngân, xem đây là "
            "tiêu chí đánh giá mức độ hoàn thành nhiệm vụ.",
        ),
        _story(
            213, "san-sang-cho-ky-thi-tot-nghiep", "Lạng Sơn sẵn sàng cho kỳ thi tốt nghiệp trung học phổ thông",
            "24/06/2025 10:30", "Lan Phương",
            "Năm nay, toàn tỉnh có hơn 8.900 thí sinh đăng ký dự thi tốt nghiệp trung học phổ thông tại 35 điểm thi.",
            "Sở Giáo dục và Đào tạo đã hoàn tất việc rà soát cơ sở vật chất, lắp đặt camera giám sát tại phòng thi và "
            "khu vực bảo quản đề thi.",
            "Với thí sinh ở xa điểm thi, các trường bố trí chỗ ở, bếp ăn miễn phí và phương tiện đưa đón trong những "
            "ngày thi.",
            "Lực lượng công an, y tế và điện lực phối hợp bảo đảm an ninh, an toàn, cấp điện liên tục cho các điểm thi.",
        ),
        _story(
            214, "loc-binh-trong-moi-rung", "Huyện Lộc Bình trồng mới 1.200 ha rừng", "18/04/2025 15:00", "Nông Tuấn",
            "Từ đầu năm, người dân huyện Lộc Bình đã trồng mới 1.200 ha rừng sản xuất, chủ yếu là thông, keo và quế.",
            "Huyện hỗ trợ cây giống chất lượng cao cho các hộ nghèo và cận nghèo, đồng thời hướng dẫn kỹ thuật trồng, "
            "chăm sóc theo hướng rừng gỗ lớn.",
            "Nhiều diện tích rừng thông đến tuổi khai thác nhựa đã mang lại nguồn thu ổn định, trung bình mỗi héc-ta cho "
            "thu nhập khoảng 30 triệu đồng một năm.",
            "Lực lượng kiểm lâm tăng cường tuần tra, phòng cháy chữa cháy rừng trong mùa khô, không để xảy ra cháy lớn.",
        ),
        _story(
            215, "ngay-hoi-doc-sach", "Ngày hội đọc sách thu hút đông đảo học sinh", "21/04/2025 08:20", "Bảo Ngọc",
            "Thư viện tỉnh phối hợp với Tỉnh đoàn tổ chức Ngày hội đọc sách, trưng bày hơn 3.000 đầu sách thuộc nhiều "
            "lĩnh vực.",
            "Ngày hội có các hoạt động giao lưu với tác giả, thi kể chuyện theo sách và trao đổi sách cũ lấy sách mới, "
            "thu hút hàng nghìn học sinh đến tham gia.",
            "Thư viện tỉnh cũng giới thiệu ứng dụng thư viện số, giúp bạn đọc ở vùng sâu, vùng xa tra cứu và đọc sách "
            "trực tuyến miễn phí.",
            "Nhiều trường học đăng ký đưa xe thư viện lưu động về phục vụ học sinh trong dịp hè.",
        ),
    )
}
# fmt: on
GOOD_STORIES = tuple(range(101, 109))
# Lines of the site's chrome (header, menu, footer, related block): a document holding one is junk.
CHROME_MARKERS = (
    "Giấy phép hoạt động báo điện tử",
    "Bản quyền thuộc về Báo Biên Cương",
    "Đường dây nóng",
    "Tin liên quan",
    "Đăng nhập",
)
_MENU = ("Trang chủ", "Thời sự", "Kinh tế", "Văn hóa – Xã hội", "Biên giới", "Thể thao", "Lịch công tác")
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def _weekday(published: str) -> str:
    d, m, y = (int(x) for x in published.split(" ")[0].split("/"))
    return _WEEKDAYS[datetime(y, m, d).weekday()]


# -- the faults --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One injected fault: where the crawl meets it, and what correct handling is.

    ``expect`` is what the bench checks besides the bar (no loss, junk, crash, traceback; a reason for any failure):

    - ``document``: the URL ends as one clean document with ``story``'s title and text;
    - ``failed``: the URL ends as a pages row without a document (``error`` or ``not_article``) whose reason matches
      ``reason``;
    - ``row``: the URL ends as a pages row: a clean document of ``story``, or a failure whose reason matches ``reason``;
    - ``discovery_error``: the feed or sitemap ends as a pages row of its kind with a reason matching ``reason``;
    - ``bounded``: a discovery document the crawl must get through without looping (see ``correct``).
    """

    name: str
    label: str  # as printed in the table
    kind: str  # where the crawl meets it: article | feed | sitemap | listing
    path: str  # the path the crawl discovers: an article link on the listing, a declared feed/sitemap, a listing link
    expect: str
    correct: str  # correct handling, in words
    reason: str | None = None  # regex (case-insensitive) of what the stored reason must tell an operator
    story: int | None = None  # the article behind the fault (to store, or never to store)
    slow: bool = False  # costs the crawl a download timeout or more


def _fault_path(slug: str, id: int) -> str:
    return f"/bai/{slug}-{id}.html"


LONG_URL_PATH = _fault_path(("tuyen-truyen-phap-luat-cho-dong-bao-vung-bien-" * 48)[:2150].rstrip("-"), 9040)

# fmt: off
FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        # HTTP statuses
        Fault("http_404", "404 Not Found", "article", _fault_path("bai-da-go", 9001), "failed",
              "recorded as failed with its status, not retried", r"404"),
        Fault("http_410", "410 Gone", "article", _fault_path("bai-da-xoa-vinh-vien", 9002), "failed",
              "recorded as failed with its status, not retried", r"410"),
        Fault("http_429", "429 + Retry-After: 1 s, then 200", "article", _fault_path("hoi-nghi-xuc-tien", 9003), "document",
              "waits as long as Retry-After asks (1 s), retries, stores the article; the server answers 429 again to "
              "a retry that comes sooner", r"429", story=207),
        Fault("http_500", "500 every time", "article", _fault_path("loi-may-chu", 9004), "failed",
              "retried, then recorded as failed with its status", r"500"),
        Fault("http_503", "503 + Retry-After: 3600 s", "article", _fault_path("bao-tri-he-thong", 9005), "failed",
              "does not sit out an hour: retried within the crawl's own limits, then recorded as failed (status, and "
              "that the server asked to come back later)", r"503"),
        # Time
        Fault("slow_first_byte", "first byte after 2× the timeout", "article", _fault_path("camera-an-ninh", 9006),
              "failed", "cut at the download timeout, recorded as a timeout", r"time.?out|timed out", story=210, slow=True),
        Fault("trickle", "body trickled 16 B / 0.5 s", "article", _fault_path("thi-tot-nghiep", 9007), "failed",
              "cut at the download timeout, recorded as a timeout", r"time.?out|timed out|slow", story=213, slow=True),
        Fault("hang", "connection accepted, no answer", "article", _fault_path("khong-phan-hoi", 9008), "failed",
              "cut at the download timeout, recorded as a timeout", r"time.?out|timed out", slow=True),
        # Broken transfers
        Fault("reset", "connection reset mid-body", "article", _fault_path("ket-noi-bi-ngat", 9009), "failed",
              "recorded as failed (connection reset), no partial document", r"reset|connection|incomplete|closed|lost",
              story=214),
        Fault("truncated", "body shorter than Content-Length", "article", _fault_path("noi-dung-bi-cat", 9010), "failed",
              "recorded as failed (incomplete body), no partial document", r"incomplete|truncat|length|closed|lost",
              story=214),
        # Redirects
        Fault("redirect_ok", "one same-site 301 (control)", "article", _fault_path("duong-dan-cu", 9011), "document",
              "followed: the article behind it stored once", story=208),
        Fault("redirect_loop", "redirect loop A→B→A", "article", _fault_path("vong-lap-chuyen-huong", 9012), "failed",
              "recorded as failed: a redirect loop", r"redirect"),
        Fault("redirect_chain", f"{REDIRECT_CHAIN_HOPS}-hop redirect chain", "article",
              _fault_path("chuoi-chuyen-huong", 9013), "failed",
              "recorded as failed: too many redirects (the article at the end is never stored)", r"redirect", story=212),
        Fault("redirect_offsite", "redirect to another host", "article", _fault_path("chuyen-sang-trang-khac", 9014),
              "failed", "not followed (the other host never contacted), recorded with the target",
              r"redirect|off.?site|other host|host", story=211),
        Fault("redirect_private", "redirect to 169.254.169.254", "article", _fault_path("chuyen-huong-noi-bo", 9015),
              "failed", "not followed (no connection to a link-local/private address), recorded with the target",
              r"redirect|private|link.?local|169\.254"),
        # Encodings
        Fault("utf8_as_latin1", "UTF-8 labelled iso-8859-1", "article", _fault_path("du-lich-mau-son", 9016), "document",
              "clean NFC Vietnamese text (the label is wrong, the bytes are UTF-8)", story=201),
        Fault("cp1258_as_utf8", "windows-1258 labelled utf-8", "article", _fault_path("dong-dang-chinh-trang", 9017),
              "document", "clean NFC Vietnamese text (not U+FFFD where the bytes are not UTF-8)", story=202),
        Fault("cp1258_undeclared", "windows-1258, no charset anywhere", "article", _fault_path("hoi-nong-dan", 9018),
              "document", "clean NFC Vietnamese text", story=203),
        Fault("bom_wrong_label", "UTF-8 BOM, labelled windows-1252", "article", _fault_path("giai-viet-da", 9019),
              "document", "clean NFC Vietnamese text (the BOM wins)", story=204),
        Fault("mojibake", "double-encoded UTF-8 text", "article", _fault_path("sot-xuat-huyet", 9020), "document",
              "clean NFC Vietnamese text (mojibake repaired)", story=205),
        Fault("nfd", "NFD (decomposed) text", "article", _fault_path("det-tho-cam", 9021), "document",
              "clean NFC Vietnamese text", story=206),
        # Size
        Fault("huge_page", "12 MB page (Content-Length)", "article", _fault_path("trang-rat-lon", 9022), "failed",
              "cut at the size limit, recorded as too large", r"large|size|limit|bytes"),
        Fault("huge_page_unsized", "12 MB page, no Content-Length", "article", _fault_path("trang-lon-khong-do-dai", 9023),
              "failed", "cut at the size limit, recorded as too large", r"large|size|limit|bytes"),
        Fault("gzip_bomb", "gzip bomb (0.5 MB → 200 MB)", "article", _fault_path("nen-gzip", 9024), "failed",
              "inflating stops at the size limit, recorded as too large", r"large|size|limit|bytes|inflat|decompress"),
        # Not HTML
        Fault("pdf", "PDF (application/pdf)", "article", _fault_path("van-ban-pdf", 9025), "failed",
              "no document; recorded as not HTML (PDF)", r"pdf|not html|content.?type"),
        Fault("png", "PNG (image/png)", "article", _fault_path("anh-png", 9026), "failed",
              "no document; recorded as not HTML (image)", r"png|image|not html|content.?type"),
        Fault("pdf_as_html", "PDF labelled text/html", "article", _fault_path("van-ban-nhan-sai", 9027), "failed",
              "no document; recorded as not HTML (PDF)", r"pdf|not html|binary"),
        Fault("empty", "empty 200", "article", _fault_path("trang-trong", 9028), "failed",
              "no document; recorded as empty", r"empty|no (article|text|body)|short"),
        Fault("chrome_only", "chrome only: header, menu, footer", "article", _fault_path("chi-co-khung-trang", 9029),
              "failed", "no document; recorded as not an article",
              r"not an article|no article|short|menu|header|footer|listing|links"),
        Fault("long_url", "article URL of 2,165 characters", "article", LONG_URL_PATH, "row",
              "a pages row either way: the article stored, or refused with a reason naming the URL's length",
              r"long|length|characters|2083|2048", story=209),
        # Discovery
        Fault("malformed_feed", "malformed RSS (cut, stray bytes)", "feed", "/rss-loi.xml", "discovery_error",
              "recorded against the feed: not a usable feed", r"feed|xml|pars|malformed|syntax"),
        Fault("huge_feed", "5 MB RSS", "feed", "/rss-lon.xml", "bounded",
              "read (its one new article fetched), or refused with a reason; no hang"),
        Fault("malformed_sitemap", "sitemap that is an HTML page", "sitemap", "/sitemap-loi.xml", "discovery_error",
              "recorded against the sitemap: not a sitemap", r"sitemap|xml"),
        Fault("sitemap_loop", "sitemap index listing itself", "sitemap", "/sitemap-index.xml", "bounded",
              "the index read once, its child sitemap read, no loop"),
        Fault("calendar_trap", "calendar ?page=N without end", "listing", "/lich?page=1", "bounded",
              f"stops at the site's max_listing_pages ({MAX_LISTING_PAGES}); the events on the pages it read stored"),
    )
}
# fmt: on
HUGE_FEED_STORY = 215
# The redirect hops of each redirect fault (for attributing log lines).
REDIRECT_HOPS = {
    "redirect_loop": ("/chuyen/vong-lap-b",),
    "redirect_chain": ("/chuyen/chuoi/",),
}


def trap_event_path(n: int) -> str:
    return f"/su-kien/lich-cong-tac-ngay-{n}-{9500 + n}.html"


_TRAP_ITEMS = (
    "làm việc với Sở Nông nghiệp và Môi trường về kế hoạch phòng chống thiên tai",
    "tiếp công dân định kỳ tại Trụ sở tiếp công dân tỉnh",
    "dự hội nghị trực tuyến của Chính phủ về phát triển kinh tế tư nhân",
    "kiểm tra tiến độ dự án đường cao tốc Đồng Đăng – Trà Lĩnh",
    "họp Ban Chỉ đạo chuyển đổi số của tỉnh",
    "làm việc với Ban Quản lý Khu kinh tế cửa khẩu về hạ tầng logistics",
    "dự lễ khánh thành trường mầm non xã Hữu Kiên",
    "họp thẩm định đề án sắp xếp đơn vị hành chính cấp xã",
    "tiếp đoàn công tác của tỉnh Quảng Tây, Trung Quốc",
    "kiểm tra công tác chuẩn bị kỳ thi tốt nghiệp",
    "làm việc với Hội Doanh nghiệp tỉnh về tháo gỡ khó khăn",
    "dự phiên họp thường kỳ của Ủy ban nhân dân tỉnh",
)


def trap_story(n: int) -> Story:
    """Calendar page ``n``'s one event notice: its own text (items drawn by ``n``), a real article."""
    day = 1 + (n - 1) % 28
    month = 1 + ((n - 1) // 28) % 12
    items = [_TRAP_ITEMS[(n * 5 + k * 7) % len(_TRAP_ITEMS)] for k in range(4)]
    paragraphs = tuple(
        f"{hour} giờ {minute:02d}: Đồng chí Phó Chủ tịch Ủy ban nhân dân tỉnh {item}; đi cùng có lãnh đạo Văn phòng "
        f"và các sở liên quan (lịch số {n}, mục {k + 1})."
        for k, (item, hour, minute) in enumerate(zip(items, (8, 10, 14, 16), (0, 30, 0, 15), strict=True))
    )
    return _story(
        9500 + n,
        f"lich-cong-tac-ngay-{n}",
        f"Lịch công tác của Thường trực Ủy ban nhân dân tỉnh, lịch số {n}",
        f"{day:02d}/{month:02d}/2025 07:00",
        "Văn phòng Ủy ban nhân dân tỉnh",
        f"Văn phòng Ủy ban nhân dân tỉnh thông báo lịch công tác số {n} của Thường trực Ủy ban nhân dân tỉnh ngày "
        f"{day}/{month}/2025 như sau.",
        *paragraphs,
    )


# -- HTML --------------------------------------------------------------------------------------------------------


def _chrome_head(title: str, charset: str | None, extra: str = "") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n{meta}\n<meta name="viewport" content="width=device-width">\n'
        f"<title>{escape(title)} - {SITE_TITLE}</title>\n{extra}</head>\n"
    )


def _header(trap: bool) -> str:
    hrefs = ("/", "/tin-tuc", "/kinh-te", "/van-hoa-xa-hoi", "/bien-gioi", "/the-thao", "/lich?page=1")
    menu = "".join(
        f'<li><a href="{href}">{escape(label)}</a></li>'
        for label, href in zip(_MENU, hrefs, strict=True)
        if trap or href != "/lich?page=1"
    )
    return (
        '<header class="site-header"><div class="top-bar"><span class="today">Thứ Ba, 02/12/2025</span>'
        ' <a href="/dang-nhap">Đăng nhập</a> <span class="hotline">Đường dây nóng: 0205 3812 345</span></div>'
        f'<div class="logo"><a href="/"><img src="/logo.png" alt="{SITE_TITLE}"></a></div>'
        f'<nav class="main-menu"><ul>{menu}</ul></nav></header>\n'
    )


_FOOTER = (
    '<footer class="site-footer"><p><strong>Báo Biên Cương điện tử</strong> – Cơ quan của Đảng bộ tỉnh</p>'
    "<p>Giấy phép hoạt động báo điện tử số 123/GP-BTTTT ngày 05/03/2021 của Bộ Thông tin và Truyền thông</p>"
    "<p>Tòa soạn: 15 đường Hùng Vương, phường Chi Lăng. Điện thoại: 0205 3812 345</p>"
    "<p>© Bản quyền thuộc về Báo Biên Cương. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p></footer>\n"
)


def _related(exclude: int) -> str:
    items = "".join(f'<li><a href="{STORIES[i].path}">{escape(STORIES[i].title)}</a></li>' for i in GOOD_STORIES if i != exclude)
    return f'<aside class="related-news"><h3>Tin liên quan</h3><ul>{items}</ul></aside>\n'


def article_html(story: Story, *, charset: str | None = "utf-8", text: Callable[[str], str] = lambda s: s) -> str:
    """The article page of ``story`` (``text`` transforms its title, author and body, e.g. into mojibake)."""
    head_extra = (
        f'<meta property="og:title" content="{escape(text(story.title))}">\n'
        f'<meta property="og:site_name" content="{SITE_TITLE}">\n'
        f'<meta property="article:published_time" content="{story.iso_published}">\n'
    )
    body = "".join(f"<p>{escape(text(p))}</p>\n" for p in story.paragraphs)
    return (
        _chrome_head(text(story.title), charset, head_extra)
        + "<body>\n"
        + _header(trap=False)
        + '<main class="container"><div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/tin-tuc">Thời sự</a></div>\n'
        + '<article class="article-detail">\n'
        + f'<h1 class="article-title">{escape(text(story.title))}</h1>\n'
        + f'<div class="article-meta"><span class="post-date">{_weekday(story.published)}, {story.published}</span></div>\n'
        + f'<div class="article-sapo"><strong>{escape(text(story.sapo))}</strong></div>\n'
        + f'<div class="article-body">\n{body}'
        + f'<p style="text-align:right"><strong>{escape(text(story.author))}</strong></p>\n</div>\n</article>\n'
        + _related(story.id)
        + "</main>\n"
        + _FOOTER
        + "</body>\n</html>\n"
    )


def chrome_only_html() -> str:
    """A page with the site's header, menu, related block and footer and nothing of its own."""
    return (
        _chrome_head("Thời sự", "utf-8") + "<body>\n" + _header(trap=False)
        + '<main class="container"><div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/tin-tuc">Thời sự</a></div>\n'
        + '<h1 class="page-title">Thời sự</h1>\n' + _related(0) + "</main>\n" + _FOOTER + "</body>\n</html>\n"
    )  # fmt: skip


def _teaser(path: str, title: str, published: str, sapo: str) -> str:
    hm = published.split(" ")[1]
    day = published.split(" ")[0]
    return (
        f'<div class="news-item"><h3><a href="{escape(path)}">{escape(title)}</a></h3>'
        f'<span class="date">{hm} | {day}</span><p class="sapo">{escape(sapo[:160])}</p></div>\n'
    )


def listing_html(title: str, teasers: Iterable[str], pages: Iterable[tuple[str, str]], *, trap: bool) -> str:
    pager = "".join(f'<a href="{escape(href)}">{escape(label)}</a> ' for label, href in pages)
    return (
        _chrome_head(title, "utf-8") + "<body>\n" + _header(trap)
        + f'<main class="container"><h1 class="page-title">{escape(title)}</h1>\n'
        + '<div class="news-list">\n' + "".join(teasers) + "</div>\n"
        + f'<div class="pager">{pager}</div>\n</main>\n' + _FOOTER + "</body>\n</html>\n"
    )  # fmt: skip


def _mojibake(text: str) -> str:
    """UTF-8 bytes read back as windows-1252 (bytes 1252 leaves undefined as Latin-1): what a CMS double-encodes."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def _png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# -- the server --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request either server received (logged on arrival, before any answer)."""

    server: str  # "site" or "offsite"
    host: str  # the Host header
    path: str  # path with query
    at: float  # time.monotonic()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], owner: FaultServer, role: str) -> None:
        super().__init__(address, _Handler)
        self.owner = owner
        self.role = role

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent: clients hanging up on slow, huge and broken answers is the point here."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "nginx"
    sys_version = ""
    protocol_version = "HTTP/1.0"  # one request per connection: every answer ends by closing it

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the owner keeps the request log."""

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.note(self.server.role, self.headers.get("Host", ""), self.path)
        if self.server.role == "offsite":
            story = STORIES[211]
            return self._send(200, {"Content-Type": "text/html; charset=utf-8"}, article_html(story).encode("utf-8"))
        with contextlib.suppress(OSError):  # the client hung up: connection errors are OSErrors
            owner.route(self)

    # helpers used by FaultServer.route

    def _send(self, status: int, headers: dict[str, str], body: bytes, *, length: int | None = None) -> None:
        """Status, headers (Content-Length = ``length``, default len(body); -1 for none), body."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        size = len(body) if length is None else length
        if size >= 0:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        if body:
            self.wfile.write(body)
            self.wfile.flush()


class FaultServer:
    """The hostile site on 127.0.0.1 (and its off-site neighbour), until ``stop()`` or the end of the ``with`` block.

    ``faults`` chooses which faults the site shows (linked, declared); default all. ``download_timeout`` is the
    crawler's: slow answers wait twice that (at most 30 s), so a crawler with working timeouts never sees their end.
    """

    def __init__(self, faults: Iterable[str] | None = None, *, download_timeout: float = 3.0) -> None:
        names = list(faults) if faults is not None else list(FAULTS)
        unknown = [n for n in names if n not in FAULTS]
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(unknown)}; known: {', '.join(FAULTS)}")
        self.faults = {n: FAULTS[n] for n in FAULTS if n in names}
        self.download_timeout = download_timeout
        self.slow_seconds = min(30.0, max(2.0, 2 * download_timeout + 1))
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._log: list[Request] = []
        self._first_429: float | None = None
        self._cache: dict[str, bytes] = {}
        self._site = _Server(("127.0.0.1", 0), self, "site")
        self.base_url = f"http://127.0.0.1:{self._site.server_address[1]}"
        try:
            self._offsite = _Server(("127.0.0.2", 0), self, "offsite")
            self.offsite_url = f"http://127.0.0.2:{self._offsite.server_address[1]}"
        except OSError:  # no 127.0.0.2 here: the same loopback under another host name
            self._offsite = _Server(("127.0.0.1", 0), self, "offsite")
            self.offsite_url = f"http://localhost:{self._offsite.server_address[1]}"
        self._threads = [
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, name=f"fault-{s.role}", daemon=True)
            for s in (self._site, self._offsite)
        ]
        for thread in self._threads:
            thread.start()

    # -- what happened --

    def requests(self, server: str = "site") -> list[Request]:
        with self._lock:
            return [r for r in self._log if r.server == server]

    def count(self, path: str, *, prefix: bool = False) -> int:
        """How many requests the site got for ``path`` (or for paths starting with it)."""
        return sum((r.path.startswith(path) if prefix else r.path == path) for r in self.requests())

    def note(self, server: str, host: str, path: str) -> None:
        with self._lock:
            self._log.append(Request(server, host, path, time.monotonic()))

    def trap_pages_served(self) -> list[int]:
        """The calendar pages (``N`` of ``/lich?page=N``, within the trap's bound) requested."""
        pages = set()
        for r in self.requests():
            n = r.path.removeprefix("/lich?page=")
            if r.path.startswith("/lich?page=") and n.isdigit() and 1 <= int(n) <= TRAP_MAX_PAGES:
                pages.add(int(n))
        return sorted(pages)

    # -- the site --

    def site_toml(self) -> str:
        return site_toml(self.base_url, self.faults)

    def stop(self) -> None:
        self._stopping.set()
        for server in (self._site, self._offsite):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` (never past ``slow_seconds``); False when the server is stopping."""
        return not self._stopping.wait(min(seconds, self.slow_seconds))

    def _cached(self, key: str, build: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    def route(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parts.query
        html = {"Content-Type": "text/html; charset=utf-8"}
        fault = next((f for f in self.faults.values() if f.path == (f"{path}?{query}" if query else path)), None)
        if fault is not None and fault.kind == "article":
            handler: Callable[[_Handler, Fault], None] = getattr(self, f"_fault_{fault.name}")
            return handler(h, fault)
        if path == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /quan-tri/\nSitemap: {self.base_url}/sitemap.xml\n"
            return h._send(200, {"Content-Type": "text/plain; charset=utf-8"}, robots.encode())
        if path == "/tin-tuc" and query in ("", "page=1", "page=2"):
            return h._send(200, html, self._listing(2 if query == "page=2" else 1).encode("utf-8"))
        if path == "/lich" and "calendar_trap" in self.faults and query.startswith("page="):
            return self._trap_page(h, query.partition("=")[2])
        if path == "/rss.xml":
            return h._send(200, {"Content-Type": "application/rss+xml; charset=utf-8"}, self._rss(GOOD_STORIES))
        if path == "/sitemap.xml":
            return h._send(200, {"Content-Type": "application/xml; charset=utf-8"}, self._sitemap())
        if path == "/sitemap-index.xml" and "sitemap_loop" in self.faults:
            index = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"<sitemap><loc>{self.base_url}/sitemap-index.xml</loc></sitemap>\n"
                f"<sitemap><loc>{self.base_url}/sitemap.xml</loc></sitemap>\n</sitemapindex>\n"
            )
            return h._send(200, {"Content-Type": "application/xml; charset=utf-8"}, index.encode())
        if path == "/rss-loi.xml" and "malformed_feed" in self.faults:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Báo Biên Cương - Thời sự</title>'
                f"<link>{self.base_url}/</link><item><title>Tin đang cập nhật <b>&nbsp;</title><link>"
            ).encode() + b"\x00\x01\xff\xfe<<<\x1b]]>&&&</chanel></rs"
            return h._send(200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body)
        if path == "/rss-lon.xml" and "huge_feed" in self.faults:
            body = self._cached("huge_feed", self._huge_feed)
            return h._send(200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body)
        if path == "/sitemap-loi.xml" and "malformed_sitemap" in self.faults:
            page = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Lỗi hệ thống</title></head><body>'
                    "<h1>Đã xảy ra lỗi</h1><p>Hệ thống đang bảo trì, vui lòng quay lại sau.</p></body></html>")  # fmt: skip
            return h._send(200, {"Content-Type": "application/xml; charset=utf-8"}, page.encode())
        story = self._story_at(path)
        if story is not None:
            return h._send(200, html, article_html(story).encode("utf-8"))
        if path.startswith("/chuyen/"):
            return self._hop(h, path)
        h._send(404, html, self._error_page("404 Not Found", "Không tìm thấy trang yêu cầu."))

    def _story_at(self, path: str) -> Story | None:
        for i in (*GOOD_STORIES, 208, 212):  # 208, 212: only reached through redirects
            if STORIES[i].path == path:
                return STORIES[i]
        if path.startswith("/bai/ngay-hoi-doc-sach-") and "huge_feed" in self.faults:
            return STORIES[HUGE_FEED_STORY] if path == STORIES[HUGE_FEED_STORY].path else None
        if path.startswith("/su-kien/lich-cong-tac-ngay-") and "calendar_trap" in self.faults:
            n = path.removeprefix("/su-kien/lich-cong-tac-ngay-").partition("-")[0]
            if n.isdigit() and 1 <= int(n) <= TRAP_MAX_PAGES and path == trap_event_path(int(n)):
                return trap_story(int(n))
        return None

    @staticmethod
    def _error_page(title: str, message: str) -> bytes:
        return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>'
                f"<body><h1>{title}</h1><p>{message}</p></body></html>").encode()  # fmt: skip

    def _listing(self, page: int) -> str:
        good = GOOD_STORIES[:4] if page == 1 else GOOD_STORIES[4:]
        teasers = [_teaser(STORIES[i].path, STORIES[i].title, STORIES[i].published, STORIES[i].sapo) for i in good]
        if page == 1:
            for fault in self.faults.values():
                if fault.kind != "article":
                    continue
                story = STORIES.get(fault.story or 0)
                title = story.title if story else f"Thông báo của Văn phòng ({fault.label})"
                teasers.append(_teaser(fault.path, title, "02/12/2025 08:00", story.sapo if story else title))
        pages = [("1", "/tin-tuc"), ("2", "/tin-tuc?page=2")]
        return listing_html("Thời sự", teasers, pages, trap="calendar_trap" in self.faults)

    def _trap_page(self, h: _Handler, n_text: str) -> None:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if not n_text.isdigit() or not 1 <= int(n_text) <= TRAP_MAX_PAGES:
            return h._send(404, html, self._error_page("404 Not Found", "Không tìm thấy trang yêu cầu."))
        n = int(n_text)
        event = trap_story(n)
        teasers = [_teaser(trap_event_path(n), event.title, event.published, event.sapo)]
        pages = [("« Trước", f"/lich?page={n - 1}")] if n > 1 else []
        pages.append(("Sau »", f"/lich?page={n + 1}"))
        h._send(200, html, listing_html(f"Lịch công tác – trang {n}", teasers, pages, trap=True).encode("utf-8"))

    def _rss(self, ids: Iterable[int], *, padding: int = 0, extra: Iterable[Story] = ()) -> bytes:
        items = []
        for story in [STORIES[i] for i in ids] + list(extra):
            items.append(
                f"<item><title>{escape(story.title)}</title><link>{self.base_url}{story.path}</link>"
                f"<pubDate>{formatdate(_epoch(story.iso_published), usegmt=True)}</pubDate>"
                f"<description>{escape(story.sapo)}</description></item>\n"
            )
        pad = ""
        if padding:
            # Padding as many long item descriptions (the feed of a CMS that puts whole articles in the feed).
            para = escape(" ".join(STORIES[101].paragraphs)) + " "
            block = f"<item><title>Tin cũ</title><description>{para * 40}</description></item>\n"
            pad = block * max(1, padding // len(block.encode()))
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{SITE_TITLE}</title>'
            f"<link>{self.base_url}/</link><description>Tin tức</description>\n{pad}{''.join(items)}</channel></rss>\n"
        )
        return body.encode("utf-8")

    def _huge_feed(self) -> bytes:
        return self._rss((), padding=HUGE_FEED_BYTES, extra=[STORIES[HUGE_FEED_STORY]])

    def _sitemap(self) -> bytes:
        urls = "".join(
            f"<url><loc>{self.base_url}{STORIES[i].path}</loc><lastmod>{STORIES[i].iso_published}</lastmod></url>\n"
            for i in GOOD_STORIES
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}</urlset>\n"
        ).encode()

    def _hop(self, h: _Handler, path: str) -> None:
        if path == "/chuyen/vong-lap-b":
            return h._send(302, {"Location": FAULTS["redirect_loop"].path}, b"")
        if path.startswith("/chuyen/chuoi/"):
            n = path.rpartition("/")[2]
            if n.isdigit() and 1 <= int(n) <= REDIRECT_CHAIN_HOPS:
                target = f"/chuyen/chuoi/{int(n) + 1}" if int(n) < REDIRECT_CHAIN_HOPS else STORIES[212].path
                return h._send(302, {"Location": target}, b"")
        h._send(404, {"Content-Type": "text/html; charset=utf-8"}, self._error_page("404 Not Found", "Không tìm thấy."))

    # -- one method per article fault: _fault_<name>(handler, fault) --

    def _fault_http_404(self, h: _Handler, f: Fault) -> None:
        page = self._error_page("404 Not Found", "Không tìm thấy trang yêu cầu.")
        h._send(404, {"Content-Type": "text/html; charset=utf-8"}, page)

    def _fault_http_410(self, h: _Handler, f: Fault) -> None:
        h._send(410, {"Content-Type": "text/html; charset=utf-8"}, self._error_page("410 Gone", "Bài viết đã bị gỡ bỏ."))

    def _fault_http_429(self, h: _Handler, f: Fault) -> None:
        now = time.monotonic()
        with self._lock:
            first = self._first_429
            if first is None:
                self._first_429 = now
        if first is not None and now - first >= RETRY_AFTER_429 - 0.05:
            return h._send(200, {"Content-Type": "text/html; charset=utf-8"}, article_html(STORIES[207]).encode("utf-8"))
        page = self._error_page("429 Too Many Requests", "Quá nhiều yêu cầu, vui lòng thử lại sau.")
        h._send(429, {"Content-Type": "text/html; charset=utf-8", "Retry-After": str(RETRY_AFTER_429)}, page)

    def _fault_http_500(self, h: _Handler, f: Fault) -> None:
        h._send(500, {"Content-Type": "text/html; charset=utf-8"}, self._error_page("500 Internal Server Error", "Lỗi máy chủ."))

    def _fault_http_503(self, h: _Handler, f: Fault) -> None:
        page = self._error_page("503 Service Unavailable", "Hệ thống đang bảo trì.")
        h._send(503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": str(RETRY_AFTER_503)}, page)

    def _fault_slow_first_byte(self, h: _Handler, f: Fault) -> None:
        if self._wait(self.slow_seconds):
            h._send(200, {"Content-Type": "text/html; charset=utf-8"}, article_html(STORIES[210]).encode("utf-8"))

    def _fault_trickle(self, h: _Handler, f: Fault) -> None:
        body = article_html(STORIES[213]).encode("utf-8")
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.flush()
        started = time.monotonic()
        for i in range(min(TRICKLE_MAX_CHUNKS, len(body) // TRICKLE_CHUNK + 1)):
            if time.monotonic() - started > self.slow_seconds or not self._wait(TRICKLE_INTERVAL):
                return
            h.wfile.write(body[i * TRICKLE_CHUNK : (i + 1) * TRICKLE_CHUNK])
            h.wfile.flush()

    def _fault_hang(self, h: _Handler, f: Fault) -> None:
        self._wait(self.slow_seconds)  # then close without a word

    def _fault_reset(self, h: _Handler, f: Fault) -> None:
        body = article_html(STORIES[214]).encode("utf-8")
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        self._wait(0.2)
        # RST instead of FIN: SO_LINGER on, timeout 0.
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()

    def _fault_truncated(self, h: _Handler, f: Fault) -> None:
        body = article_html(STORIES[214]).encode("utf-8")
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, body[: len(body) * 2 // 3], length=len(body))

    def _fault_redirect_ok(self, h: _Handler, f: Fault) -> None:
        h._send(301, {"Location": STORIES[208].path}, b"")

    def _fault_redirect_loop(self, h: _Handler, f: Fault) -> None:
        h._send(302, {"Location": "/chuyen/vong-lap-b"}, b"")

    def _fault_redirect_chain(self, h: _Handler, f: Fault) -> None:
        h._send(302, {"Location": "/chuyen/chuoi/1"}, b"")

    def _fault_redirect_offsite(self, h: _Handler, f: Fault) -> None:
        h._send(302, {"Location": f"{self.offsite_url}{STORIES[211].path}"}, b"")

    def _fault_redirect_private(self, h: _Handler, f: Fault) -> None:
        h._send(302, {"Location": PRIVATE_TARGET}, b"")

    def _fault_utf8_as_latin1(self, h: _Handler, f: Fault) -> None:
        body = article_html(STORIES[201], charset=None).encode("utf-8")
        h._send(200, {"Content-Type": "text/html; charset=iso-8859-1"}, body)

    def _fault_cp1258_as_utf8(self, h: _Handler, f: Fault) -> None:
        body = encode_text(article_html(STORIES[202], charset=None), "windows-1258")
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, body)

    def _fault_cp1258_undeclared(self, h: _Handler, f: Fault) -> None:
        body = encode_text(article_html(STORIES[203], charset=None), "windows-1258")
        h._send(200, {"Content-Type": "text/html"}, body)

    def _fault_bom_wrong_label(self, h: _Handler, f: Fault) -> None:
        body = b"\xef\xbb\xbf" + article_html(STORIES[204], charset=None).encode("utf-8")
        h._send(200, {"Content-Type": "text/html; charset=windows-1252"}, body)

    def _fault_mojibake(self, h: _Handler, f: Fault) -> None:
        body = article_html(STORIES[205], text=_mojibake).encode("utf-8")
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, body)

    def _fault_nfd(self, h: _Handler, f: Fault) -> None:
        body = unicodedata.normalize("NFD", article_html(STORIES[206])).encode("utf-8")
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, body)

    def _huge_body(self) -> bytes:
        story = STORIES[101]
        filler = "".join(f"<p>{escape(p)}</p>\n" for p in story.paragraphs).encode("utf-8")
        page = article_html(story).encode("utf-8")
        head, _, tail = page.partition(b'<div class="article-body">')
        return head + b'<div class="article-body">' + filler * (HUGE_PAGE_BYTES // len(filler) + 1) + tail

    def _fault_huge_page(self, h: _Handler, f: Fault) -> None:
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, self._cached("huge", self._huge_body))

    def _fault_huge_page_unsized(self, h: _Handler, f: Fault) -> None:
        body = self._cached("huge", self._huge_body)
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.end_headers()
        for start in range(0, len(body), 256 * 1024):  # bounded: len(body) / 256 kB chunks
            if self._stopping.is_set():
                return
            h.wfile.write(body[start : start + 256 * 1024])

    def _fault_gzip_bomb(self, h: _Handler, f: Fault) -> None:
        def build() -> bytes:
            chunk = (b"<p>" + b"A" * 1017 + b"</p>\n") * 1024  # 1 MiB of HTML-ish bytes
            out = gzip.compress(b"", compresslevel=9)[:10]  # the gzip header
            comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
            parts, crc = [out], 0
            for _ in range(GZIP_BOMB_INFLATED // len(chunk)):
                parts.append(comp.compress(chunk))
                crc = zlib.crc32(chunk, crc)
            parts.append(comp.flush())
            parts.append(struct.pack("<II", crc & 0xFFFFFFFF, GZIP_BOMB_INFLATED & 0xFFFFFFFF))
            return b"".join(parts)

        body = self._cached("gzip_bomb", build)
        h._send(200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, body)

    def _fault_pdf(self, h: _Handler, f: Fault) -> None:
        h._send(200, {"Content-Type": "application/pdf"}, PDF_BYTES)

    def _fault_png(self, h: _Handler, f: Fault) -> None:
        h._send(200, {"Content-Type": "image/png"}, _png_bytes())

    def _fault_pdf_as_html(self, h: _Handler, f: Fault) -> None:
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, PDF_BYTES)

    def _fault_empty(self, h: _Handler, f: Fault) -> None:
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, b"")

    def _fault_chrome_only(self, h: _Handler, f: Fault) -> None:
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, chrome_only_html().encode("utf-8"))

    def _fault_long_url(self, h: _Handler, f: Fault) -> None:
        h._send(200, {"Content-Type": "text/html; charset=utf-8"}, article_html(STORIES[209]).encode("utf-8"))


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).astimezone(UTC).timestamp()


def site_toml(base_url: str, faults: dict[str, Fault] | Iterable[str]) -> str:
    """The site file declaring the fault site at ``base_url`` with the chosen faults' feeds and sitemaps."""
    names = set(faults)
    feeds = ["/rss.xml"] + [FAULTS[n].path for n in ("malformed_feed", "huge_feed") if n in names]
    sitemaps = ["/sitemap-index.xml" if "sitemap_loop" in names else "/sitemap.xml"]
    sitemaps += [FAULTS["malformed_sitemap"].path] if "malformed_sitemap" in names else []

    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    return (
        "# The fault bench's hostile site (bench/fault_server.py).\n[[site]]\n"
        f'name = "{SITE_NAME}"\ntitle = "{SITE_TITLE}"\nbase_url = "{base_url}"\n'
        f'feeds = {toml_list(feeds)}\nsitemaps = {toml_list(sitemaps)}\nstart_urls = ["/tin-tuc"]\n'
        "article_url_pattern = '^/(bai|su-kien)/[^/?]+-\\d+\\.html$'\n"
        "listing_url_pattern = '^/(tin-tuc|lich)(\\?page=\\d+)?$'\n"
        f"max_listing_pages = {MAX_LISTING_PAGES}\n"
    )


def main(argv: list[str] | None = None) -> None:
    """Serve the fault site until Ctrl-C and print where."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--timeout", type=float, default=3.0, help="the crawler's download timeout the slow faults beat")
    args = parser.parse_args(argv)
    with FaultServer(download_timeout=args.timeout) as server:
        print(f"site: {server.base_url}/tin-tuc   off-site: {server.offsite_url}/", flush=True)
        for fault in server.faults.values():
            print(f"  {fault.name:<20} {fault.kind:<8} {server.base_url}{fault.path[:80]}", flush=True)
        try:
            for _ in range(10**6):  # bounded: about 11 days
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
