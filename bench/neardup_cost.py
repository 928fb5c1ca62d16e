"""Cost of the near-duplicate check (issue #3): time and memory per document at 1,000, 10,000 and 100,000 documents.

The bar: the per-document time of the duplicate check may not grow more than 2× from the smallest archive to the
largest, and the index persists (signatures live in the database: a fresh process answers its first ``find`` in
seconds without rebuilding anything).

**Corpus.** A synthetic archive of Vietnamese-like provincial news (deterministic: document ``i`` is always the same
text). Words are drawn Zipf-like from a vocabulary that starts with the seed documents' syllables (by frequency) and
goes on with made-up syllables; documents have 300–900 syllables in 4–10 paragraphs, open with one of the lead
templates provincial sites use ("Ngày 21/5/2020, Sở Nội vụ tổ chức hội nghị …"), borrow stock phrases taken from the
seeds ("Đảng bộ tỉnh lần thứ XVII, nhiệm kỳ 2020 – 2025") and often close on a stock paragraph; 1% are recurring
notices (a fixed text with dates filled in, then news), so that LSH sees the accidental collisions real news gives it
(unrelated pairs: mean shingle Jaccard about 0.0018 as in the real stories of ``bench/neardup_eval``; the corpus'
own figures are in the results). About 5% of the documents are edited copies of earlier ones (new headline, a
paragraph dropped or added, words changed, truncated, a dateline); they are stored as members of their story's
cluster. The archive is built in bulk (Core inserts, fingerprints computed with ``NearDuplicateIndex.fingerprint`` in
worker processes) and grown from one size to the next: building is set-up, not what is measured.

**Measured, per backend and size**, in a fresh child process (``--measure``):

- *ready*: from creating the engine (schema check and ``NearDuplicateIndex.ensure`` as the crawler runs them at start)
  to the first answered ``find``; ``ensure`` must sign nothing, so nothing is rebuilt from raw text;
- *probes*: ``--probe`` new documents (half edited copies of random archived documents, half fresh texts) each go
  through the path ``store_extraction`` gives a new document (content hash, ``add_document``, ``fingerprint``,
  ``link``, ``add``) in a transaction that is then rolled back, so the archive stays at its size. Reported: mean,
  median and p95 ms per document (wall clock, and this process's CPU time), the split into storing, fingerprinting
  and the lookup + confirmation (``link``),
  a breakdown of ``find`` (candidate query, signatures, loading and re-shingling the texts confirmed), the
  candidates per probe, copies found in the right cluster and fresh texts linked to anything (should be none);
- *memory*: database bytes per document of the index (``document_signatures`` + ``lsh_keys`` with their indexes;
  SQLite ``dbstat``, PostgreSQL ``pg_total_relation_size``) and the child's RSS growth over the probes and its
  Python heap peak per probe (tracemalloc): the process keeps no index in memory, so neither may grow with the archive.

Results go to ``bench/results/neardup_cost.json``; the table printed ends with the ratio of the per-document time at
the largest size to the smallest (the bar: ≤ 2×). On a shared machine the sizes are measured minutes apart under
different loads: the fresh probes are the same texts at every size, and their fingerprinting time (``reference_ms``,
work that does not depend on the archive) shows how much of a ratio is the machine's drift.

    python bench/neardup_cost.py [--sizes 1000,10000,100000] [--db sqlite|postgres|both] [--probe 300]
                                 [--postgres URL] [--workers 2] [--out FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, create_engine, insert, select, text  # noqa: E402  (after the sys.path fix above)
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from pipeline.dedup.clusters import MAX_CONFIRMED, NearDuplicateIndex  # noqa: E402
from pipeline.dedup.neardup import Fingerprint, band_keys, similarity  # noqa: E402
from pipeline.text import content_hash  # noqa: E402
from storage import repository  # noqa: E402
from storage.db import create_engine_for, normalize_db_url, session_factory  # noqa: E402
from storage.migrate import require_current, upgrade  # noqa: E402
from storage.models import Document, DocumentSignature, LshKey  # noqa: E402

DEFAULT_SIZES = (1_000, 10_000, 100_000)
DEFAULT_PROBES = 300
DEFAULT_OUT = REPO / "bench/results/neardup_cost.json"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SEEDS_DIR = REPO / "newsharvest/seeds"
BAR_RATIO = 2.0  # per-document time at the largest size over the smallest
CORPUS_SEED = 20261123
COPY_SHARE = 0.05  # share of archived documents that are edited copies of earlier ones
VOCABULARY_SIZE = 3000  # seed syllables by frequency, then made-up ones
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 2.7  # Zipf–Mandelbrot: flattens the head a little, as real syllable counts are
# Stock text, calibrated on the real stories of bench/neardup_eval (32 seeds and replica articles, 496 unrelated pairs:
# mean shingle Jaccard 0.0018, the most alike 0.30 for two same-template reports) to a similar mean Jaccard.
PHRASE_RATE = 0.12  # sentences carrying a stock phrase
PHRASE_EXPONENT = 1.0  # Zipf exponent of the stock phrases' popularity
CLOSING_RATE = 0.25  # documents closing on a stock paragraph
NOTICE_RATE = 0.01  # documents that are a recurring notice (a fixed text with dates and names filled in, then news)
FRESH_BASE = 1_000_000_000  # corpus indices of fresh probe texts: far from any archived document
WARMUP = 5  # probes run before timing (first queries, caches)
TRACEMALLOC_PROBES = 10
BATCH = 1000  # documents per build batch
CORPUS_STATS_DOCS = 2000  # documents sampled to describe the corpus (pairwise similarity of unrelated documents)
CORPUS_STATS_PAIRS = 5000
BASE_TIME = datetime(2015, 1, 1, tzinfo=UTC)
BENCH_HOST = "https://bench.invalid"

# --- corpus -----------------------------------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+")
_CLAUSE_SPLIT_RE = re.compile(r"[,.;:!?()“”\"\n]+|\s[-–]\s")

_ONSETS = ("", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t", "th", "tr",
           "v", "x")  # fmt: skip
_RHYMES = ("a", "ai", "am", "an", "ang", "anh", "ao", "at", "ay", "ăn", "ăng", "ăt", "âm", "ân", "âng", "ât", "âu", "ây", "e",
           "em", "en", "eo", "ê", "êm", "ên", "ênh", "êt", "i", "ia", "im", "in", "inh", "it", "iêm", "iên", "iêt", "iêu", "o",
           "oa", "oai", "oan", "oang", "oanh", "oat", "oc", "oi", "om", "on", "ong", "ot", "ô", "ôi", "ôm", "ôn", "ông", "ôt",
           "ơ", "ơi", "ơm", "ơn", "ơt", "u", "ua", "uân", "uât", "ui", "um", "un", "ung", "ut", "uy", "uyên", "ư", "ưa", "ưng",
           "ưc", "ươc", "ươi", "ươn", "ương", "ươt", "ưu")  # fmt: skip
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_VOWELS = "aăâeêioôơuưy"

_ORGS = ("Sở Nội vụ", "UBND tỉnh", "Ban Thường vụ Tỉnh ủy", "Đảng ủy Khối các cơ quan tỉnh", "UBND huyện Cao Lộc",
         "UBND huyện Văn Lãng", "UBND huyện Lộc Bình", "UBND huyện Tràng Định", "UBND huyện Bình Gia", "UBND huyện Bắc Sơn",
         "UBND huyện Hữu Lũng", "UBND huyện Chi Lăng", "UBND huyện Đình Lập", "UBND huyện Văn Quan", "UBND thành phố Lạng Sơn",
         "Hội Nông dân tỉnh", "Tỉnh đoàn", "Sở Giáo dục và Đào tạo", "Sở Y tế", "Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh",
         "Liên đoàn Lao động tỉnh", "Hội Liên hiệp Phụ nữ tỉnh", "Ủy ban MTTQ Việt Nam tỉnh", "Sở Tài chính",
         "Sở Kế hoạch và Đầu tư", "Ban Tuyên giáo Tỉnh ủy", "Sở Văn hóa, Thể thao và Du lịch")  # fmt: skip
_EVENTS = ("hội nghị tổng kết công tác năm {y}", "hội nghị sơ kết công tác 6 tháng đầu năm {y}", "lễ ra quân",
           "hội nghị triển khai nhiệm vụ năm {y}", "lễ trao tặng Huy hiệu Đảng", "hội nghị học tập, quán triệt nghị quyết",
           "lễ kỷ niệm {n} năm ngày thành lập", "buổi làm việc với đoàn công tác của tỉnh", "hội thi tuyên truyền",
           "lớp tập huấn nghiệp vụ", "đại hội điểm", "hội nghị đối thoại với cán bộ, công chức", "lễ khai giảng",
           "hội nghị giao ban công tác quý {q}")  # fmt: skip
_LEADS = ("Ngày {d}/{m}/{y}, {org} tổ chức {event}.",
          "Sáng {d}/{m}, tại hội trường {org}, {org} đã tổ chức {event}.",
          "Chiều {d}/{m}/{y}, {org} phối hợp với {org2} tổ chức {event}.",
          "Thực hiện Kế hoạch số {n}/KH-UBND ngày {d}/{m}/{y} của UBND tỉnh, {org} tổ chức {event}.",
          "Trong {w} ngày, từ ngày {d}/{m} đến ngày {d2}/{m}/{y}, {org} tổ chức {event}.",
          "Vừa qua, {org} đã tổ chức {event}.")  # fmt: skip
_CLOSINGS = ("Phát biểu chỉ đạo tại hội nghị, đồng chí {name}, {role} đề nghị các cơ quan, đơn vị tiếp tục phát huy những kết "
             "quả đạt được, khắc phục những hạn chế, tồn tại, hoàn thành tốt nhiệm vụ được giao.",
             "Dịp này, {org} đã trao giấy khen cho các tập thể và cá nhân có thành tích xuất sắc trong thực hiện nhiệm vụ "
             "năm {y}.",
             "Tại hội nghị, các đại biểu đã thảo luận, đánh giá kết quả đạt được, chỉ ra những tồn tại, hạn chế và đề ra giải "
             "pháp thực hiện trong thời gian tới.",
             "Kết thúc {event}, đồng chí {name}, {role} ghi nhận, biểu dương những kết quả mà {org} đạt được trong thời "
             "gian qua.",
             "Dự hội nghị có đồng chí {name}, {role}; đại diện lãnh đạo các sở, ban, ngành và các huyện, thành phố.")  # fmt: skip
_NOTICES = (
    ("Lịch công tác tuần của Thường trực UBND tỉnh",
     "Lịch công tác tuần của Thường trực UBND tỉnh từ ngày {d}/{m} đến ngày {d2}/{m}/{y}. Thứ Hai: đồng chí {name}, Chủ tịch "
     "UBND tỉnh dự giao ban với Thường trực Tỉnh ủy; chiều làm việc tại trụ sở. Thứ Ba: đồng chí Phó Chủ tịch UBND tỉnh dự "
     "họp Ban Chỉ đạo, kiểm tra công tác tại các huyện. Thứ Tư: Thường trực UBND tỉnh họp xem xét, cho ý kiến các đề án, dự "
     "thảo văn bản trình kỳ họp. Thứ Năm: làm việc với các sở, ban, ngành về tình hình thực hiện nhiệm vụ phát triển kinh tế "
     "- xã hội. Thứ Sáu: tiếp công dân định kỳ tại Trụ sở tiếp công dân tỉnh."),
    ("Thông báo lịch tiếp công dân định kỳ",
     "Thông báo lịch tiếp công dân định kỳ tháng {m} năm {y} của {role}. Căn cứ Luật Tiếp công dân năm 2013 và Nghị định số "
     "64/2014/NĐ-CP ngày 26/6/2014 của Chính phủ quy định chi tiết một số điều của Luật Tiếp công dân. Thời gian: ngày "
     "{d}/{m}/{y}, buổi sáng từ 7 giờ 30 phút, buổi chiều từ 14 giờ. Địa điểm: Trụ sở tiếp công dân tỉnh. Công dân đến trình "
     "bày khiếu nại, tố cáo, kiến nghị, phản ánh phải xuất trình giấy tờ tùy thân, giấy ủy quyền nếu có và các tài liệu "
     "liên quan."),
    ("Thông tin cảnh báo thiên tai",
     "Trung tâm Khí tượng Thủy văn tỉnh cho biết, dự báo trong {w} ngày tới, từ ngày {d}/{m}/{y}, trên địa bàn tỉnh có mưa vừa, "
     "mưa to, cục bộ có nơi mưa rất to kèm theo dông, lốc, sét và mưa đá. Cấp độ rủi ro thiên tai do mưa lớn, lũ quét, sạt lở "
     "đất: cấp 1. Đề nghị các cơ quan, đơn vị và nhân dân chủ động theo dõi thông tin dự báo, cảnh báo, triển khai các biện "
     "pháp phòng, chống thiên tai, bảo đảm an toàn tính mạng và tài sản của Nhà nước và nhân dân."),
    ("Cập nhật tình hình dịch bệnh",
     "Cập nhật tình hình dịch bệnh trên địa bàn tỉnh đến 18 giờ ngày {d}/{m}/{y}: ghi nhận {n} ca mắc mới, trong đó {w} ca "
     "cộng đồng. Số ca đang điều trị {n2}; số ca khỏi bệnh được ra viện {n3}. Ban Chỉ đạo phòng, chống dịch tỉnh khuyến cáo "
     "người dân thực hiện nghiêm thông điệp 5K, tiêm vắc xin đầy đủ, theo dõi sức khỏe và liên hệ ngay với cơ sở y tế gần "
     "nhất khi có biểu hiện sốt, ho, khó thở, mất vị giác hoặc khứu giác."),
)  # fmt: skip
_SURNAMES = ("Nguyễn", "Trần", "Hoàng", "Lương", "Vi", "Hà", "Đoàn", "Lộc", "Nông", "Lăng", "Phạm", "Vũ", "Đinh", "Dương", "Lý")
_MIDDLES = ("Văn", "Thị", "Quốc", "Thanh", "Minh", "Hữu", "Đức", "Thu", "Ngọc", "Xuân")
_GIVEN = ("Hùng", "Lan", "Tùng", "Dung", "Hải", "Hương", "Thắng", "Bình", "Quang", "Linh", "Tuấn", "Hoa", "Cường", "Long", "Thủy")
_ROLES = ("Phó Chủ tịch UBND tỉnh", "Giám đốc Sở Nội vụ", "Bí thư Tỉnh ủy", "Trưởng Ban Tuyên giáo Tỉnh ủy",
          "Chủ tịch UBND huyện", "Phó Bí thư Thường trực Tỉnh ủy", "Bí thư Đảng ủy Khối", "Phó Giám đốc Sở")  # fmt: skip
_TAGS = ("LSO - ", "LSO-", "(LSO) ", "")
_SOURCES = ("Theo baolangson.vn", "Nguồn: Cổng Thông tin điện tử tỉnh", "(Còn nữa)", "Xem thêm tại langson.gov.vn")


@dataclass(frozen=True)
class SyntheticDocument:
    """One document of the synthetic archive; ``root`` is the corpus index of its story's first document, if a copy."""

    index: int
    title: str
    text: str
    root: int | None = None


def _zipf_cumulative(count: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    weights = [1.0 / (rank + ZIPF_OFFSET) ** exponent for rank in range(count)]
    return list(itertools.accumulate(weights))


def _seed_texts() -> list[str]:
    return [unicodedata.normalize("NFC", path.read_text(encoding="utf-8")) for path in sorted(SEEDS_DIR.glob("*.txt"))]


def _made_up_syllables(rng: random.Random) -> list[str]:
    syllables = []
    for onset, rhyme, tone in itertools.product(_ONSETS, _RHYMES, _TONE_MARKS):
        if rhyme[-1] in "ctp" and tone not in ("\u0301", "\u0323"):  # checked syllables take only two tones
            continue
        if tone:
            at = max(i for i, c in enumerate(rhyme) if c in _VOWELS) if rhyme[-1] not in _VOWELS else rhyme.find(rhyme[0])
            rhyme = rhyme[: at + 1] + tone + rhyme[at + 1 :]
        syllables.append(unicodedata.normalize("NFC", onset + rhyme))
    rng.shuffle(syllables)
    return syllables


class Corpus:
    """Deterministic synthetic news: ``document(i)`` is the same text on every call, in every process."""

    def __init__(self, seed: int = CORPUS_SEED, copy_share: float = COPY_SHARE) -> None:
        self.seed = seed
        self.copy_share = copy_share
        rng = random.Random(seed)
        texts = _seed_texts()
        counts = Counter(word.lower() for text in texts for word in _WORD_RE.findall(text))
        vocabulary = [word for word, _ in counts.most_common()]
        known = set(vocabulary)
        vocabulary += [s for s in _made_up_syllables(rng) if s not in known][: max(0, VOCABULARY_SIZE - len(vocabulary))]
        self.vocabulary = vocabulary
        self._word_weights = _zipf_cumulative(len(vocabulary))
        # Stock phrases: clauses of 4–14 words of the seeds, popularity Zipf-like in a fixed random order.
        clauses = (" ".join(clause.split()) for text in texts for clause in _CLAUSE_SPLIT_RE.split(text))
        phrases = sorted({c for c in clauses if 4 <= len(c.split()) <= 14})
        rng.shuffle(phrases)
        self.phrases = phrases
        self._phrase_weights = _zipf_cumulative(len(phrases), PHRASE_EXPONENT)

    # Words and sentences.

    def _words(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.vocabulary, cum_weights=self._word_weights, k=count)

    def _phrase(self, rng: random.Random) -> str:
        return rng.choices(self.phrases, cum_weights=self._phrase_weights, k=1)[0]

    def _sentence(self, rng: random.Random) -> str:
        words = self._words(rng, rng.randint(8, 26))
        if rng.random() < PHRASE_RATE:
            at = rng.randrange(len(words))
            words[at:at] = [self._phrase(rng)]
        if len(words) > 12 and rng.random() < 0.5:
            at = rng.randrange(4, len(words) - 3)
            words[at] += ","
        sentence = " ".join(words)
        return sentence[0].upper() + sentence[1:] + "."

    def _slots(self, rng: random.Random) -> dict[str, Any]:
        day = rng.randint(1, 27)
        return {
            "d": day, "d2": day + rng.randint(1, 3), "m": rng.randint(1, 12), "y": rng.randint(2015, 2025),
            "n": rng.randint(2, 99), "n2": rng.randint(10, 999), "n3": rng.randint(10, 9999),
            "q": rng.choice(("I", "II", "III", "IV")), "w": rng.randint(2, 5), "org": rng.choice(_ORGS),
            "org2": rng.choice(_ORGS),
            "event": rng.choice(_EVENTS).format(
                y=rng.randint(2015, 2025), n=rng.randint(5, 75), q=rng.choice(("I", "II", "III"))
            ),
            "name": f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLES)} {rng.choice(_GIVEN)}", "role": rng.choice(_ROLES),
        }  # fmt: skip

    def _title(self, rng: random.Random) -> str:
        words = self._words(rng, rng.randint(8, 16))
        if rng.random() < 0.4:
            words.insert(rng.randrange(len(words)), self._phrase(rng))
        title = " ".join(words)
        return title[0].upper() + title[1:]

    def _paragraph(self, rng: random.Random, syllables: int, opening: str = "") -> str:
        # ``opening``, then sentences of ``syllables`` words in all (the last one cut short).
        sentences = [opening] if opening else []
        left = syllables
        while left > 0:
            words = self._sentence(rng).split()
            if len(words) > left:
                words = words[:left]
                words[-1] = words[-1].rstrip(",") + "."
            sentences.append(" ".join(words))
            left -= len(words)
        return " ".join(sentences)

    def _notice(self, rng: random.Random) -> tuple[str, str]:
        # A recurring notice: about 100 fixed syllables, then 150–350 of news. Two of a kind share a quarter of their
        # shingles: LSH candidates of each other most of the time, never confirmed (Jaccard < 0.5, containment < 0.7).
        title, fixed = rng.choice(_NOTICES)
        total = rng.randint(150, 350)
        lines = [fixed.format(**self._slots(rng))]
        while total > 0:
            size = min(total, rng.randint(40, 120))
            lines.append(self._paragraph(rng, size))
            total -= size
        return f"{title} {' '.join(self._words(rng, 4))}", "\n".join(lines)

    def _fresh(self, rng: random.Random) -> tuple[str, str]:
        if rng.random() < NOTICE_RATE:
            return self._notice(rng)
        total = rng.randint(300, 900)  # syllables, lead and closing included
        paragraphs = rng.randint(4, 10)
        lead = rng.choice(_TAGS) + rng.choice(_LEADS).format(**self._slots(rng))
        closing = rng.choice(_CLOSINGS).format(**self._slots(rng)) if rng.random() < CLOSING_RATE else ""
        body = total - len(lead.split()) - len(closing.split())
        weights = [rng.uniform(0.4, 1.6) for _ in range(paragraphs - (1 if closing else 0))]
        sizes = [max(8, round(body * w / sum(weights))) for w in weights[:-1]]
        sizes.append(body - sum(sizes))
        lines = [self._paragraph(rng, size, lead if i == 0 else "") for i, size in enumerate(sizes)]
        if closing:
            lines.append(closing)
        return self._title(rng), "\n".join(lines)

    # Documents.

    def _rng(self, *parts: int | str) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def document(self, index: int) -> SyntheticDocument:
        """Archived document ``index``: a fresh story, or (``copy_share`` of them) an edited copy of an earlier one."""
        rng = self._rng("doc", index)
        if index > 0 and rng.random() < self.copy_share:
            # Copies follow their story closely in time (a few hundred documents later), sometimes much later.
            back = int(rng.expovariate(1 / 300)) + 1 if rng.random() < 0.8 else rng.randint(1, index)
            source = self.document(max(0, index - back))
            title, body = self.edited_copy(source.title, source.text, rng)
            return SyntheticDocument(index, title, body, source.root if source.root is not None else source.index)
        title, body = self._fresh(rng)
        return SyntheticDocument(index, title, body)

    def fresh(self, index: int) -> SyntheticDocument:
        """A fresh story never archived (probes use indices from ``FRESH_BASE``)."""
        title, body = self._fresh(self._rng("fresh", index))
        return SyntheticDocument(index, title, body)

    def edited_copy(self, title: str, body: str, rng: random.Random) -> tuple[str, str]:
        """The story as another site or a later edition carries it: one to three edits of the kinds newsrooms make."""
        lines = body.split("\n")
        for edit in rng.sample(("headline", "drop", "add", "words", "truncate", "dateline", "source"), rng.randint(1, 3)):
            if edit == "headline":
                title = self._title(rng)
            elif edit == "drop" and len(lines) >= 5:
                del lines[rng.randrange(1, len(lines))]
            elif edit == "add":
                lines.insert(rng.randint(1, len(lines)), self._paragraph(rng, rng.randint(20, 60)))
            elif edit == "words":
                words = [line.split(" ") for line in lines]
                for _ in range(max(1, sum(map(len, words)) // 50)):
                    line = rng.randrange(len(words))
                    words[line][rng.randrange(len(words[line]))] = self._words(rng, 1)[0]
                lines = [" ".join(line) for line in words]
            elif edit == "truncate" and len(lines) >= 4:
                lines = [*lines[: max(3, round(len(lines) * rng.uniform(0.7, 0.9)))], "(Còn nữa)"]
            elif edit == "dateline":
                lines[0] = rng.choice(_TAGS[:3]) + lines[0].removeprefix("LSO - ").removeprefix("LSO-").removeprefix("(LSO) ")
            elif edit == "source":
                lines.append(rng.choice(_SOURCES))
        return title, "\n".join(lines)


# --- building the archive ---------------------------------------------------------------------------------------------


@dataclass
class Batch:
    """Rows for one range of archived documents: documents, their signatures and their LSH keys."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    keys: list[dict[str, int]] = field(default_factory=list)


def document_id(index: int) -> int:
    """The database id of archived document ``index`` (ids are given explicitly in bulk)."""
    return index + 1


def build_batch(corpus: Corpus, start: int, stop: int, index: NearDuplicateIndex | None = None) -> Batch:
    """Documents ``start`` to ``stop - 1`` as rows, fingerprinted as ``NearDuplicateIndex.add`` would store them."""
    index = index or NearDuplicateIndex()
    batch = Batch()
    for i in range(start, stop):
        doc = corpus.document(i)
        fp = index.fingerprint(doc.text)
        moment = BASE_TIME + timedelta(minutes=30 * i)
        score = None
        if doc.root is not None:
            score = similarity(fp.shingles, index.fingerprint(corpus.document(doc.root).text).shingles).score
        batch.documents.append({
            "id": document_id(i), "site_id": None, "origin": "crawl", "origin_ref": f"{BENCH_HOST}/{i}", "title": doc.title,
            "text": doc.text, "published_at": moment, "published_utc_offset": 420, "date_source": "bench", "authors": [],
            "lang": "vi", "content_hash": content_hash(doc.text), "first_seen_at": moment, "updated_at": moment,
            "duplicate_of": None if doc.root is None else document_id(doc.root), "duplicate_score": score,
        })  # fmt: skip
        batch.signatures.append({
            "document_id": document_id(i), "scheme": index.params.scheme, "layout": index.params.layout,
            "shingle_count": len(fp.shingles), "minhash": fp.signature_bytes(), "created_at": moment,
        })  # fmt: skip
        keys = band_keys(fp.signature, index.bands, index.rows) if fp.shingles else []
        batch.keys.extend({"key": key, "document_id": document_id(i)} for key in dict.fromkeys(keys))
    return batch


_WORKER_CORPUS: Corpus | None = None


def _worker_batch(bounds: tuple[int, int, int]) -> Batch:
    global _WORKER_CORPUS
    seed, start, stop = bounds
    if _WORKER_CORPUS is None or _WORKER_CORPUS.seed != seed:
        _WORKER_CORPUS = Corpus(seed)
    return build_batch(_WORKER_CORPUS, start, stop)


def batches(corpus: Corpus, start: int, stop: int, workers: int) -> Iterator[Batch]:
    """The rows of documents ``start`` to ``stop - 1``, in order, computed by ``workers`` processes (fork) when > 1."""
    bounds = [(corpus.seed, a, min(a + BATCH, stop)) for a in range(start, stop, BATCH)]
    if workers <= 1 or len(bounds) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for _, a, b in bounds:
            yield build_batch(corpus, a, b)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_worker_batch, bounds)


class Archive:
    """A benchmark archive on one backend: created empty with the schema, grown in bulk, dropped at the end."""

    def __init__(self, backend: str, url: str, admin_url: str | None = None) -> None:
        self.backend = backend
        self.url = url
        self.admin_url = admin_url  # PostgreSQL: the server database the archive's database was created from
        self.engine: Engine = create_engine_for(url)
        self.size = 0
        upgrade(self.engine)

    @classmethod
    def sqlite(cls, folder: Path) -> Archive:
        """A new SQLite archive file in ``folder``."""
        path = folder / f"neardup_cost_{uuid.uuid4().hex[:8]}.db"
        return cls("sqlite", f"sqlite:///{path}")

    @classmethod
    def postgres(cls, server_url: str) -> Archive:
        """A new database on the PostgreSQL server of ``server_url``."""
        admin_url = normalize_db_url(server_url)
        name = f"nh_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return cls("postgres", make_url(admin_url).set(database=name).render_as_string(hide_password=False), admin_url)

    def insert(self, batch: Batch) -> None:
        """Bulk-insert one batch (Core executemany) in one transaction."""
        with self.engine.begin() as conn:
            conn.execute(insert(Document.__table__), batch.documents)
            conn.execute(insert(DocumentSignature.__table__), batch.signatures)
            if batch.keys:
                conn.execute(insert(LshKey.__table__), batch.keys)
        self.size = max(self.size, max(row["id"] for row in batch.documents))

    def settle(self) -> None:
        """After growing: PostgreSQL's id sequence past the ids given, and the statistics and visibility map autovacuum
        keeps on a live archive; SQLite's WAL checkpointed into the file."""
        if self.backend == "postgres":
            with self.engine.begin() as conn:
                conn.execute(text("SELECT setval(pg_get_serial_sequence('documents', 'id'), (SELECT max(id) FROM documents))"))
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE documents, document_signatures, lsh_keys"))
        else:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def table_bytes(self) -> dict[str, int]:
        """Bytes on disk per table, indexes included: the index's two tables and, for scale, ``documents``."""
        tables = {"document_signatures": ("document_signatures",), "lsh_keys": ("lsh_keys", "ix_lsh_keys_document_id"),
                  "documents": ("documents",)}  # fmt: skip
        with self.engine.connect() as conn:
            if self.backend == "postgres":
                return {t: int(conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": t}).scalar_one()) for t in tables}
            indexes = defaultdict(list)
            for name, table in conn.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"):
                indexes[table].append(name)
            result = {}
            for table, own in tables.items():
                names = set(own) | set(indexes[table])
                result[table] = sum(
                    int(conn.exec_driver_sql("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ? AND aggregate = TRUE",
                                             (name,)).scalar_one())
                    for name in names
                )  # fmt: skip
            return result

    def query_plan(self, keys: Sequence[int]) -> list[str]:
        """The plan of the candidate query ``documents_sharing_keys`` runs, for one probe's keys."""
        query = select(LshKey.document_id).where(LshKey.key.in_(list(keys))).distinct()
        with self.engine.connect() as conn:
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            if self.backend == "postgres":
                rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {compiled}")
                return [row[0] for row in rows]
            return [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]

    def server_version(self) -> str:
        """The database engine's version."""
        with self.engine.connect() as conn:
            if self.backend == "postgres":
                return str(conn.execute(text("SHOW server_version")).scalar_one())
            return str(conn.exec_driver_sql("SELECT sqlite_version()").scalar_one())

    def drop(self) -> None:
        """Remove the archive (file or database)."""
        self.engine.dispose()
        if self.backend == "postgres":
            assert self.admin_url is not None
            admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(self.url).database}" WITH (FORCE)'))
            finally:
                admin.dispose()
        else:
            database = make_url(self.url).database
            assert database is not None
            for suffix in ("", "-wal", "-shm"):
                Path(database + suffix).unlink(missing_ok=True)


def grow(archives: Sequence[Archive], corpus: Corpus, size: int, workers: int = 2) -> float:
    """Grow every archive (all at the same size) to ``size`` documents; returns the seconds it took."""
    start = min(a.size for a in archives)
    assert all(a.size == start for a in archives), "archives grow together"
    began = time.perf_counter()
    for batch in batches(corpus, start, size, workers):
        for archive in archives:
            archive.insert(batch)
    for archive in archives:
        archive.settle()
        archive.size = size
    return time.perf_counter() - began


def corpus_stats(corpus: Corpus, documents: int = CORPUS_STATS_DOCS, pairs: int = CORPUS_STATS_PAIRS) -> dict[str, Any]:
    """How alike unrelated documents of the corpus are (exact shingle Jaccard) and how often LSH pairs them anyway."""
    index = NearDuplicateIndex()
    docs = [corpus.document(i) for i in range(documents)]
    fps = [index.fingerprint(d.text) for d in docs]
    fresh = [i for i, d in enumerate(docs) if d.root is None]
    rng = random.Random(corpus.seed)
    jaccards = [similarity(fps[a].shingles, fps[b].shingles).jaccard for a, b in (rng.sample(fresh, 2) for _ in range(pairs))]
    owners: dict[int, list[int]] = defaultdict(list)
    for i in fresh:
        for key in set(band_keys(fps[i].signature, index.bands, index.rows)):
            owners[key].append(i)
    colliding = {pair for ids in owners.values() for pair in itertools.combinations(ids, 2)}
    all_pairs = len(fresh) * (len(fresh) - 1) // 2
    return {
        "documents": documents,
        "syllables_mean": round(statistics.mean(len(d.text.split()) for d in docs), 1),
        "paragraphs_mean": round(statistics.mean(d.text.count("\n") + 1 for d in docs), 2),
        "copies_share": round(1 - len(fresh) / documents, 4),
        "vocabulary": len(corpus.vocabulary),
        "stock_phrases": len(corpus.phrases),
        "unrelated_pairs_sampled": pairs,
        "unrelated_jaccard_mean": round(statistics.mean(jaccards), 5),
        "unrelated_jaccard_max": round(max(jaccards), 4),
        "unrelated_sharing_a_shingle": round(sum(j > 0 for j in jaccards) / len(jaccards), 4),
        "lsh_candidates_per_10k_unrelated": round(len(colliding) / all_pairs * 10_000, 3),
    }


# --- measuring (child process) -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """A new document to check: an edited copy of an archived one (``expected_root``: its cluster) or a fresh text."""

    kind: str  # copy | fresh
    title: str
    text: str
    expected_root: int | None


def make_probes(corpus: Corpus, size: int, count: int) -> list[Probe]:
    """``count`` probes against an archive of ``size`` documents: half edited copies of random ones, half fresh texts."""
    rng = random.Random(f"{corpus.seed}:probes:{size}")
    probes = []
    for k in range(count):
        if k % 2 == 0:
            source = corpus.document(rng.randrange(size))
            title, body = corpus.edited_copy(source.title, source.text, rng)
            root = source.root if source.root is not None else source.index
            probes.append(Probe("copy", title, body, document_id(root)))
        else:
            fresh = corpus.fresh(FRESH_BASE + k)  # the same fresh texts at every size
            probes.append(Probe("fresh", fresh.title, fresh.text, None))
    return probes


def _rss_kb() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _ms(ns: int) -> float:
    return ns / 1e6


def diagnose_find(session: Session, index: NearDuplicateIndex, fp: Fingerprint, exclude: int) -> dict[str, Any]:
    """``NearDuplicateIndex.find`` step by step with a clock on each step (it mirrors ``find``; measured apart from the
    timed path): the candidate query, the signatures and ranking, loading the chosen texts, re-shingling and comparing."""
    t0 = time.perf_counter_ns()
    candidates = repository.documents_sharing_keys(session, band_keys(fp.signature, index.bands, index.rows), exclude)
    t1 = time.perf_counter_ns()
    signatures = repository.signatures_of(session, candidates)
    estimates = {sig.document_id: index._estimated_score(fp, sig) for sig in signatures.values()}
    chosen = sorted(estimates, key=lambda doc_id: (-estimates[doc_id], doc_id))[:MAX_CONFIRMED]
    t2 = time.perf_counter_ns()
    texts = {doc.id: doc.text for doc in session.scalars(select(Document).where(Document.id.in_(chosen)))} if chosen else {}
    t3 = time.perf_counter_ns()
    scores = {doc_id: similarity(fp.shingles, index._shingles(texts[doc_id])) for doc_id in chosen}
    t4 = time.perf_counter_ns()
    confirmed = [doc_id for doc_id, sim in scores.items() if sim.confirms(index.params)]
    return {
        "candidates": len(candidates), "confirmed_on_text": len(chosen), "rejected_on_text": len(chosen) - len(confirmed),
        "candidate_query_ms": _ms(t1 - t0), "signatures_ms": _ms(t2 - t1), "text_load_ms": _ms(t3 - t2),
        "reshingle_ms": _ms(t4 - t3),
        "best_estimate_confirmed": max((estimates[d] for d in confirmed), default=None),
        "best_estimate_rejected": max((estimates[d] for d in chosen if d not in confirmed), default=None),
    }  # fmt: skip


def run_probe(
    sessions: sessionmaker[Session], index: NearDuplicateIndex, probe: Probe, ref: str, diagnose: bool = True
) -> dict[str, Any]:
    """One new document through the path of ``store_extraction`` (timed), then ``diagnose_find``; rolled back."""
    seen = datetime.now(UTC)
    with sessions() as session:
        cpu = time.process_time_ns()
        t0 = time.perf_counter_ns()
        digest = content_hash(probe.text)
        document = repository.add_document(
            session, site_id=None, origin="crawl", origin_ref=ref, title=probe.title, text=probe.text, published_at=seen,
            published_utc_offset=420, date_source="bench", authors=[], lang="vi", content_hash=digest, first_seen_at=seen,
        )  # fmt: skip
        t1 = time.perf_counter_ns()
        fp = index.fingerprint(probe.text)
        t2 = time.perf_counter_ns()
        found = index.link(session, document, fp)
        t3 = time.perf_counter_ns()
        index.add(session, document.id, fp)
        t4 = time.perf_counter_ns()
        cpu = time.process_time_ns() - cpu
        result: dict[str, Any] = {
            "kind": probe.kind, "total_ms": _ms(t4 - t0), "cpu_ms": _ms(cpu), "store_ms": _ms(t1 - t0 + t4 - t3),
            "fingerprint_ms": _ms(t2 - t1), "link_ms": _ms(t3 - t2), "index_add_ms": _ms(t4 - t3), "document_ms": _ms(t1 - t0),
            "linked_root": None if found is None else found.root_id, "expected_root": probe.expected_root,
        }  # fmt: skip
        if diagnose:
            result.update(diagnose_find(session, index, fp, exclude=document.id))
        session.rollback()
    return result


_SLOW_KEYS = ("kind", "total_ms", "link_ms", "candidates", "confirmed_on_text", "signatures_ms", "reshingle_ms")


def _summary(values: Sequence[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=float)
    return {"mean": round(float(array.mean()), 3), "median": round(float(np.median(array)), 3),
            "p95": round(float(np.percentile(array, 95)), 3), "max": round(float(array.max()), 3)}  # fmt: skip


def measure_ready(url: str, query: str) -> tuple[dict[str, Any], sessionmaker[Session], NearDuplicateIndex]:
    """From creating the engine to the first answered ``find``, as a process starting on the archive goes through it."""
    t0 = time.perf_counter()
    engine = create_engine_for(url)
    require_current(engine)
    sessions = session_factory(engine)
    index = NearDuplicateIndex()
    t1 = time.perf_counter()
    report = index.ensure(sessions)
    t2 = time.perf_counter()
    with sessions() as session:
        found = index.find(session, index.fingerprint(query))
    t3 = time.perf_counter()
    ready = {
        "seconds": round(t3 - t0, 4), "engine_and_schema_s": round(t1 - t0, 4), "ensure_s": round(t2 - t1, 4),
        "first_find_s": round(t3 - t2, 4), "ensure_signed": report.signed, "ensure_rekeyed": report.rekeyed,
        "first_find_matched": found is not None,
    }  # fmt: skip
    return ready, sessions, index


def measure(url: str, size: int, probes: int, seed: int = CORPUS_SEED) -> dict[str, Any]:
    """Everything measured in one process on an archive of ``size`` documents (run in a fresh child by ``run``)."""
    corpus = Corpus(seed)
    planned = make_probes(corpus, size, probes + WARMUP)
    source = corpus.document(size // 2)
    query = corpus.edited_copy(source.title, source.text, random.Random(seed))[1]
    rss_start = _rss_kb()
    ready, sessions, index = measure_ready(url, query)
    for k, probe in enumerate(planned[:WARMUP]):
        run_probe(sessions, index, probe, f"{BENCH_HOST}/warmup/{k}")
    rss_before = _rss_kb()
    rss_max = rss_before
    results = []
    for k, probe in enumerate(planned[WARMUP:]):
        results.append(run_probe(sessions, index, probe, f"{BENCH_HOST}/probe/{k}"))
        rss_max = max(rss_max, _rss_kb())
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_after = _rss_kb()
    heap_peaks = []
    tracemalloc.start()
    for k, probe in enumerate(planned[WARMUP : WARMUP + TRACEMALLOC_PROBES]):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run_probe(sessions, index, probe, f"{BENCH_HOST}/traced/{k}", diagnose=False)
        heap_peaks.append(tracemalloc.get_traced_memory()[1] - before)
    tracemalloc.stop()
    sessions.kw["bind"].dispose()

    copies = [r for r in results if r["kind"] == "copy"]
    fresh = [r for r in results if r["kind"] == "fresh"]
    estimates_true = [r["best_estimate_confirmed"] for r in results if r["best_estimate_confirmed"] is not None]
    estimates_false = [r["best_estimate_rejected"] for r in results if r["best_estimate_rejected"] is not None]
    return {
        "size": size,
        "probes": len(results),
        "warmup": WARMUP,
        "ready": ready,
        "time_ms": _summary([r["total_ms"] for r in results]),
        "cpu_ms": _summary([r["cpu_ms"] for r in results]),
        # The same fresh texts at every size, fingerprinted: work that does not depend on the archive, so its drift
        # between sizes is the machine's (other processes on shared cores), not the index's.
        "reference_ms": round(statistics.mean(r["fingerprint_ms"] for r in fresh), 3),
        "split_ms": {
            part: _summary([r[f"{part}_ms"] for r in results]) for part in ("store", "fingerprint", "link", "index_add")
        },
        "find_breakdown_ms": {
            part: round(statistics.mean(r[f"{part}_ms"] for r in results), 3)
            for part in ("candidate_query", "signatures", "text_load", "reshingle")
        },
        "candidates": _summary([r["candidates"] for r in results]),
        "confirmed_on_text": _summary([r["confirmed_on_text"] for r in results]),
        "rejected_on_text": _summary([r["rejected_on_text"] for r in results]),
        "slowest": [
            {key: round(r[key], 2) if isinstance(r[key], float) else r[key] for key in _SLOW_KEYS}
            for r in sorted(results, key=lambda r: -r["total_ms"])[:5]
        ],
        "estimates": {
            "lowest_of_confirmed": round(min(estimates_true), 4) if estimates_true else None,
            "highest_of_rejected": round(max(estimates_false), 4) if estimates_false else None,
            "rejected_above_0.3": sum(e >= 0.3 for e in estimates_false),
        },
        "recall": {
            "copies": len(copies),
            "found_in_cluster": sum(r["linked_root"] == r["expected_root"] for r in copies),
            "linked_elsewhere": sum(r["linked_root"] not in (None, r["expected_root"]) for r in copies),
        },
        "fresh": {"probes": len(fresh), "falsely_linked": sum(r["linked_root"] is not None for r in fresh)},
        "process_memory": {
            "rss_start_kb": rss_start,
            "rss_before_probes_kb": rss_before,
            "rss_growth_max_kb": rss_max - rss_before,
            "rss_growth_end_kb": rss_after - rss_before,
            "ru_maxrss_kb": peak_after,
            "heap_peak_per_probe_kb": round(max(heap_peaks) / 1024, 1) if heap_peaks else None,
        },
    }


def measure_in_child(url: str, size: int, probes: int, seed: int) -> dict[str, Any]:
    """``measure`` in a fresh Python process: a restart, as far as the archive is concerned."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", url, "--size", str(size), "--probe", str(probes),
               "--seed", str(seed)]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measuring child failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["child_wall_s"] = round(time.perf_counter() - began, 2)
    return result


# --- the run --------------------------------------------------------------------------------------------------------------


def _ratio(rows: Sequence[dict[str, Any]], path: Sequence[str]) -> float | None:
    def value(row: dict[str, Any]) -> float:
        for key in path:
            row = row[key]
        return float(row)  # type: ignore[arg-type]

    smallest, largest = rows[0], rows[-1]
    return round(value(largest) / value(smallest), 3) if value(smallest) else None


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Largest over smallest size: per-document time (mean, median, p95), its parts, candidates; and the bar."""
    ratios = {
        "time_mean": _ratio(rows, ("time_ms", "mean")),
        "time_median": _ratio(rows, ("time_ms", "median")),
        "time_p95": _ratio(rows, ("time_ms", "p95")),
        "cpu_mean": _ratio(rows, ("cpu_ms", "mean")),
        "reference": _ratio(rows, ("reference_ms",)),
        "fingerprint_mean": _ratio(rows, ("split_ms", "fingerprint", "mean")),
        "link_mean": _ratio(rows, ("split_ms", "link", "mean")),
        "store_mean": _ratio(rows, ("split_ms", "store", "mean")),
        "candidates_mean": _ratio(rows, ("candidates", "mean")),
        "index_bytes_per_document": _ratio(rows, ("database", "index_bytes_per_document")),
        "heap_peak_per_probe": _ratio(rows, ("process_memory", "heap_peak_per_probe_kb")),
    }
    mean = ratios["time_mean"]
    if mean is not None and ratios["reference"]:
        ratios["time_mean_over_reference"] = round(mean / ratios["reference"], 3)
    return {
        "from_size": rows[0]["size"], "to_size": rows[-1]["size"], "ratios": ratios, "bar": BAR_RATIO,
        "bar_met": mean is not None and mean <= BAR_RATIO and (ratios["time_median"] or 0) <= BAR_RATIO,
        "copies_found": sum(r["recall"]["found_in_cluster"] for r in rows), "copies": sum(r["recall"]["copies"] for r in rows),
        "fresh_falsely_linked": sum(r["fresh"]["falsely_linked"] for r in rows),
        "ready_max_s": max(r["ready"]["seconds"] for r in rows),
        "nothing_rebuilt": all(r["ready"]["ensure_signed"] == 0 and r["ready"]["ensure_rekeyed"] == 0 for r in rows),
    }  # fmt: skip


def measure_archive(archive: Archive, corpus: Corpus, probes: int, build_s: float) -> dict[str, Any]:
    """The database side (table sizes, the candidate query's plan) and the child's measurements, for one archive."""
    sizes = archive.table_bytes()
    index_bytes = sizes["document_signatures"] + sizes["lsh_keys"]
    probe = make_probes(corpus, archive.size, 1)[0]
    index = NearDuplicateIndex()
    fp = index.fingerprint(probe.text)
    row = measure_in_child(archive.url, archive.size, probes, corpus.seed)
    row["build_s"] = round(build_s, 1)
    row["database"] = {
        "table_bytes": sizes,
        "index_bytes_per_document": round(index_bytes / archive.size, 1),
        "signature_bytes_per_document": round(sizes["document_signatures"] / archive.size, 1),
        "lsh_key_bytes_per_document": round(sizes["lsh_keys"] / archive.size, 1),
        "document_bytes_per_document": round(sizes["documents"] / archive.size, 1),
    }
    row["candidate_query_plan"] = archive.query_plan(band_keys(fp.signature, index.bands, index.rows))
    return row


def run(
    sizes: Sequence[int],
    backends: Sequence[str],
    probes: int,
    *,
    workers: int = 2,
    postgres_url: str = DEFAULT_POSTGRES,
    workdir: Path | None = None,
    seed: int = CORPUS_SEED,
    out: Path | None = DEFAULT_OUT,
    log: Any = print,
) -> dict[str, Any]:
    """Build each backend's archive up through ``sizes`` (grown, not rebuilt), measure at every size, write ``out``."""
    sizes = sorted(set(sizes))
    corpus = Corpus(seed)
    began = time.perf_counter()
    result: dict[str, Any] = {
        "issue": "#3 near-duplicate detection: cost per document",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "params": {"layout": NearDuplicateIndex().params.layout, "max_confirmed": MAX_CONFIRMED},
        "settings": {"sizes": sizes, "probes": probes, "warmup": WARMUP, "seed": seed, "copy_share": corpus.copy_share},
        "corpus": corpus_stats(corpus, min(CORPUS_STATS_DOCS, max(sizes))),
        "backends": {},
    }  # fmt: skip
    log(f"corpus: {json.dumps(result['corpus'])}")
    with tempfile.TemporaryDirectory(prefix="neardup_cost_", dir=workdir) as tmp:
        archives: list[Archive] = []
        for backend in backends:
            try:
                archives.append(Archive.sqlite(Path(tmp)) if backend == "sqlite" else Archive.postgres(postgres_url))
            except Exception as exc:  # an unreachable server is reported, not fatal for the other backend
                log(f"{backend}: skipped ({type(exc).__name__}: {exc})")
                result["backends"][backend] = {"skipped": f"{type(exc).__name__}: {exc}"}
        try:
            rows: dict[str, list[dict[str, Any]]] = {a.backend: [] for a in archives}
            for archive in archives:
                result["backends"][archive.backend] = {"version": archive.server_version(), "sizes": rows[archive.backend]}
            for size in sizes:
                build_s = grow(archives, corpus, size, workers) if archives else 0.0
                log(f"built {size} documents in {build_s:.1f} s")
                for archive in archives:
                    row = measure_archive(archive, corpus, probes, build_s)
                    rows[archive.backend].append(row)
                    log(f"  {archive.backend:8} {size:>7}: {row['time_ms']['mean']:.2f} ms/doc mean, "
                        f"{row['candidates']['mean']:.1f} candidates, ready {row['ready']['seconds']:.2f} s")  # fmt: skip
            for archive in archives:
                result["backends"][archive.backend]["summary"] = summarize(rows[archive.backend])
        finally:
            for archive in archives:
                archive.drop()
    result["run_s"] = round(time.perf_counter() - began, 1)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def format_table(result: dict[str, Any]) -> str:
    """The result as two readable tables (time; readiness and memory), one line per backend and size, then the ratios."""
    lines = [
        f"near-duplicate check cost ({result['params']['layout']}, {result['settings']['probes']} probes per size, "
        f"run {result.get('run_s', '?')} s)",
        "",
        "time per new document, ms                                  | candidates/probe     | find, mean ms",
        "backend     docs   mean median    p95    cpu | store    fp  link | mean  p95   max conf | query  sigs  text shingle",
    ]
    for backend, data in result["backends"].items():
        for r in data.get("sizes", []):
            t, s, f, c = r["time_ms"], r["split_ms"], r["find_breakdown_ms"], r["candidates"]
            lines.append(
                f"{backend:8} {r['size']:>7} {t['mean']:6.2f} {t['median']:6.2f} {t['p95']:6.2f} {r['cpu_ms']['mean']:6.2f} | "
                f"{s['store']['mean']:5.2f} {s['fingerprint']['mean']:5.2f} {s['link']['mean']:5.2f} | "
                f"{c['mean']:4.1f} {c['p95']:4.0f} {c['max']:5.0f} {r['confirmed_on_text']['mean']:4.1f} | "
                f"{f['candidate_query']:5.2f} {f['signatures']:5.2f} {f['text_load']:5.2f} {f['reshingle']:7.2f}"
            )  # fmt: skip
    lines += [
        "",
        "readiness and memory      ready, s               | database bytes/document        | process KB   | probes",
        "backend     docs  total  ensure  find  build s  | index   sig  keys  documents   | rss+  heap   | copies found  false",
    ]
    for backend, data in result["backends"].items():
        if "skipped" in data:
            lines.append(f"{backend:8} skipped: {data['skipped']}")
            continue
        for r in data["sizes"]:
            ready, db, mem = r["ready"], r["database"], r["process_memory"]
            lines.append(
                f"{backend:8} {r['size']:>7} {ready['seconds']:6.2f} {ready['ensure_s']:7.3f} {ready['first_find_s']:5.3f} "
                f"{r['build_s']:8.1f}  | {db['index_bytes_per_document']:5.0f} {db['signature_bytes_per_document']:5.0f} "
                f"{db['lsh_key_bytes_per_document']:5.0f} {db['document_bytes_per_document']:10.0f}   | "
                f"{mem['rss_growth_max_kb']:5d} {mem['heap_peak_per_probe_kb']:5.0f}   | "
                f"{r['recall']['found_in_cluster']:4d}/{r['recall']['copies']:<4d}    "
                f"{r['fresh']['falsely_linked']:3d}/{r['fresh']['probes']}"
            )  # fmt: skip
    lines.append("")
    for backend, data in result["backends"].items():
        summary = data.get("summary")
        if summary:
            ratios = summary["ratios"]
            lines.append(
                f"{backend} {summary['to_size']:,} vs {summary['from_size']:,} documents: "
                f"time per document ×{ratios['time_mean']} "
                f"(mean), ×{ratios['time_median']} (median), ×{ratios['time_p95']} (p95), CPU ×{ratios['cpu_mean']}, "
                f"reference work ×{ratios['reference']} (time ÷ reference ×{ratios.get('time_mean_over_reference')}); "
                f"fingerprint ×{ratios['fingerprint_mean']}, link ×{ratios['link_mean']}, store ×{ratios['store_mean']}, "
                f"candidates ×{ratios['candidates_mean']} — bar ≤ {summary['bar']}×: "
                f"{'met' if summary['bar_met'] else 'NOT MET'}; "
                f"ready in ≤ {summary['ready_max_s']} s, nothing rebuilt: {summary['nothing_rebuilt']}"
            )  # fmt: skip
    lines.append(
        "time: wall ms from add_document to index.add (cpu: this process's CPU ms; PostgreSQL's own work is not in it); "
        "store = document row + index rows, fp = fingerprint, link = lookup + confirmation. candidates: documents sharing "
        "a band key; conf: texts loaded and re-shingled to confirm. ready: engine + schema check + ensure + first find in "
        "a fresh process. rss+: RSS growth over the probes; heap: Python heap peak of one probe. reference work: "
        "fingerprinting the same fresh texts at every size, which does not depend on the archive: its ratio is the "
        "machine's drift between sizes (shared cores)."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the benchmark (or, with ``--measure``, be the measuring child)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="archive sizes, comma-separated")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--probe", type=int, default=DEFAULT_PROBES, help="new documents checked per size")
    parser.add_argument("--postgres", default=os.environ.get("NEWSHARVEST_TEST_POSTGRES") or DEFAULT_POSTGRES,
                        help="PostgreSQL server; a database is created there for the run and dropped after")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="processes fingerprinting the synthetic archive")
    parser.add_argument("--workdir", type=Path, default=None, help="folder for the SQLite archive (default: system temp)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=CORPUS_SEED)
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.size, args.probe, args.seed)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    backends = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    result = run(sizes, backends, args.probe, workers=args.workers, postgres_url=args.postgres, workdir=args.workdir,
                 seed=args.seed, out=args.out, log=lambda line: print(line, file=sys.stderr, flush=True))  # fmt: skip
    print(format_table(result))
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
