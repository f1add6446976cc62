"""Exercises of notebook 01_data_and_preprocessing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rec_course import data
from rec_course.exercises._check import Verdict, Wrong, run_check


def _pairs(df: pd.DataFrame) -> set:
    return set(zip(df.user_id.tolist(), df.item_id.tolist()))


def _straggler_table() -> pd.DataFrame:
    """A table where one pass of filtering is not enough for a 2-core."""
    return pd.DataFrame({
        "user_id": [1, 1, 2, 2, 3, 3, 4, 4, 4, 5],
        "item_id": [10, 11, 10, 11, 12, 10, 13, 10, 11, 13],
        "rating": [5.0] * 10,
        "timestamp": list(range(10)),
    })


def check_k_core(k_core_fn) -> Verdict:
    """Exercise 1: ``k_core_fn(df, k) -> df`` keeps the k-core (users and items >= k)."""
    def body():
        for df, k in ((_straggler_table(), 2), (data.make_synthetic(60, 50, 2, 8, seed=1), 7)):
            got = k_core_fn(df.copy(), k)
            truth = data.k_core(df, min_user=k, min_item=k)
            if not isinstance(got, pd.DataFrame):
                raise Wrong(f"return a DataFrame, got {type(got).__name__}.")
            if _pairs(got) == _pairs(truth):
                continue
            once = df[df.user_id.map(df.user_id.value_counts()) >= k]
            once = once[once.item_id.map(once.item_id.value_counts()) >= k]
            together = df[(df.user_id.map(df.user_id.value_counts()) >= k)
                          & (df.item_id.map(df.item_id.value_counts()) >= k)]
            if _pairs(got) in (_pairs(once), _pairs(together)):
                raise Wrong("you filtered once. Dropping items can push users below k "
                            "again: repeat until nothing changes.")
            raise Wrong(f"for k={k} the core has {len(truth)} rows, you kept {len(got)}. "
                        "Keep a row only if its user AND its item have >= k rows.")
    return run_check("k-core", body)


def check_leave_last_out(split_fn) -> Verdict:
    """Exercise 2: ``split_fn(df) -> (train, test)``, each user's latest row in test."""
    def body():
        df = data.make_synthetic(40, 30, 2, 6, seed=2)
        train, test = split_fn(df.copy())
        truth_train, truth_test = data.leave_last_out(df)
        if len(train) + len(test) != len(df):
            raise Wrong(f"train ({len(train)}) + test ({len(test)}) rows must add up to "
                        f"{len(df)}: every row goes to exactly one side.")
        if _pairs(test) == _pairs(truth_test):
            return
        first = df.sort_values(["user_id", "timestamp"]).groupby("user_id").head(1)
        if _pairs(test) == _pairs(first):
            raise Wrong("your test holds each user's *first* interaction: sort by time and "
                        "take the last one.")
        if test.user_id.duplicated().any():
            raise Wrong("a user appears twice in test: keep only the single latest row.")
        raise Wrong("test should hold, for each user, the row with the largest timestamp.")
    return run_check("leave-last-out", body)


def check_negative_sampler(sampler) -> Verdict:
    """Exercise 3: ``sampler(positives_csr, user_ids, n, seed) -> (len(user_ids), n)``
    uniform negatives, never a positive of the user."""
    def body():
        df = data.make_synthetic(50, 40, 2, 20, seed=3)
        m = data.interaction_matrix(df, 50, 40)
        users = np.arange(50).repeat(20)
        neg = np.asarray(sampler(m, users, 5, 0))
        if neg.shape != (len(users), 5):
            raise Wrong(f"expected shape ({len(users)}, 5), got {neg.shape}.")
        if m[np.repeat(users, 5), neg.ravel()].any():
            hits = int(np.asarray(m[np.repeat(users, 5), neg.ravel()]).sum())
            raise Wrong(f"{hits} sampled items are positives of their user: reject and "
                        "re-draw them.")
        if not np.array_equal(neg, np.asarray(sampler(m, users, 5, 0))):
            raise Wrong("two calls with the same seed gave different samples: use "
                        "np.random.default_rng(seed).")
        # uniform over each user's negatives: the least-drawn item is not starved
        counts = np.bincount(neg.ravel(), minlength=40)
        allowed = 50 - np.asarray(m.sum(axis=0)).ravel()
        share = counts / np.maximum(allowed, 1)
        if share[allowed > 10].min() < 0.2 * share[allowed > 10].mean():
            raise Wrong("some items are almost never drawn: sample uniformly over all items.")
    return run_check("negative sampler", body)
