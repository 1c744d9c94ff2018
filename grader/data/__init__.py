"""Data for the homework: the interaction objects, MovieLens 100K, synthetic data, splits, and the
assignment partition.

Students use :func:`load_public` and the split helpers; the grader also uses
:func:`assignment_split` to get the hidden set.
"""

from grader.data.assignment import (
    PARTS,
    AssignmentSplit,
    HiddenRatings,
    HiddenSequences,
    PartNotStagedError,
    assignment_split,
    load_dataset,
    load_public,
    next_item_test_set,
)
from grader.data.interactions import PADDING_ITEM, Interactions, SequenceInteractions
from grader.data.movielens import DatasetError, load_movielens
from grader.data.splits import random_train_test_split, user_based_train_test_split
from grader.data.synthetic import synthetic_interactions

__all__ = [
    "PADDING_ITEM",
    "PARTS",
    "AssignmentSplit",
    "DatasetError",
    "HiddenRatings",
    "HiddenSequences",
    "Interactions",
    "PartNotStagedError",
    "SequenceInteractions",
    "assignment_split",
    "load_dataset",
    "load_movielens",
    "load_public",
    "next_item_test_set",
    "random_train_test_split",
    "synthetic_interactions",
    "user_based_train_test_split",
]
