"""Exploration helpers: long tail, dataset and split summaries, leakage, sparse memory.

    from rec_course.data import explore
    explore.top_share(ratings, 0.1)          # share of ratings held by the top 10% of items
    explore.leak_fraction(train, test)       # test rows earlier than the user's last train row
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rec_course.schema import ITEM_ID, TIMESTAMP, USER_ID
from rec_course.data.preprocessing import dataset_stats, validate_interactions


def popularity(df: pd.DataFrame, *, by: str = ITEM_ID) -> pd.Series:
    """Interactions per item (or per user with ``by=USER_ID``), most popular first.

    Returns:
        Series indexed by id, int64 counts sorted in descending order (ties by id).
    """
    validate_interactions(df, require=(by,))
    counts = df[by].value_counts().sort_index()
    return counts.sort_values(ascending=False, kind="stable").rename("count")


def top_share(df: pd.DataFrame, fraction: float = 0.1, *, by: str = ITEM_ID) -> float:
    """Share of all interactions held by the ``fraction`` most popular items (or users).

    The top group has ``ceil(fraction * n)`` members, ``n`` the number of distinct ids
    in ``df`` (ids without interactions are not counted).
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    counts = popularity(df, by=by)
    top = math.ceil(fraction * len(counts))
    return float(counts.iloc[:top].sum() / counts.sum())


def leak_fraction(train: pd.DataFrame, test: pd.DataFrame, *, per_user: bool = True) -> float:
    """Fraction of test interactions that happened *before* train interactions.

    With ``per_user=True`` a test row counts when it is strictly earlier than its own
    user's latest train row (test users absent from train never count); with
    ``per_user=False`` when it is strictly earlier than the latest train row overall.
    A split that respects time (:func:`~rec_course.data.temporal_split`) gives 0 both ways.
    """
    for name, df in (("train", train), ("test", test)):
        validate_interactions(df, require=(USER_ID, ITEM_ID, TIMESTAMP), name=name)
    if per_user:
        last = train.groupby(USER_ID)[TIMESTAMP].max()
        before = test[TIMESTAMP].to_numpy() < test[USER_ID].map(last).to_numpy(dtype=float)
    else:
        before = test[TIMESTAMP].to_numpy() < train[TIMESTAMP].max()
    return float(np.mean(before))  # comparisons with NaN (unseen users) are False


def split_summary(splits: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> pd.DataFrame:
    """One row per named ``(train, test)`` split: sizes, cold-start and leakage.

    Columns: train, test (rows), test_share, test_users, cold_users (test users with
    no train row), cold_items (test items with no train row), leak_user and leak_global
    (:func:`leak_fraction`).
    """
    rows = {}
    for name, (train, test) in splits.items():
        validate_interactions(train, name=f"{name} train")
        validate_interactions(test, name=f"{name} test")
        test_users = test[USER_ID].unique()
        rows[name] = {
            "train": len(train),
            "test": len(test),
            "test_share": len(test) / (len(train) + len(test)),
            "test_users": len(test_users),
            "cold_users": int((~np.isin(test_users, train[USER_ID].unique())).sum()),
            "cold_items": int((~np.isin(test[ITEM_ID].unique(),
                                        train[ITEM_ID].unique())).sum()),
            "leak_user": leak_fraction(train, test, per_user=True),
            "leak_global": leak_fraction(train, test, per_user=False),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def stats_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """:func:`~rec_course.data.dataset_stats` of each named table, one row per name.

    Columns: interactions, users, items (int64) and density (float64).
    """
    stats = pd.DataFrame.from_dict({name: dataset_stats(df) for name, df in tables.items()},
                                   orient="index")
    return stats.astype({"interactions": np.int64, "users": np.int64, "items": np.int64})


def sparse_nbytes(matrix: sp.spmatrix) -> dict[str, int]:
    """Memory of a sparse matrix against its dense form of the same dtype.

    Returns:
        ``{"sparse_bytes": data + indices + indptr, "dense_bytes": rows * cols * itemsize}``.
    """
    csr = sp.csr_matrix(matrix)
    sparse = csr.data.nbytes + csr.indices.nbytes + csr.indptr.nbytes
    dense = csr.shape[0] * csr.shape[1] * csr.dtype.itemsize
    return {"sparse_bytes": int(sparse), "dense_bytes": int(dense)}


__all__ = ["leak_fraction", "popularity", "sparse_nbytes", "split_summary", "stats_table",
           "top_share"]
