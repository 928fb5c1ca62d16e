"""Per-field extraction scores on pages with hand-checked truth: title, day, time and offset, authors, body.

Used by ``bench/extraction.py`` for the generic-shape corpus (``tests/fixtures/generic``) and for the authors and
dates of the ScrapingHub benchmark, and by the quality gate in ``tests/pipeline/test_generic_extraction.py``.

Rules, the same for every extractor:

- **title**: equal after NFC and whitespace collapsing.
- **day**: the publication day on the page's own clock equals the truth's (no date when the truth has none).
- **time**: for a truth with a time of day, the same instant *and* the same UTC offset; for a truth that is a day,
  a prediction that claims no time (an extractor that only ever gives days — trafilatura — is right there).
- **authors**: the same names in any order, compared as casefolded word tokens after NFC (``[]`` = ``[]``).
- **body**: shingle F1 as in the ScrapingHub benchmark (``score_page``), averaged over pages.
"""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import trafilatura

from pipeline.extraction.decode import decode_html
from pipeline.sites import Site, parse_sites

__all__ = [
    "GENERIC_ROOT",
    "Prediction",
    "TruthPage",
    "load_generic_corpus",
    "score_fields",
    "summarize_fields",
    "trafilatura_alone",
]

GENERIC_ROOT = Path(__file__).resolve().parents[1] / "tests/fixtures/generic"
SHINGLE = 4
_TOKEN_RE = re.compile(r"\w+")
FIELDS = ("title", "day", "time", "authors", "attribution", "body_f1", "body_precision", "body_recall")


@dataclass(frozen=True)
class TruthPage:
    """One page with its hand-checked truth (``tests/fixtures/generic/README.md``)."""

    set: str  # "dev" or "holdout"
    shape: str
    name: str
    url: str
    html: str
    site: Site
    lang: str
    title: str | None  # None: not annotated (the ScrapingHub benchmark has no titles), not scored
    published: datetime | date | None  # a date: the page gives only a day
    authors: tuple[str, ...]
    attribution: str | None
    body: str
    day: date | None = None  # the day the page's readers see, when it differs from ``published`` on its own clock
    attribution_known: bool = True  # False: not annotated (the ScrapingHub benchmark's truth has none), not scored

    @property
    def id(self) -> str:
        """``set/shape/page``."""
        return f"{self.set}/{self.shape}/{self.name}"


@dataclass(frozen=True)
class Prediction:
    """What one extractor produced for one page; ``precision`` is "day" when it claims no time of day."""

    title: str = ""
    published: datetime | None = None
    precision: str = ""
    authors: tuple[str, ...] = ()
    attribution: str | None = None
    text: str = ""


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").replace("\xa0", " ").split())


def _published(value: str | None) -> datetime | date | None:
    if not value:
        return None
    return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)


def load_generic_corpus(root: Path = GENERIC_ROOT, sets: Sequence[str] = ("dev", "holdout")) -> list[TruthPage]:
    """Every page of the chosen sets, with its shape's site declaration (which must carry no selectors)."""
    pages: list[TruthPage] = []
    for set_name in sets:
        for shape_dir in sorted(p for p in (root / set_name).glob("*") if p.is_dir()):
            site_file = shape_dir / "site.toml"
            if not site_file.is_file():
                raise FileNotFoundError(f"{shape_dir}: a shape needs its site.toml")
            sites = parse_sites(site_file.read_text(encoding="utf-8"), source=str(site_file))
            [site] = sites.values()
            for truth_file in sorted(shape_dir.glob("*.json")):
                truth = json.loads(truth_file.read_text(encoding="utf-8"))
                raw = truth_file.with_suffix(".html").read_bytes()
                pages.append(TruthPage(
                    set=set_name, shape=shape_dir.name, name=truth_file.stem, url=truth["url"],
                    html=decode_html(raw, truth.get("content_type")), site=site, lang=truth.get("lang", "vi"),
                    title=_norm(truth["title"]), published=_published(truth.get("published")),
                    authors=tuple(_norm(a) for a in truth.get("authors", [])), attribution=truth.get("attribution"),
                    body="\n".join(_norm(p) for p in truth["body"]),
                ))  # fmt: skip
    return pages


def load_benchmark_metadata(data: Path, metadata: Path, limit: int | None = None) -> list[TruthPage]:
    """The ScrapingHub benchmark pages with their bodies and the hand-checked authors and dates of ``metadata``."""
    import gzip

    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    meta = json.loads(metadata.read_text(encoding="utf-8"))["pages"]
    generic = Site(name="generic", base_url="https://example.com", lang="en")
    pages = []
    for page_id in sorted(truth)[:limit] if limit else sorted(truth):
        m = meta[page_id]
        published: datetime | date | None = None
        if m.get("published"):
            published = datetime.fromisoformat(m["published"])
        elif m.get("published_day"):
            published = date.fromisoformat(m["published_day"])
        html = gzip.decompress((data / f"html/{page_id}.html.gz").read_bytes()).decode("utf-8", errors="replace")
        pages.append(TruthPage(
            set="benchmark", shape="scrapinghub", name=page_id, url=truth[page_id].get("url", ""), html=html, site=generic,
            lang="en", title=None, published=published, authors=tuple(_norm(a) for a in m.get("authors", [])),
            attribution=None, body=truth[page_id].get("articleBody", ""),
            day=date.fromisoformat(m["published_day"]) if m.get("published_day") else None, attribution_known=False,
        ))  # fmt: skip
    return pages


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1)) if tokens)


def body_scores(truth: str, predicted: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the predicted body's 4-token shingles against the truth's."""
    true_sh, pred_sh = _shingles(truth), _shingles(predicted)
    tp = sum((true_sh & pred_sh).values())
    if not tp:
        return (1.0, 1.0, 1.0) if not true_sh and not pred_sh else (0.0, 0.0, 0.0)
    precision, recall = tp / sum(pred_sh.values()), tp / sum(true_sh.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def _same_authors(truth: Sequence[str], predicted: Sequence[str]) -> bool:
    def key(names: Sequence[str]) -> list[str]:  # case and punctuation aside ("Sarah E. Needleman" = "SARAH E NEEDLEMAN")
        return sorted(" ".join(_TOKEN_RE.findall(_norm(n).casefold())) for n in names)

    return key(truth) == key(predicted)


def score_fields(page: TruthPage, got: Prediction) -> dict[str, float]:
    """Each field's score (1.0 right, 0.0 wrong; body scores in 0..1) for one page."""
    truth = page.published
    if truth is None:
        day_ok = time_ok = got.published is None
    elif isinstance(truth, datetime):
        day_ok = got.published is not None and got.published.date() in (truth.date(), page.day)
        time_ok = (
            got.published is not None
            and got.precision != "day"
            and got.published == truth
            and got.published.utcoffset() == truth.utcoffset()
        )
    else:
        day_ok = got.published is not None and got.published.date() == truth
        time_ok = day_ok and got.precision == "day"
    if isinstance(truth, datetime) and truth.tzinfo is None:  # the page states a time but no offset: the clock counts
        time_ok = got.published is not None and got.precision != "day" and got.published.replace(tzinfo=None) == truth
    precision, recall, f1 = body_scores(page.body, got.text)
    return {
        "title": float(_norm(got.title) == page.title) if page.title is not None else 1.0,
        "day": float(day_ok),
        "time": float(time_ok),
        "authors": float(_same_authors(page.authors, got.authors)),
        "attribution": float(_norm(got.attribution) == _norm(page.attribution)) if page.attribution_known else 1.0,
        "body_f1": f1,
        "body_precision": precision,
        "body_recall": recall,
    }


@dataclass
class FieldSummary:
    """Mean of each field's score over pages, and the pages each field missed."""

    pages: int
    means: dict[str, float]
    misses: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """For ``bench/results/extraction.json``."""
        return {"pages": self.pages, **self.means, "misses": self.misses}


def summarize_fields(pages: Sequence[TruthPage], scores: Sequence[dict[str, float]]) -> FieldSummary:
    """Per-field means, and per field the ids of pages scored wrong (body: F1 below 0.9)."""
    means = {name: statistics.fmean(s[name] for s in scores) for name in FIELDS}
    misses = {
        name: [p.id for p, s in zip(pages, scores, strict=True) if s[name] < (0.9 if name.startswith("body") else 1.0)]
        for name in ("title", "day", "time", "authors", "body_f1")
    }
    return FieldSummary(len(pages), means, misses)


def trafilatura_alone(html: str, url: str) -> Prediction:
    """trafilatura's defaults: ``bare_extraction`` with metadata; its date is a day ("YYYY-MM-DD")."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return Prediction()
    published = None
    raw = getattr(doc, "date", None)
    if raw:
        try:
            published = datetime.fromisoformat(raw)
        except ValueError:
            published = None
    author = getattr(doc, "author", None) or ""
    return Prediction(
        title=getattr(doc, "title", None) or "",
        published=published,
        precision="day",
        authors=tuple(a.strip() for a in author.split(";") if a.strip()),
        text=getattr(doc, "text", None) or "",
    )


def evaluate_fields(
    pages: Sequence[TruthPage], extractor: Callable[[TruthPage], Prediction]
) -> tuple[FieldSummary, list[dict[str, float]]]:
    """Score ``extractor`` on every page."""
    scores = [score_fields(page, extractor(page)) for page in pages]
    return summarize_fields(pages, scores), scores
