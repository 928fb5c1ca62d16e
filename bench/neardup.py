"""Near-duplicate detection quality (issue #3): ``pipeline.dedup.neardup.match`` on the labelled pairs of ``neardup_eval``.

Every pair goes through the archive's own decision (``match``: an LSH candidate by a shared band key, then the exact
shingle confirmation) with the given parameters, default ``NearDupParams()``. Reported: precision, recall and F1 of
"same story", per-kind counts (true/false positives and negatives, with the range of Jaccard and containment seen),
and every misclassified pair.

``--sweep`` measures the alternatives the defaults were chosen from: shingle sizes 1..8 and a grid of LSH threshold,
``min_jaccard``, ``min_containment`` and ``min_shingles``, on the pairs of ``--sets`` evaluation sets (random seeds)
pooled. The sweep computes the same decision with numpy (two signatures share a band key exactly when all rows of
that band agree, up to 64-bit hash collisions).

    python bench/neardup.py [--sweep] [--sets N] [--out FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from bench.neardup_eval import RANDOM_SEED, Pair, build_pairs, kind_counts  # noqa: E402  (after the sys.path fix above)
from pipeline.dedup.neardup import (  # noqa: E402
    Fingerprint,
    NearDupParams,
    fingerprint,
    is_candidate,
    lsh_layout,
    match,
    similarity,
)

DEFAULT_OUT = REPO / "bench/results/neardup.json"
BAR_PRECISION = 0.99
BAR_RECALL = 0.95
# A setting is only as good as its distance to the nearest negative: editing one side of a same-template pair (a stock
# paragraph added to both) moved its Jaccard or containment by up to 0.1 in this set, so a rejected negative should sit
# at least this far under the thresholds.
MIN_HEADROOM = 0.1
# Precision + expected recall closer than this to the best (about 1.5 true pairs of the pooled sweep set) is a tie.
TOLERANCE = 0.001
SWEEP_SETS = 5
SWEPT = ("shingle_size", "lsh_threshold", "min_jaccard", "min_containment", "min_shingles")
SWEEP_SHINGLE_SIZES = tuple(range(1, 9))
SWEEP_LSH_THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
SWEEP_MIN_JACCARD = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SWEEP_MIN_CONTAINMENT = (0.6, 0.7, 0.8, 0.9)
SWEEP_MIN_SHINGLES = (10, 20, 40, 60, 80)


def _kind(pair: Pair) -> str:
    return "combo" if pair.kind.startswith("combo:") else pair.kind


def _rates(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True)
class Decision:
    """What the archive decides for one pair, and the exact similarity behind it."""

    linked: bool
    candidate: bool
    jaccard: float
    containment: float
    smaller: int


def decide(pairs: Sequence[Pair], params: NearDupParams) -> list[Decision]:
    """``match`` on every pair (fingerprints computed once per distinct text)."""
    cache: dict[str, Fingerprint] = {}

    def fp(text: str) -> Fingerprint:
        if text not in cache:
            cache[text] = fingerprint(text, params)
        return cache[text]

    out = []
    for pair in pairs:
        a, b = fp(pair.a), fp(pair.b)
        linked = match(a, b, params) is not None  # the archive's decision itself
        sim = similarity(a.shingles, b.shingles)
        out.append(Decision(linked, is_candidate(a, b, params), sim.jaccard, sim.containment, sim.smaller))
    return out


def evaluate(pairs: Sequence[Pair], params: NearDupParams | None = None) -> dict[str, Any]:
    """Precision, recall, F1, per-kind counts and the misclassified pairs of ``params`` (default ``NearDupParams()``)."""
    params = params or NearDupParams()
    start = time.perf_counter()
    decisions = decide(pairs, params)
    seconds = time.perf_counter() - start
    per_kind: dict[str, dict[str, Any]] = defaultdict(lambda: {"pairs": 0, "tp": 0, "fp": 0, "fn": 0, "tn": 0})
    errors = []
    for pair, d in zip(pairs, decisions, strict=True):
        row = per_kind[_kind(pair)]
        row["pairs"] += 1
        row["label"] = pair.label
        outcome = ("tp" if d.linked else "fn") if pair.label else ("fp" if d.linked else "tn")
        row[outcome] += 1
        for name, value in (("jaccard", d.jaccard), ("containment", d.containment)):
            row[f"{name}_min"] = min(row.get(f"{name}_min", 1.0), value)
            row[f"{name}_max"] = max(row.get(f"{name}_max", 0.0), value)
        if outcome in ("fp", "fn"):
            reason = "not an LSH candidate" if pair.label and not d.candidate else "similarity"
            errors.append({
                "outcome": outcome, "kind": pair.kind, "source": pair.source, "detail": pair.detail,
                "jaccard": round(d.jaccard, 4), "containment": round(d.containment, 4), "smaller": d.smaller,
                "candidate": d.candidate, "reason": reason if outcome == "fn" else "confirmed",
            })  # fmt: skip
    tp, fp, fn, tn = (sum(r[k] for r in per_kind.values()) for k in ("tp", "fp", "fn", "tn"))
    precision, recall, f1 = _rates(tp, fp, fn)
    order = list(kind_counts(pairs))
    return {
        "params": asdict(params), "layout": params.layout, "pairs": len(pairs), "true_pairs": tp + fn,
        "precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "per_kind": {k: per_kind[k] for k in order}, "errors": errors, "seconds": seconds,
    }  # fmt: skip


# --- sweep ----------------------------------------------------------------------------------------------------------


def _pair_arrays(pairs: Sequence[Pair], size: int, num_perm: int) -> dict[str, np.ndarray]:
    """Exact similarities and signature agreement of every pair for one shingle size."""
    params = NearDupParams(shingle_size=size, num_perm=num_perm)
    shingles: dict[str, frozenset[int]] = {}
    signatures: dict[str, np.ndarray] = {}
    for text in {t for p in pairs for t in (p.a, p.b)}:
        fp = fingerprint(text, params)
        shingles[text], signatures[text] = fp.shingles, fp.signature
    sims = [similarity(shingles[p.a], shingles[p.b]) for p in pairs]
    return {
        "jaccard": np.array([s.jaccard for s in sims]),
        "containment": np.array([s.containment for s in sims]),
        "smaller": np.array([s.smaller for s in sims]),
        "agree": np.array([signatures[p.a] == signatures[p.b] for p in pairs]),  # (pairs, num_perm) booleans
    }


def _candidates(agree: np.ndarray, threshold: float) -> np.ndarray:
    """Which pairs share a band: all rows of at least one band agree (what equal band keys mean)."""
    bands, rows = lsh_layout(threshold, agree.shape[1])
    banded = agree[:, : bands * rows].reshape(len(agree), bands, rows)
    candidate: np.ndarray = np.all(banded, axis=2).any(axis=1)
    return candidate


def _score(labels: np.ndarray, linked: np.ndarray) -> dict[str, float]:
    tp = int(np.count_nonzero(linked & labels))
    fp = int(np.count_nonzero(linked & ~labels))
    fn = int(np.count_nonzero(~linked & labels))
    precision, recall, f1 = _rates(tp, fp, fn)
    return {"precision": precision, "recall": recall, "f1": f1, "fp": fp, "fn": fn}


def candidate_probability(jaccard: np.ndarray, threshold: float, num_perm: int = 128) -> np.ndarray:
    """Chance that LSH makes a pair of this Jaccard similarity a candidate: 1 - (1 - J^rows)^bands."""
    bands, rows = lsh_layout(threshold, num_perm)
    return 1.0 - (1.0 - np.asarray(jaccard) ** rows) ** bands


def _headroom(labels: np.ndarray, arrays: dict[str, np.ndarray], confirmed: np.ndarray, setting: dict[str, Any]) -> float:
    """How far the closest correctly rejected negative sits under the confirmation thresholds (Jaccard or containment)."""
    long_enough = arrays["smaller"] >= setting["min_shingles"]
    by_containment = np.where(long_enough, setting["min_containment"] - arrays["containment"], np.inf)
    distance = np.minimum(setting["min_jaccard"] - arrays["jaccard"], by_containment)
    return float(distance[~labels & ~confirmed].min(initial=1.0))


def sweep(pairs: Sequence[Pair], num_perm: int = 128) -> dict[str, Any]:
    """P/R of every setting of the grid, per shingle size; the best setting of each size and the defaults' neighbours.

    Besides the measured decision (one MinHash draw), each setting gets the expected recall over MinHash draws (every
    confirmed true pair weighted by its chance to become an LSH candidate), the expected share of different-story
    pairs that become candidates (the index's cost: each candidate is confirmed on its text) and the headroom (how
    far the nearest rejected negative is from being linked).
    """
    defaults = NearDupParams()
    labels = np.array([p.label for p in pairs])
    different = np.array([p.kind == "different_story" for p in pairs])
    rows: list[dict[str, Any]] = []
    grid = list(itertools.product(SWEEP_LSH_THRESHOLDS, SWEEP_MIN_JACCARD, SWEEP_MIN_CONTAINMENT, SWEEP_MIN_SHINGLES))
    for size in SWEEP_SHINGLE_SIZES:
        arrays = _pair_arrays(pairs, size, num_perm)
        candidates = {t: _candidates(arrays["agree"], t) for t in SWEEP_LSH_THRESHOLDS}
        chance = {t: candidate_probability(arrays["jaccard"], t, num_perm) for t in SWEEP_LSH_THRESHOLDS}
        for threshold, min_j, min_c, min_s in grid:
            confirmed = (arrays["jaccard"] >= min_j) | ((arrays["smaller"] >= min_s) & (arrays["containment"] >= min_c))
            setting = {"shingle_size": size, "lsh_threshold": threshold, "min_jaccard": min_j, "min_containment": min_c,
                       "min_shingles": min_s}  # fmt: skip
            score = _score(labels, candidates[threshold] & confirmed)
            expected_recall = float((chance[threshold] * confirmed)[labels].sum() / labels.sum())
            rows.append({
                **setting, **score, "expected_recall": expected_recall,
                "candidate_rate": float(chance[threshold][different].mean()),
                "headroom": _headroom(labels, arrays, confirmed, setting),
            })  # fmt: skip

    def is_default(row: dict[str, Any], *free: str) -> bool:
        return all(row[k] == getattr(defaults, k) for k in SWEPT if k not in free)

    def best(candidates: list[dict[str, Any]]) -> dict[str, Any]:
        """The setting this sweep recommends among ``candidates`` (one shingle size).

        Settings that meet the bar with ``MIN_HEADROOM`` to spare (at two decimals: the measure is no finer); among
        them those whose precision + expected recall is within ``TOLERANCE`` of the best (closer is a pair or two of
        this set, noise); then the cheapest index (fewest candidates among unrelated stories), the widest headroom,
        and where the set cannot tell settings apart, the current defaults' values.
        """
        eligible = [
            r for r in candidates
            if r["precision"] >= BAR_PRECISION and r["recall"] >= BAR_RECALL and round(r["headroom"], 2) >= MIN_HEADROOM
        ] or candidates  # fmt: skip
        top = max(r["precision"] + r["expected_recall"] for r in eligible)
        near = [r for r in eligible if r["precision"] + r["expected_recall"] >= top - TOLERANCE]
        return max(near, key=lambda r: (-round(r["candidate_rate"] * 1e4, 1), round(r["headroom"], 2),
                                        sum(r[k] == getattr(defaults, k) for k in SWEPT)))  # fmt: skip

    per_size = []
    for size in SWEEP_SHINGLE_SIZES:
        mine = [r for r in rows if r["shingle_size"] == size]
        at_defaults = next(r for r in mine if is_default(r, "shingle_size"))
        meeting = [r for r in mine if r["precision"] >= BAR_PRECISION and r["recall"] >= BAR_RECALL]
        per_size.append({"shingle_size": size, "at_default_thresholds": at_defaults, "best": best(mine),
                         "settings_meeting_bar": len(meeting), "settings": len(mine)})  # fmt: skip
    neighbours = {name: [r for r in rows if is_default(r, name)] for name in SWEPT}
    grid_axes = {"shingle_size": list(SWEEP_SHINGLE_SIZES), "lsh_threshold": list(SWEEP_LSH_THRESHOLDS),
                 "min_jaccard": list(SWEEP_MIN_JACCARD), "min_containment": list(SWEEP_MIN_CONTAINMENT),
                 "min_shingles": list(SWEEP_MIN_SHINGLES)}  # fmt: skip
    return {"grid": grid_axes, "per_shingle_size": per_size, "around_defaults": neighbours}


def pooled_pairs(sets: int) -> list[Pair]:
    """The pairs of ``sets`` evaluation sets (consecutive random seeds), each distinct pair once.

    One set decides a setting's rank by a pair or two; pooling several draws of the edits steadies the comparison.
    """
    seen: set[tuple[str, str, bool]] = set()
    pooled = []
    for pair in itertools.chain.from_iterable(build_pairs(RANDOM_SEED + k) for k in range(sets)):
        key = (pair.a, pair.b, pair.label)
        if key not in seen:
            seen.add(key)
            pooled.append(pair)
    return pooled


# --- report ---------------------------------------------------------------------------------------------------------


def _print_evaluation(result: dict[str, Any]) -> None:
    p = result["params"]
    print(f"NearDupParams({', '.join(f'{k}={v}' for k, v in p.items())})  layout {result['layout']}")
    print(f"{result['pairs']} pairs ({result['true_pairs']} true): precision {result['precision']:.4f}  "
          f"recall {result['recall']:.4f}  F1 {result['f1']:.4f}  ({result['seconds']:.1f} s)")  # fmt: skip
    print(f"{'kind':<26}{'label':>6}{'pairs':>7}{'TP':>5}{'FN':>5}{'FP':>5}{'TN':>5}{'jaccard':>15}{'containment':>15}")
    for kind, r in result["per_kind"].items():
        j = f"{r['jaccard_min']:.2f}–{r['jaccard_max']:.2f}"
        c = f"{r['containment_min']:.2f}–{r['containment_max']:.2f}"
        label = "same" if r["label"] else "diff"
        print(f"{kind:<26}{label:>6}{r['pairs']:>7}{r['tp']:>5}{r['fn']:>5}{r['fp']:>5}{r['tn']:>5}{j:>15}{c:>15}")
    if result["errors"]:
        print("misclassified:")
        for e in result["errors"]:
            print(f"  {e['outcome'].upper()} {e['kind']:<44} {e['source']:<46} J={e['jaccard']:.3f} "
                  f"C={e['containment']:.3f} n={e['smaller']:<4} {e['reason']} {e['detail']}")  # fmt: skip
    else:
        print("misclassified: none")


def _row(r: dict[str, Any]) -> str:
    return (f"w={r['shingle_size']} lsh={r['lsh_threshold']:<4} J≥{r['min_jaccard']:<4} C≥{r['min_containment']:<4} "
            f"n≥{r['min_shingles']:<3}  P {r['precision']:.4f}  R {r['recall']:.4f}  F1 {r['f1']:.4f}  "
            f"FP {r['fp']:>2}  FN {r['fn']:>2}  E[R] {r['expected_recall']:.4f}  headroom {r['headroom']:+.3f}  "
            f"cand/10k {r['candidate_rate'] * 1e4:.1f}")  # fmt: skip


def _print_sweep(result: dict[str, Any]) -> None:
    print(f"\nsweep over {result['pairs']} pairs ({result['true_pairs']} true) of {result['sets']} sets, "
          f"{result['seconds']:.0f} s; per shingle size, at the default thresholds and at its best setting "
          f"(bar: P ≥ {BAR_PRECISION}, R ≥ {BAR_RECALL}, headroom ≥ {MIN_HEADROOM})")  # fmt: skip
    for s in result["per_shingle_size"]:
        print(f"  default  {_row(s['at_default_thresholds'])}")
        print(f"  best     {_row(s['best'])}  ({s['settings_meeting_bar']}/{s['settings']} meet the bar)")
    for name, rows in result["around_defaults"].items():
        print(f"\nsweep: {name} varied, the other parameters at their defaults")
        for r in rows:
            print(f"  {_row(r)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pairs, evaluate the defaults (and the sweep), print tables and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep", action="store_true", help="also measure shingle sizes 1..8 and a threshold grid")
    parser.add_argument("--sets", type=int, default=SWEEP_SETS, help="evaluation sets (random seeds) pooled by the sweep")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    pairs = build_pairs()
    built = time.perf_counter() - start
    print(f"{len(pairs)} pairs built in {built:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in kind_counts(pairs).items()))  # fmt: skip
    result = evaluate(pairs)
    _print_evaluation(result)
    # Keep an earlier sweep when only the defaults are evaluated.
    previous: dict[str, Any] = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    out: dict[str, Any] = {"defaults": asdict(NearDupParams()), "kinds": kind_counts(pairs), "evaluation": result,
                           "bar": {"precision": BAR_PRECISION, "recall": BAR_RECALL}}  # fmt: skip
    if args.sweep:
        start = time.perf_counter()
        pooled = pooled_pairs(args.sets)
        out["sweep"] = {"sets": args.sets, "pairs": len(pooled), "true_pairs": sum(p.label for p in pooled), **sweep(pooled)}
        out["sweep"]["seconds"] = time.perf_counter() - start
        _print_sweep(out["sweep"])
    elif "sweep" in previous:
        out["sweep"] = previous["sweep"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


__all__ = ["Decision", "decide", "evaluate", "main", "sweep"]

if __name__ == "__main__":
    raise SystemExit(main())
