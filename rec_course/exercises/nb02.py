"""Exercises of notebook 02_evaluation_and_baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rec_course import evaluation, metrics
from rec_course.exercises._check import Verdict, Wrong, close, run_check

# (ranked list, relevant set, k) cases with hand-checkable answers
_CASES = [
    ([3, 1, 7, 2, 9], {1, 2, 5}, 5),
    ([4, 8, 6], {4, 6}, 3),
    ([0, 1, 2, 3], {9}, 4),
    ([5, 6, 7, 8, 9, 10], {5, 6, 7, 8, 9, 10, 11, 12}, 3),
]


def _truth(ranked, relevant, k, what):
    hits, n_rel = metrics.hit_matrix(np.array([ranked[:k]]), [relevant])
    if what == "ndcg":
        return metrics.ndcg_at_k(hits, n_rel)[0]
    return metrics.average_precision(hits, n_rel, normalize=what)[0]


def check_ndcg(ndcg_fn) -> Verdict:
    """Exercise 1: ``ndcg_fn(ranked, relevant, k) -> float`` (binary relevance)."""
    def body():
        for ranked, relevant, k in _CASES:
            got = ndcg_fn(list(ranked), set(relevant), k)
            truth = _truth(ranked, relevant, k, "ndcg")
            if close(got, truth):
                continue
            hits = [i in relevant for i in ranked[:k]]
            dcg = sum(h / np.log2(r + 2) for r, h in enumerate(hits))
            idcg_all = sum(1 / np.log2(r + 2) for r in range(len(relevant)))
            if close(got, dcg / idcg_all):
                raise Wrong(f"for {ranked[:k]} with relevant {sorted(relevant)} and k={k} "
                            f"you give {got:.4f}, expected {truth:.4f}: the ideal DCG puts "
                            "min(#relevant, k) hits at the top, not all of them.")
            if close(got, dcg):
                raise Wrong(f"you returned the DCG ({got:.4f}); divide by the ideal DCG.")
            raise Wrong(f"for ranked {ranked[:k]}, relevant {sorted(relevant)}, k={k}: "
                        f"your nDCG is {got!r}, it should be {truth:.4f}. Did you start the "
                        "discount at rank 1, i.e. 1 / log2(rank + 1)?")
    return run_check("nDCG@k", body)


def check_average_precision(ap_fn) -> Verdict:
    """Exercise 2: ``ap_fn(ranked, relevant, k) -> float``, AP@k divided by
    min(#relevant, k) (the ``map@k`` convention)."""
    def body():
        for ranked, relevant, k in _CASES:
            got = ap_fn(list(ranked), set(relevant), k)
            truth = _truth(ranked, relevant, k, "min")
            if close(got, truth):
                continue
            if close(got, _truth(ranked, relevant, k, "all")):
                raise Wrong(f"you divided by the number of relevant items ({len(relevant)}): "
                            "that is Microsoft Recommenders' `map`. Here divide by "
                            f"min(#relevant, k) = {min(len(relevant), k)}.")
            hits = [i in relevant for i in ranked[:k]]
            if hits and close(got, sum(np.cumsum(hits) / np.arange(1, k + 1)) / k):
                raise Wrong("you averaged precision at every rank; average it only at the "
                            "ranks where a relevant item sits.")
            raise Wrong(f"for ranked {ranked[:k]}, relevant {sorted(relevant)}, k={k}: "
                        f"your AP is {got!r}, it should be {truth:.4f}.")
    return run_check("average precision", body)


def check_positive_popularity(make_scorer, train: pd.DataFrame, test: pd.DataFrame,
                              num_users: int, num_items: int, threshold: float = 4.0) -> Verdict:
    """Exercise 3: ``make_scorer(train, num_items, threshold)`` returns a function
    ``score(user_ids) -> (len(user_ids), num_items)`` scoring each item by its number of
    train ratings >= threshold."""
    def body():
        score = make_scorer(train, num_items, threshold)
        users = np.array([0, 1, 2])
        s = np.asarray(score(users))
        if s.shape != (3, num_items):
            raise Wrong(f"score(user_ids) must return shape (3, {num_items}) for 3 users, "
                        f"got {s.shape}.")
        liked = train[train.rating >= threshold]
        truth = np.bincount(liked.item_id, minlength=num_items)
        if np.allclose(s[0], np.bincount(train.item_id, minlength=num_items)):
            raise Wrong(f"that counts every rating; count only ratings >= {threshold}.")
        if s[0].std() == 0 or np.corrcoef(s[0], truth)[0, 1] < 0.9999:
            raise Wrong(f"your scores must be the number of ratings >= {threshold} of each item "
                        "(or proportional to it), the same row for every user.")
        if not np.allclose(s[0], s[2]):
            raise Wrong("popularity is the same for every user: every row should be equal.")
        evaluation.evaluate(score, train, test, num_users=num_users, num_items=num_items)
    return run_check("positive popularity", body)
