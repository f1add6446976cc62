"""User-item matrices in scipy.sparse CSR form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rec_course.schema import ITEM_ID, RATING, USER_ID
from rec_course.data.preprocessing import validate_interactions


def check_ids(df: pd.DataFrame, num_users: int, num_items: int, name: str = "data") -> None:
    """Raise ValueError unless ids are integer indices in [0, num_users) x [0, num_items)."""
    for col, n in ((USER_ID, num_users), (ITEM_ID, num_items)):
        ids = df[col].to_numpy()
        if not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"{name}.{col} must hold integer indices (use index_ids first), "
                             f"got dtype {ids.dtype}")
        if len(ids) and (ids.min() < 0 or ids.max() >= n):
            bad = np.unique(ids[(ids < 0) | (ids >= n)])[:5].tolist()
            raise ValueError(f"{name}.{col} has unknown index(es) {bad}: valid range is "
                             f"0..{n - 1}")


def interaction_matrix(df: pd.DataFrame, num_users: int, num_items: int, *,
                       values: str = "binary") -> sp.csr_matrix:
    """Build the user-item matrix.

    Args:
        df: indexed interactions (user_id in 0..num_users-1, item_id in 0..num_items-1).
        values: ``"binary"`` (1.0 per interaction) or ``"rating"``.

    Returns:
        csr_matrix (num_users, num_items) float32. A (user, item) pair that occurs
        more than once keeps its *last* row's value (``schema.DUPLICATES``): every
        matrix of the course, binary or rating, is built here with that one rule.
    """
    validate_interactions(df)
    check_ids(df, num_users, num_items)
    if values == "binary":
        data = np.ones(len(df), dtype=np.float32)
    elif values == "rating":
        data = df[RATING].to_numpy(dtype=np.float32)
    else:
        raise ValueError(f"values must be 'binary' or 'rating', got {values!r}")
    dedup = pd.DataFrame({"u": df[USER_ID].to_numpy(), "i": df[ITEM_ID].to_numpy(), "v": data})
    dedup = dedup.drop_duplicates(["u", "i"], keep="last")
    return sp.csr_matrix((dedup["v"].to_numpy(np.float32), (dedup["u"], dedup["i"])),
                         shape=(num_users, num_items), dtype=np.float32)
