"""Negative sampling: items a user has not interacted with.

Vectorized rejection sampling with a local generator: draw candidates for all rows at
once, re-draw only those that hit a positive.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def sample_negatives(positives: sp.csr_matrix, user_ids: np.ndarray, num_negatives: int = 1,
                     *, strategy: str = "uniform", seed: int = 0,
                     max_rounds: int = 100) -> np.ndarray:
    """Sample items each user has *not* interacted with.

    Args:
        positives: (num_users, num_items) CSR of known interactions (nonzero = positive).
        user_ids: (n,) user index of each row to sample for.
        num_negatives: negatives per row.
        strategy: ``"uniform"`` over items, or ``"popularity"`` (proportional to each
            item's interaction count, plus one so every item can be drawn).
        seed: seed of the local generator.

    Returns:
        (n, num_negatives) int64 item indices, none of them a positive of its user.
    """
    if num_negatives <= 0:
        raise ValueError(f"num_negatives must be positive, got {num_negatives}")
    num_users, num_items = positives.shape
    user_ids = np.asarray(user_ids, dtype=np.int64)
    if user_ids.size and (user_ids.min() < 0 or user_ids.max() >= num_users):
        raise ValueError(f"user_ids out of range 0..{num_users - 1}")
    csr = sp.csr_matrix(positives)
    counts = np.diff(csr.indptr)
    if user_ids.size and counts[user_ids].max() >= num_items:
        raise ValueError("a user has interacted with every item: no negative exists")
    if strategy == "uniform":
        p = None
    elif strategy == "popularity":
        pop = np.asarray((csr != 0).sum(axis=0)).ravel() + 1.0
        p = pop / pop.sum()
    else:
        raise ValueError(f"strategy must be 'uniform' or 'popularity', got {strategy!r}")
    rng = np.random.default_rng(seed)
    users = np.repeat(user_ids, num_negatives)
    out = rng.choice(num_items, size=users.size, p=p)
    # flat keys u * num_items + i of all positives, sorted, for a vectorized membership test
    rows = np.repeat(np.arange(num_users, dtype=np.int64), counts)
    pos_keys = np.sort(rows * num_items + csr.indices.astype(np.int64))
    if pos_keys.size == 0:
        return out.reshape(-1, num_negatives).astype(np.int64)
    for _ in range(max_rounds):
        keys = users * num_items + out
        idx = np.searchsorted(pos_keys, keys)
        bad = (idx < pos_keys.size) & (pos_keys[np.minimum(idx, pos_keys.size - 1)] == keys)
        if not bad.any():
            return out.reshape(-1, num_negatives).astype(np.int64)
        out[bad] = rng.choice(num_items, size=int(bad.sum()), p=p)
    raise RuntimeError(f"could not sample negatives in {max_rounds} rounds: users are too "
                       "dense for rejection sampling")
