"""Part 2: next-item prediction from implicit sequences, scored by MRR (and HR@10, NDCG@10)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from grader import metrics
from grader.baselines import ItemTransitions, Popularity
from grader.data.assignment import TEST_FRACTION, AssignmentSplit, next_item_test_set
from grader.data.splits import user_based_train_test_split
from grader.integrity.lookup import lookup_rankings
from grader.parts.base import Part


class ImplicitSequences(Part):
    """Score every item as the next one of each hidden nine-item history."""

    name = "sequence"
    short_title = "Part 2"
    batch = 256
    metrics = ("mrr", "hr@10", "ndcg@10")
    baselines = {"popularity": Popularity, "item_transitions": ItemTransitions}
    sketch_rows = 512
    top = 10

    def split(self, interactions, seed):
        public, hidden = user_based_train_test_split(interactions, TEST_FRACTION, seed)
        return AssignmentSplit(self.name, public, next_item_test_set(hidden, seed=seed))

    def kernel_public(self, anonymisation, public):
        return anonymisation.public_sequences(anonymisation.withhold(public))

    def requests(self, anonymisation, hidden):
        inputs, order = anonymisation.sequence_requests(hidden.inputs)
        return inputs, order, hidden.num_items

    def restore(self, anonymisation, answers, order):
        return anonymisation.restore_scores(answers, order)

    def inputs(self, hidden):
        return np.asarray(hidden.inputs, dtype=np.int64), hidden.num_items

    def score(self, answers, hidden):
        matrix = metrics.validate_scores(answers, len(hidden), hidden.num_items)
        return metrics.ranking_metrics(matrix, hidden.targets, k=10).as_dict()

    def sketch(self, answers, rows):
        return np.argsort(-answers[rows], axis=1, kind="stable")[:, : self.top].tolist()

    def disagreement(self, first, second):
        """The share of the kept rows on which two submissions' top-10 items (as sets) differ.

        One column per (row, set) that occurs, so two submissions meet only where their sets are
        equal: independent models' sets rarely are, which keeps the product sparse."""
        hashes = np.concatenate([_set_hashes(first), _set_hashes(second)])
        rows = hashes.shape[1]
        keys = hashes ^ (np.arange(rows, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))  # the row in the key
        _, columns = np.unique(keys.ravel(), return_inverse=True)
        owners = np.repeat(np.arange(len(hashes)), rows)
        indicator = sparse.csr_matrix((np.ones(len(owners), dtype=np.int32), (owners, columns.ravel())), shape=(len(hashes), columns.max() + 1))
        same = (indicator[: len(first)] @ indicator[len(first) :].T).toarray()
        return 1.0 - same / max(1, rows)

    def disagreement_words(self, disagreement):
        return f"their Part 2 top-10 items differ on {disagreement:.1%} of the sampled rows (independent models: 85% or more)"

    def shifted_ids_hint(self, num_users, num_items):
        return (
            f"If training went well, check the ids: items are 1..{num_items - 1} and column k of the scores is item k "
            f"(column 0 is padding); scores shifted by one column give results like this."
        )

    def lookup_flags(self, answers, strong_answers, hidden):
        return lookup_rankings(metrics.target_ranks(answers, hidden.targets))


def _set_hashes(sketches: np.ndarray) -> np.ndarray:
    """One 64-bit number per row of each sketch that tells its set of items apart (order aside)."""
    items = np.sort(sketches.astype(np.uint64), axis=2)
    multipliers = np.uint64(1_000_003) ** np.arange(items.shape[2], dtype=np.uint64)  # wraps: a hash, not a count
    return (items * multipliers).sum(axis=2, dtype=np.uint64)


SEQUENCE = ImplicitSequences()
