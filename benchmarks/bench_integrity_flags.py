"""The lookup flags on MovieLens: how often they flag honest models, and what a notebook that
carries labels gains against its payload and its blur, side by side.

Honest side, per partition seed: models trained here on the public split (the provided
baselines, their answers rounded to whole stars, matrix factorisation by alternating least
squares, rounded too; for Part 2 popularity, item transitions and a mix of both). The
solutions, core tasks and templates are graded end to end by the test suite, which asserts
that they are not flagged.

Attack side: the strongest form of the attacks of the security model, an attacker who has
matched the secret ids perfectly. For Part 1 it carries the ``payload`` public ratings the
provided UserItemBiases gets most wrong (about a fifth of them are hidden), answers those
hidden pairs with ``biases + blur * (rating - biases)`` (blur 1: the label itself) and the
provided baseline elsewhere, optionally hiding them among as many random departures of the same
size. For Part 2 it carries ``payload`` windows with their targets, computed at home at each
user's most recent positions or at random ones, and ranks a carried target first (or at
``rank``) when its window is asked for.

Usage: GRADER_DATA_DIR=../shared/data/ml-100k python benchmarks/bench_integrity_flags.py [--seeds 20261,1,2]
"""

from __future__ import annotations

import argparse

import numpy as np
from tqdm import tqdm

from grader import metrics
from grader.baselines import GlobalMean, ItemTransitions, Popularity, UserItemBiases
from grader.config import load_config
from grader.data import Interactions, assignment_split, load_dataset, next_item_test_set
from grader.integrity.lookup import lookup_rankings, lookup_ratings

SECRET = 271828182845904523536028747135266249775


def factorisation(public: Interactions, rank: int = 16, regularization: float = 12.0, iterations: int = 8) -> tuple[np.ndarray, ...]:
    """Matrix factorisation of the residuals of the biases, by alternating least squares."""
    biases = UserItemBiases().fit(public)
    residual = public.ratings - biases.predict_ratings(public.user_ids, public.item_ids)
    rng = np.random.default_rng(0)
    users, items = (0.1 * rng.standard_normal((n, rank)) for n in (public.num_users, public.num_items))
    by_user = [np.flatnonzero(public.user_ids == u) for u in range(public.num_users)]
    by_item = [np.flatnonzero(public.item_ids == i) for i in range(public.num_items)]
    for _ in range(iterations):
        for rows, factors, other, ids in ((by_user, users, items, public.item_ids), (by_item, items, users, public.user_ids)):
            for key, mine in enumerate(rows):
                if len(mine):
                    design = other[ids[mine]]
                    factors[key] = np.linalg.solve(design.T @ design + regularization * np.eye(rank), design.T @ residual[mine])
    return biases, users, items


def honest_ratings(public: Interactions, pairs: tuple[np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    biases, users, items = factorisation(public)
    answers = {
        "global mean": GlobalMean().fit(public).predict_ratings(*pairs),
        "biases": biases.predict_ratings(*pairs),
        "matrix factorisation": biases.predict_ratings(*pairs) + (users[pairs[0]] * items[pairs[1]]).sum(1),
    }
    answers["biases, rounded"] = np.clip(np.round(answers["biases"]), 1, 5)
    answers["factorisation, rounded"] = np.clip(np.round(answers["matrix factorisation"]), 1, 5)
    return answers


def carried_ratings(everything: Interactions, payload: int) -> dict[tuple[int, int], float]:
    """The ``payload`` ratings of the public files that the biases (fitted on them all) get most wrong."""
    biases = UserItemBiases().fit(everything)
    error = np.abs(everything.ratings - biases.predict_ratings(everything.user_ids, everything.item_ids))
    worst = np.argsort(-error, kind="stable")[:payload]
    return {(int(everything.user_ids[k]), int(everything.item_ids[k])): float(everything.ratings[k]) for k in worst}


def attack_ratings(baseline: np.ndarray, pairs, table, blur: float, decoys: bool, rng) -> np.ndarray:
    answers = baseline.copy()
    known = np.array([(int(u), int(i)) in table for u, i in zip(*pairs)])
    truth = np.array([table.get((int(u), int(i)), 0.0) for u, i in zip(*pairs)])
    answers[known] = baseline[known] + blur * (truth[known] - baseline[known])
    if decoys:  # as many random departures of the same sizes elsewhere, to dilute the corrections
        sizes = np.abs(answers[known] - baseline[known])
        others = rng.choice(np.flatnonzero(~known), size=len(sizes), replace=False)
        answers[others] = baseline[others] + rng.choice([-1.0, 1.0], size=len(sizes)) * sizes
    return answers


def fraction(value: float, strong: float, target: float) -> float:
    """The share of the target check's points (linear from the strong baseline to the target)."""
    return float(np.clip((value - strong) / (target - strong), 0.0, 1.0))


def explicit(data: Interactions, seeds: list[int]) -> None:
    rubric = load_config().parts["explicit"]
    print(f"Part 1 (target RMSE {rubric.target}); flags per honest model and seed:")
    honest_flags = 0
    rows = []
    for seed in tqdm(seeds, desc="Part 1 seeds"):
        split = assignment_split(data, "explicit", seed)
        pairs, truth = (split.hidden.user_ids, split.hidden.item_ids), split.hidden.ratings
        baseline = UserItemBiases().fit(split.public).predict_ratings(*pairs)
        strong = metrics.rmse(baseline, truth)
        for name, answers in honest_ratings(split.public, pairs).items():
            flags = lookup_ratings(answers, baseline, truth)
            honest_flags += bool(flags)
            print(f"  seed {seed}: {name:24s} RMSE {metrics.rmse(answers, truth):.4f}  flagged: {bool(flags)}")
        rng = np.random.default_rng(seed)
        for payload in (200, 400, 800, 1500, 3000):
            table = carried_ratings(data, payload)
            for blur in (1.0, 0.5, 0.25, 0.1):
                for decoys in (False, True):
                    answers = attack_ratings(baseline, pairs, table, blur, decoys, rng)
                    value = metrics.rmse(answers, truth)
                    flagged = bool(lookup_ratings(answers, baseline, truth))
                    rows.append((seed, payload, blur, decoys, value, value - strong, fraction(value, strong, rubric.target), flagged))
    print(f"  honest models flagged: {honest_flags}")
    print("Part 1 attacks: payload (ratings carried), blur, decoys -> RMSE, gain over the biases, share of the target points, flagged")
    for seed, payload, blur, decoys, value, gain, share, flagged in rows:
        print(f"  seed {seed}: {payload:5d}  blur {blur:4.2f}  decoys {str(decoys):5s} -> {value:.4f} ({gain:+.4f})  {share:4.0%}  flagged: {flagged}")


def honest_rankings(public: Interactions, inputs: np.ndarray) -> dict[str, np.ndarray]:
    popularity = Popularity().fit(public).predict_next(inputs)
    transitions = ItemTransitions().fit(public).predict_next(inputs)
    return {"popularity": popularity, "item transitions": transitions, "transitions + popularity": transitions + 0.5 * popularity / popularity.max()}


def sequence(data: Interactions, seeds: list[int]) -> None:
    rubric = load_config().parts["sequence"]
    print(f"Part 2 (target MRR {rubric.target}); flags per honest model and seed:")
    honest_flags = 0
    rows = []
    for seed in tqdm(seeds, desc="Part 2 seeds"):
        split = assignment_split(data, "sequence", seed)
        hidden = split.hidden
        baseline = ItemTransitions().fit(split.public).predict_next(hidden.inputs)
        strong = metrics.mrr(baseline, hidden.targets)
        for name, scores in honest_rankings(split.public, hidden.inputs).items():
            ranks = metrics.target_ranks(scores, hidden.targets)
            flags = lookup_rankings(ranks)
            honest_flags += bool(flags)
            print(f"  seed {seed}: {name:26s} MRR {metrics.mrr(scores, hidden.targets):.4f}  first {int((ranks == 1).sum())} of top-10 {int((ranks <= 10).sum())}  flagged: {bool(flags)}")
        for positions in ("most recent", "random"):
            home = next_item_test_set(data, seed=None if positions == "most recent" else 0)
            for payload in (500, 2000, len(home)):
                carried = {(tuple(row.tolist()), int(t)) for row, t in zip(home.inputs[:payload], home.targets[:payload])}
                for rank in (1, 3):
                    scores = baseline.copy()
                    hit = np.array([(tuple(row.tolist()), int(t)) in carried for row, t in zip(hidden.inputs, hidden.targets)])
                    for row in np.flatnonzero(hit):
                        order = np.sort(scores[row])[::-1]
                        scores[row, hidden.targets[row]] = order[rank - 1] + (1.0 if rank == 1 else 1e-9)
                    value = metrics.mrr(scores, hidden.targets)
                    flagged = bool(lookup_rankings(metrics.target_ranks(scores, hidden.targets)))
                    rows.append((seed, positions, payload, rank, int(hit.sum()), value, fraction(value, strong, rubric.target), flagged))
    print(f"  honest models flagged: {honest_flags}")
    print("Part 2 attacks: windows computed at home, payload, rank given -> hidden rows hit, MRR, share of the target points, flagged")
    for seed, positions, payload, rank, hits, value, share, flagged in rows:
        print(f"  seed {seed}: {positions:11s} {payload:6d}  rank {rank} -> {hits:3d} rows  MRR {value:.4f}  {share:4.0%}  flagged: {flagged}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=f"20261,{SECRET}")
    seeds = [int(seed) for seed in parser.parse_args().seeds.split(",")]
    data = load_dataset("movielens")
    explicit(data, seeds)
    sequence(data, seeds)


if __name__ == "__main__":
    main()
