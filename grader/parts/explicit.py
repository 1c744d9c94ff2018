"""Part 1: rating prediction from explicit feedback, scored by RMSE."""

from __future__ import annotations

import numpy as np

from grader import metrics
from grader.baselines import GlobalMean, UserItemBiases
from grader.data.assignment import TEST_FRACTION, AssignmentSplit, HiddenRatings
from grader.data.splits import random_train_test_split
from grader.integrity.lookup import lookup_ratings
from grader.parts.base import Part


class ExplicitFeedback(Part):
    """Predict the hidden ratings of (user, item) pairs."""

    name = "explicit"
    short_title = "Part 1"
    batch = 8192
    metrics = ("rmse",)
    baselines = {"global_mean": GlobalMean, "user_item_biases": UserItemBiases}
    sketch_rows = 2048

    def split(self, interactions, seed):
        public, hidden = random_train_test_split(interactions, TEST_FRACTION, seed)
        return AssignmentSplit(self.name, public, HiddenRatings(hidden.user_ids, hidden.item_ids, hidden.ratings))

    def kernel_public(self, anonymisation, public):
        return anonymisation.public_ratings(public)

    def requests(self, anonymisation, hidden):
        inputs, order = anonymisation.rating_requests(hidden.user_ids, hidden.item_ids)
        return inputs, order, 0

    def restore(self, anonymisation, answers, order):
        return anonymisation.restore_ratings(answers, order)

    def inputs(self, hidden):
        return np.stack([hidden.user_ids, hidden.item_ids], axis=1).astype(np.int64), 0

    def score(self, answers, hidden):
        return {"rmse": metrics.rmse(answers, hidden.ratings)}

    def sketch(self, answers, rows):
        return np.round(answers[rows], 4).tolist()

    def disagreement(self, first, second):
        """The RMSE between two submissions' ratings, in stars."""
        distances = np.einsum("ij,ij->i", first, first)[:, None] + np.einsum("ij,ij->i", second, second)[None, :] - 2 * first @ second.T
        return np.sqrt(np.maximum(distances, 0) / max(1, first.shape[1]))

    def disagreement_words(self, disagreement):
        return f"their Part 1 ratings differ by an RMSE of {disagreement:.4f} stars (independent models: 0.10 or more)"

    def shifted_ids_hint(self, num_users, num_items):
        return (
            f"If training went well, check the ids: users are 1..{num_users - 1} and items 1..{num_items - 1}, and "
            f"predict_ratings receives them so; an id shifted by one between training and prediction gives results like this."
        )

    def lookup_flags(self, answers, strong_answers, hidden):
        return lookup_ratings(answers, strong_answers, hidden.ratings)


EXPLICIT = ExplicitFeedback()
