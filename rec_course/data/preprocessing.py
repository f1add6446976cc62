"""Cleaning and indexing: validation, contiguous ids, implicit feedback, k-core filtering.

Every function takes and returns a DataFrame with the course's column names
(``user_id``, ``item_id``, ``rating``, ``timestamp``) and never modifies its input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rec_course.schema import ITEM_ID, RATING, USER_ID


def validate_interactions(df: pd.DataFrame, *, require: tuple[str, ...] = (USER_ID, ITEM_ID),
                          name: str = "interactions") -> pd.DataFrame:
    """Check that ``df`` is a non-empty table of interactions; return it unchanged.

    Raises:
        TypeError: ``df`` is not a DataFrame.
        ValueError: empty, a required column is missing, ids are missing or negative,
            or ratings are NaN.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in require if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it has {list(df.columns)}")
    if df.empty:
        raise ValueError(f"{name} is empty: there is nothing to train or evaluate on")
    for col in (USER_ID, ITEM_ID):
        if col in df.columns and df[col].isna().any():
            raise ValueError(f"{name}.{col} holds {int(df[col].isna().sum())} missing ids")
    if RATING in df.columns and df[RATING].isna().any():
        bad = int(df[RATING].isna().sum())
        raise ValueError(f"{name}.rating holds {bad} NaN rating(s); drop or fill them first "
                         f"(e.g. df.dropna(subset=['rating']))")
    return df


@dataclass(frozen=True)
class IdMap:
    """Contiguous indices 0..n-1 for raw user and item ids, and the way back.

    Attributes:
        user_ids: (num_users,) raw user id of each index.
        item_ids: (num_items,) raw item id of each index.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray

    @property
    def num_users(self) -> int:
        return len(self.user_ids)

    @property
    def num_items(self) -> int:
        return len(self.item_ids)

    @staticmethod
    def _lookup(raw: np.ndarray, values, kind: str) -> np.ndarray:
        values = np.asarray(values)
        pos = np.searchsorted(raw, values)
        pos_clipped = np.minimum(pos, len(raw) - 1)
        ok = raw[pos_clipped] == values
        if not np.all(ok):
            unknown = np.unique(np.asarray(values)[~ok])[:5].tolist()
            raise KeyError(f"unknown {kind} id(s) {unknown}: they were not in the data "
                           f"the index was built on")
        return pos_clipped.astype(np.int64)

    def user_index(self, user_ids) -> np.ndarray:
        """Raw user ids -> indices; unknown ids raise KeyError naming them."""
        return self._lookup(self.user_ids, user_ids, "user")

    def item_index(self, item_ids) -> np.ndarray:
        """Raw item ids -> indices; unknown ids raise KeyError naming them."""
        return self._lookup(self.item_ids, item_ids, "item")

    def encode(self, df: pd.DataFrame) -> pd.DataFrame:
        """Replace raw ids in ``df`` by indices (a copy)."""
        out = df.copy()
        out[USER_ID] = self.user_index(df[USER_ID].to_numpy())
        out[ITEM_ID] = self.item_index(df[ITEM_ID].to_numpy())
        return out

    def decode(self, df: pd.DataFrame) -> pd.DataFrame:
        """Replace indices in ``df`` by raw ids (a copy)."""
        out = df.copy()
        out[USER_ID] = self.user_ids[df[USER_ID].to_numpy()]
        out[ITEM_ID] = self.item_ids[df[ITEM_ID].to_numpy()]
        return out


def index_ids(df: pd.DataFrame) -> tuple[pd.DataFrame, IdMap]:
    """Map raw user/item ids to contiguous 0-based indices (sorted raw order).

    Returns:
        (indexed copy of ``df``, the :class:`IdMap` to go back).
    """
    validate_interactions(df)
    id_map = IdMap(np.unique(df[USER_ID].to_numpy()), np.unique(df[ITEM_ID].to_numpy()))
    return id_map.encode(df), id_map


def to_implicit(df: pd.DataFrame, threshold: float = 4.0) -> pd.DataFrame:
    """Keep interactions with ``rating >= threshold`` as positive implicit feedback.

    The rating column is kept (so the threshold can be checked later); models that
    use implicit feedback treat every remaining row as a 1.
    """
    validate_interactions(df, require=(USER_ID, ITEM_ID, RATING))
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    out = df[df[RATING] >= threshold].reset_index(drop=True)
    if out.empty:
        raise ValueError(f"no rating is >= {threshold}: the implicit table would be empty")
    return out


def k_core(df: pd.DataFrame, min_user: int = 5, min_item: int = 5) -> pd.DataFrame:
    """Repeatedly drop users with < ``min_user`` and items with < ``min_item``
    interactions until every remaining user and item meets its minimum.
    """
    validate_interactions(df)
    if min_user < 1 or min_item < 1:
        raise ValueError(f"min_user and min_item must be >= 1, got {min_user}, {min_item}")
    out = df
    while True:
        user_counts = out[USER_ID].map(out[USER_ID].value_counts())
        item_counts = out[ITEM_ID].map(out[ITEM_ID].value_counts())
        keep = (user_counts >= min_user) & (item_counts >= min_item)
        if keep.all():
            return out.reset_index(drop=True)
        out = out[keep]
        if out.empty:
            raise ValueError(f"the {min_user}/{min_item}-core is empty: lower the minimums")


def dataset_stats(df: pd.DataFrame) -> dict[str, float]:
    """Counts and sparsity: ``{"interactions", "users", "items", "density"}``."""
    validate_interactions(df)
    n, u, i = len(df), df[USER_ID].nunique(), df[ITEM_ID].nunique()
    return {"interactions": n, "users": u, "items": i, "density": n / (u * i)}


__all__ = ["IdMap", "dataset_stats", "index_ids", "k_core", "to_implicit",
           "validate_interactions"]
