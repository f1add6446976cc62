"""The k largest entries of each row, the same on every machine.

``np.argpartition`` returns *some* k largest entries: which of several tied values it
keeps depends on the CPU (NumPy sorts with AVX-512 where the CPU has it), so a top-10 list
cut in the middle of a tie, as popularity's often is, would differ from one laptop to
another. :func:`top_k` keeps, among tied values, the lowest indices.
"""

from __future__ import annotations

import numpy as np


def top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest entries of each row, largest first; ties go to the
    lower index, so the result does not depend on the machine.

    Args:
        values: (n, m) float, no NaN (``-inf`` is allowed: such entries come last).
        k: 1 <= k <= m.

    Returns:
        (n, k) int64 column indices.
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D (rows x columns), got shape {values.shape}")
    n, m = values.shape
    if not 1 <= k <= m:
        raise ValueError(f"k must be in [1, {m}], got {k}")
    kth = np.partition(values, m - k, axis=1)[:, m - k:m - k + 1]  # (n, 1) the k-th largest
    above = values > kth
    tied = values == kth
    room = k - above.sum(axis=1, keepdims=True)                   # ties that fit, per row
    chosen = above | (tied & (np.cumsum(tied, axis=1) <= room))   # exactly k per row
    cols = np.nonzero(chosen)[1].reshape(n, k)                      # ascending indices
    order = np.argsort(-np.take_along_axis(values, cols, axis=1), axis=1, kind="stable")
    return np.take_along_axis(cols, order, axis=1).astype(np.int64)
