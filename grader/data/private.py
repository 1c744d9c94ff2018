"""Private ratings: an instructor's own ratings in MovieLens's ``u.data`` format, which no student
has seen, so that no table carried in a notebook can answer the hidden requests.

The file is checked for what the grader relies on (four integer columns, ratings 1 to 5, ids
from 1, no pair rated twice) instead of against MovieLens's checksum, and refused when it *is*
the public MovieLens file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.data.interactions import Interactions
from grader.data.movielens import RATINGS_FILE, DatasetError, file_sha256, movielens_facts

MIN_HISTORY = 12
"""Ratings a Part 2 user needs for a test window of ten with an input (fewer are public-only in practice)."""


@dataclass
class RatingsCheck:
    """What :func:`check_private_ratings` found: the figures, and problems (refusals) or warnings."""

    path: Path
    ratings: int = 0
    users: int = 0
    items: int = 0
    stars: dict[int, int] = field(default_factory=dict)
    sha256: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for the instructor."""
        lines = [f"{self.path}: {self.ratings:,} ratings by {self.users:,} users of {self.items:,} items (sha256 {self.sha256[:16]}...)"]
        if self.stars:
            lines.append("stars: " + ", ".join(f"{star}: {count:,}" for star, count in sorted(self.stars.items())))
        lines += [f"WARNING: {warning}" for warning in self.warnings]
        lines += [f"ERROR: {problem}" for problem in self.problems]
        lines.append("usable for grading (--dataset private)" if not self.problems else "not usable for grading: fix the errors above")
        return "\n".join(lines)


def ratings_path(folder: str | Path) -> Path:
    """The ratings file a private dataset folder names (or the file itself)."""
    folder = Path(folder).expanduser()
    return folder if folder.is_file() else folder / RATINGS_FILE


def check_private_ratings(folder: str | Path) -> tuple[RatingsCheck, np.ndarray | None]:
    """Check the ratings file in ``folder`` (or the file itself); the table when it is usable."""
    path = ratings_path(folder)
    check = RatingsCheck(path)
    if not path.is_file():
        check.problems.append(f"there is no {RATINGS_FILE} here: the folder must hold one, tab-separated user, item, rating, timestamp per line")
        return check, None
    try:
        table = np.loadtxt(path, dtype=np.int64, ndmin=2)
    except ValueError as error:
        check.problems.append(f"it does not parse as 4 integers per line (user, item, rating, timestamp): {error}")
        return check, None
    check.sha256 = file_sha256(path)
    if table.shape[1] != 4 or len(table) == 0:
        check.problems.append(f"it has {table.shape[1] if len(table) else 0} columns and {len(table):,} lines; it needs 4 columns (user, item, rating, timestamp)")
        return check, None
    users, items, stars, times = table.T
    check.ratings, check.users, check.items = len(table), len(np.unique(users)), len(np.unique(items))
    check.stars = {int(star): int(count) for star, count in zip(*np.unique(stars, return_counts=True))}
    if check.sha256 == movielens_facts()["files_sha256"][RATINGS_FILE]:
        check.problems.append("this is the public MovieLens 100K u.data, which every student can have: use --dataset movielens, or ratings of your own")
    if users.min() < 1 or items.min() < 1:
        check.problems.append("ids start at 1 (0 is the padding item of Part 2): renumber users and items from 1")
    if stars.min() < 1 or stars.max() > 5:
        check.problems.append(f"ratings are 1 to 5 stars; this file has {stars.min()} to {stars.max()}")
    if times.min() < 0:
        check.problems.append("timestamps are seconds since 1970 and cannot be negative")
    pairs = users * (items.max() + 1) + items
    if len(np.unique(pairs)) < len(pairs):
        check.problems.append(f"{len(pairs) - len(np.unique(pairs)):,} (user, item) pairs are rated more than once: keep one rating per pair")
    for name, ids in (("user", users), ("item", items)):
        if ids.max() > 2 * len(np.unique(ids)):
            check.warnings.append(f"{name} ids go up to {ids.max():,} for {len(np.unique(ids)):,} {name}s: models size their embeddings by the largest id")
    short = int((np.bincount(users)[np.unique(users)] < MIN_HISTORY).sum())
    if short:
        check.warnings.append(f"{short:,} users have fewer than {MIN_HISTORY} ratings: they give Part 2 no test window")
    if check.users < 50 or check.items < 50:
        check.warnings.append("fewer than 50 users or items: metrics over so few will be noisy")
    return check, None if check.problems else table


def read_private_ratings(folder: str | Path) -> Interactions:
    """The private ratings in ``folder`` as interactions; raises DatasetError saying what to fix."""
    check, table = check_private_ratings(folder)
    if table is None:
        raise DatasetError(f"{check.path} cannot be graded on: {'; '.join(check.problems)}. Run `grader check-data {check.path.parent}` for details.")
    return Interactions(
        user_ids=table[:, 0], item_ids=table[:, 1], ratings=table[:, 2], timestamps=table[:, 3],
        num_users=int(table[:, 0].max()) + 1, num_items=int(table[:, 1].max()) + 1,
    )
