"""Negative sampling: items a user has not interacted with.

Vectorized rejection sampling with a local generator: draw candidates for all rows at
once, re-draw only those that hit a positive.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def sample_negatives(positives: sp.csr_matrix, user_ids: np.ndarray, num_negatives: int = 1,
                     *, strategy: str = "uniform", distinct: bool = False, seed: int = 0,
                     max_rounds: int = 200) -> np.ndarray:
    """Sample items each user has *not* interacted with.

    Args:
        positives: (num_users, num_items) CSR of known interactions (nonzero = positive).
        user_ids: (n,) user index of each row to sample for.
        num_negatives: negatives per row.
        strategy: ``"uniform"`` over items, or ``"popularity"`` (proportional to each
            item's interaction count, plus one so every item can be drawn).
        distinct: no item twice within a row (as in sampled evaluation), drawn without
            replacement by the Gumbel top-k trick; otherwise draws are independent (as in
            training), by vectorized rejection of positives.
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
    if user_ids.size:
        free = num_items - counts[user_ids].max()
        if free <= 0:
            raise ValueError("a user has interacted with every item: no negative exists")
        if distinct and free < num_negatives:
            raise ValueError(f"a user has only {free} non-interacted items, fewer than "
                             f"num_negatives={num_negatives} distinct ones")
    if strategy == "uniform":
        p = None
    elif strategy == "popularity":
        pop = np.asarray((csr != 0).sum(axis=0)).ravel() + 1.0
        p = pop / pop.sum()
    else:
        raise ValueError(f"strategy must be 'uniform' or 'popularity', got {strategy!r}")
    rng = np.random.default_rng(seed)
    if distinct:
        return _sample_distinct(csr, user_ids, num_negatives, p, rng)
    users = np.repeat(user_ids, num_negatives)
    out = rng.choice(num_items, size=users.size, p=p)
    # flat keys u * num_items + i of all positives, sorted, for a vectorized membership test
    rows = np.repeat(np.arange(num_users, dtype=np.int64), counts)
    pos_keys = np.sort(rows * num_items + csr.indices.astype(np.int64))
    todo = np.arange(out.size)  # only re-drawn entries need checking again
    for _ in range(max_rounds):
        keys = users[todo] * num_items + out[todo]
        idx = np.minimum(np.searchsorted(pos_keys, keys), max(pos_keys.size - 1, 0))
        bad = todo[pos_keys[idx] == keys] if pos_keys.size else todo[:0]
        if bad.size == 0:
            return out.reshape(-1, num_negatives).astype(np.int64)
        out[bad] = rng.choice(num_items, size=bad.size, p=p)
        todo = bad
    raise RuntimeError(f"could not sample negatives in {max_rounds} rounds: users are too "
                       "dense for rejection sampling")


def _sample_distinct(csr: sp.csr_matrix, user_ids: np.ndarray, k: int, p, rng,
                     chunk: int = 2048) -> np.ndarray:
    """k distinct negatives per row by the Gumbel top-k trick: give every item a random
    key (log p + Gumbel noise; uniform noise when p is None), exclude the user's positives,
    keep the k largest keys. Exact sampling without replacement, no rejection loop."""
    num_items = csr.shape[1]
    out = np.empty((len(user_ids), k), dtype=np.int64)
    logp = None if p is None else np.log(p)
    for start in range(0, len(user_ids), chunk):
        users = user_ids[start:start + chunk]
        keys = rng.random((len(users), num_items)) if logp is None else (
            logp + rng.gumbel(size=(len(users), num_items)))
        pos = sp.coo_matrix(csr[users])
        keys[pos.row, pos.col] = -np.inf
        out[start:start + len(users)] = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    return out
