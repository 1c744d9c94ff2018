"""Submissions of a batch whose hidden answers agree too closely to be independent work, for a
person to review (never penalised).

Two honestly and independently trained models never give the same answers on data neither has
seen: the solutions and their core tasks trained under other seeds disagree by an RMSE of 0.10
to 0.25 star between their Part 1 ratings, and their Part 2 top-10 items differ on 87% to 99%
of the rows (``benchmarks/bench_similarity.py --honest``; the README's "Similar submissions").
A copied notebook, renamed and re-indented or not, gives the same answers to the last digit.
The grading process keeps a *sketch* of each submission's answers (a fixed sample of hidden
rows, :meth:`Part.sketch`), which travels with the report to journals and cluster clients;
after a batch every two sketches of a part are compared at once (a matrix product, dense for
ratings, sparse over equal top-10 sets; not a loop over pairs). Answers that are a provided
baseline's are left out: every student has the baselines, and two students who hand them in
have not copied each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.parts import get_part
from grader.reports.model import SubmissionReport

THRESHOLDS = {"explicit": 0.02, "sequence": 0.05}
"""Disagreement below which two submissions are reported: 0.02 star RMSE between their ratings,
top-10 sets that differ on fewer than 5% of the rows (see the README for honest work's figures)."""
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
    """Two submissions of one part whose answers agree beyond honest work."""

    part: str
    first: int
    second: int
    disagreement: float

    def evidence(self) -> str:
        """The figure, in words, with what honest work shows."""
        return get_part(self.part).disagreement_words(self.disagreement)


def similar_pairs(reports: list[SubmissionReport]) -> list[SimilarPair]:
    """Every pair of ``reports`` (one part each, as ``by_part`` gives) whose sketches agree beyond
    the part's threshold, neither of them a baseline's answers; the closest first."""
    pairs: list[SimilarPair] = []
    by_part: dict[str, list[int]] = {}
    for index, report in enumerate(reports):
        for part in report.parts:
            if part.sketch and not part.sketch.get("baseline"):
                by_part.setdefault(part.part, []).append(index)
    for name, indices in by_part.items():
        sketches = [next(p for p in reports[i].parts if p.part == name).sketch["answers"] for i in indices]
        if len(indices) < 2 or len({len(s) for s in sketches}) != 1:
            continue
        matrix = np.asarray(sketches, dtype=float)
        for start in range(0, len(matrix), BLOCK):  # memory of BLOCK x n figures, whatever the class size
            disagreement = get_part(name).disagreement(matrix[start : start + BLOCK], matrix)
            first, second = np.nonzero(disagreement < THRESHOLDS[name])
            keep = start + first < second
            pairs += [SimilarPair(name, indices[start + a], indices[b], float(disagreement[a, b])) for a, b in zip(first[keep].tolist(), second[keep].tolist())]
    return sorted(pairs, key=lambda pair: (pair.disagreement, pair.first, pair.second))


def mark_similar(reports: list[SubmissionReport]) -> list[SimilarPair]:
    """Find the similar pairs of ``reports`` and list each on both reports' ``similar_to``."""
    pairs = similar_pairs(reports)
    for report in reports:
        report.similar_to = []
    for pair in pairs:
        for own, other in ((pair.first, pair.second), (pair.second, pair.first)):
            reports[own].similar_to.append({"path": reports[other].path_in_batch, "part": pair.part, "disagreement": round(pair.disagreement, 6), "evidence": pair.evidence()})
    return pairs
