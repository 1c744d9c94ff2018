"""Submissions of a batch whose hidden answers agree, or whose code is shared, too closely to be
independent work, for a person to review (never penalised).

Two honestly and independently trained models never give the same answers on data neither has
seen: the solutions and their core tasks trained under other seeds disagree by an RMSE of 0.10
to 0.25 star between their Part 1 ratings, and their Part 2 top-10 items differ on 87% to 99%
of the rows (``benchmarks/bench_similarity.py --honest``; "Similar submissions" in docs/formats.md).
A copied notebook, renamed and re-indented or not, gives the same answers to the last digit.
The grading process keeps a *sketch* of each submission's answers (a fixed sample of hidden
rows, :meth:`Part.sketch`), which travels with the report to journals and cluster clients;
after a batch every two sketches of a part are compared at once (a matrix product, dense for
ratings, sparse over equal top-10 sets; not a loop over pairs). Answers that are a provided
baseline's are left out: every student has the baselines, and two students who hand them in
have not copied each other.

A copy retrained under another seed or for one epoch fewer answers like independent work, so the
code is compared too: the fingerprints of what each student wrote (:mod:`grader.fingerprints`),
through an inverted index (a sparse product over the fingerprints two submissions share, never a
loop over pairs). A pair's code similarity is the share of the smaller set that the other holds
too: a copy that adds code of its own (an optional task) still shares all of the original. As
MOSS does, fingerprints held by a large part of the class are common idiom, not evidence, and
are left out; a submission with fewer than ``MIN_FINGERPRINTS`` of its own (the untouched
template, a provided baseline handed in) has too little code to tell copying from chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from grader.parts import get_part
from grader.reports.model import SubmissionReport

THRESHOLDS = {"explicit": 0.02, "sequence": 0.05}
"""Disagreement below which two submissions are reported: 0.02 star RMSE between their ratings,
top-10 sets that differ on fewer than 5% of the rows (see docs/formats.md for honest work's figures)."""
CODE_THRESHOLD = 0.5
"""Code similarity from which two submissions are reported: half the smaller one's fingerprints
(independent honest notebooks on the template: at most 0.19, see docs/formats.md)."""
MIN_FINGERPRINTS = 20
"""Fingerprints of its own a submission needs for its code to be compared (a provided baseline
handed in has 6 to 8, a homework about 130 or more)."""
COMMON_SHARE, COMMON_FLOOR = 0.1, 10
"""A fingerprint held by more than this share of the class (and more than the floor) is common idiom."""
BLOCK = 512
"""Submissions compared with the whole batch at once."""
SKETCH_STREAM = 0x534B4554
"""Separates the random stream that picks the sketched rows from the partition's."""


def sketch_rows(part: str, hidden_rows: int, seed: int) -> np.ndarray:
    """The hidden rows every submission's sketch keeps in a grading run (the same for all of them)."""
    count = min(hidden_rows, get_part(part).sketch_rows)
    return np.sort(np.random.default_rng([SKETCH_STREAM, int(seed)]).permutation(hidden_rows)[:count])


def like_baseline(part: str, sketch: list, baselines: dict[str, list]) -> str | None:
    """The provided baseline whose answers ``sketch`` gives (within the threshold), if any."""
    names = list(baselines)
    if not names:
        return None
    disagreement = get_part(part).disagreement(np.asarray([sketch], dtype=float), np.asarray([baselines[name] for name in names], dtype=float))[0]
    closest = int(np.argmin(disagreement))
    return names[closest] if disagreement[closest] < THRESHOLDS[part] else None


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions of one part whose answers or code agree beyond honest work; each figure
    None where it cannot be had (no answers, no code to compare)."""

    part: str
    first: int
    second: int
    disagreement: float | None
    code: float | None = None

    def evidence(self) -> str:
        """Both figures, in words, with what honest work shows."""
        code = "no code of their own to compare" if self.code is None else f"{self.code:.0%} of the code the smaller one wrote is in the other too (independent work: 20% or less)"
        answers = "no answers to compare" if self.disagreement is None else get_part(self.part).disagreement_words(self.disagreement)
        return f"{code}; {answers}"


def _answer_pairs(part: str, sketches: list[list]) -> dict[tuple[int, int], float]:
    """The pairs of ``sketches`` (positions) that disagree less than the part's threshold."""
    found: dict[tuple[int, int], float] = {}
    matrix = np.asarray(sketches, dtype=float)
    for start in range(0, len(matrix), BLOCK):  # memory of BLOCK x n figures, whatever the class size
        disagreement = get_part(part).disagreement(matrix[start : start + BLOCK], matrix)
        first, second = np.nonzero(disagreement < THRESHOLDS[part])
        keep = start + first < second
        found.update({(start + a, b): float(disagreement[a, b]) for a, b in zip(first[keep].tolist(), second[keep].tolist())})
    return found


def code_index(fingerprints: list[list[int]]) -> sparse.csr_matrix:
    """Which submission holds which fingerprint (a row each), common ones left out: the inverted
    index, as a sparse matrix."""
    owners = np.repeat(np.arange(len(fingerprints)), [len(values) for values in fingerprints])
    values, columns = np.unique(np.fromiter((v for values in fingerprints for v in values), dtype=np.int64, count=len(owners)), return_inverse=True)
    matrix = sparse.csr_matrix((np.ones(len(owners), dtype=np.int32), (owners, columns.ravel())), shape=(len(fingerprints), len(values)))
    holders = np.bincount(columns.ravel(), minlength=len(values))
    return matrix[:, np.flatnonzero(holders <= max(COMMON_FLOOR, COMMON_SHARE * len(fingerprints)))]


def code_similarity(index: sparse.csr_matrix, first: int, second: int) -> float | None:
    """The share of the smaller fingerprint set of two rows of ``index`` the other holds too."""
    smaller = min(index[first].nnz, index[second].nnz)
    return float(index[first].multiply(index[second]).sum() / smaller) if smaller else None


def _code_pairs(index: sparse.csr_matrix) -> dict[tuple[int, int], float]:
    """The pairs of rows of ``index`` whose code similarity reaches the threshold, each with
    ``MIN_FINGERPRINTS`` or more: only pairs that share a fingerprint are ever formed."""
    sizes = np.diff(index.indptr)
    shared = sparse.triu(index @ index.T, k=1).tocoo()
    smaller = np.minimum(sizes[shared.row], sizes[shared.col])
    similarity = shared.data / np.maximum(smaller, 1)
    keep = (smaller >= MIN_FINGERPRINTS) & (similarity >= CODE_THRESHOLD)
    return {(int(a), int(b)): float(value) for a, b, value in zip(shared.row[keep], shared.col[keep], similarity[keep])}


def similar_pairs(reports: list[SubmissionReport]) -> list[SimilarPair]:
    """Every pair of ``reports`` (one part each, as ``by_part`` gives) whose answers agree beyond
    the part's threshold (neither a baseline's) or whose code is shared beyond ``CODE_THRESHOLD``,
    with both figures; the closest answers first, then the most code shared."""
    pairs: list[SimilarPair] = []
    by_part: dict[str, list[int]] = {}
    for index, report in enumerate(reports):
        for part in report.parts:
            by_part.setdefault(part.part, []).append(index)
    for name, indices in by_part.items():
        results = [next(p for p in reports[i].parts if p.part == name) for i in indices]
        answered = [k for k, result in enumerate(results) if result.sketch and not result.sketch.get("baseline")]
        sketches = [results[k].sketch["answers"] for k in answered]
        found = {}
        if len(sketches) > 1 and len({len(s) for s in sketches}) == 1:
            found = {(answered[a], answered[b]): value for (a, b), value in _answer_pairs(name, sketches).items()}
        index = code_index([result.fingerprints for result in results])
        code = _code_pairs(index)
        for a, b in sorted(found.keys() | code.keys()):
            disagreement = found.get((a, b), _disagreement(name, results[a].sketch, results[b].sketch))
            pairs.append(SimilarPair(name, indices[a], indices[b], disagreement, code.get((a, b), code_similarity(index, a, b))))
    return sorted(pairs, key=lambda pair: (np.inf if pair.disagreement is None else pair.disagreement, -(pair.code or 0), pair.first, pair.second))


def _disagreement(part: str, first: dict | None, second: dict | None) -> float | None:
    """How far apart two sketches' answers are, where both have comparable ones."""
    if not first or not second or len(first["answers"]) != len(second["answers"]):
        return None
    return float(get_part(part).disagreement(np.asarray([first["answers"]], dtype=float), np.asarray([second["answers"]], dtype=float))[0, 0])


def mark_similar(reports: list[SubmissionReport]) -> list[SimilarPair]:
    """Find the similar pairs of ``reports`` and list each on both reports' ``similar_to``."""
    pairs = similar_pairs(reports)
    for report in reports:
        report.similar_to = []
    for pair in pairs:
        for own, other in ((pair.first, pair.second), (pair.second, pair.first)):
            reports[own].similar_to.append({
                "path": reports[other].path_in_batch, "part": pair.part,
                "disagreement": None if pair.disagreement is None else round(pair.disagreement, 6),
                "code_similarity": None if pair.code is None else round(pair.code, 4),
                "evidence": pair.evidence(),
            })
    return pairs
