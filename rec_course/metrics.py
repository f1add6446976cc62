"""Metrics: rating error, top-k ranking, beyond-accuracy, and CTR.

Top-k metrics work on a *hit matrix*: ``hits[u, r]`` is True when the item at rank
``r`` (0-based) of user ``u``'s top-k list is relevant, plus ``num_relevant[u]``, the
user's number of relevant test items. :func:`hit_matrix` builds it from ranked lists.
Each function returns one value per user; the evaluation averages over users.

Definitions (k = list length, rel_u = num_relevant[u], rank r starts at 1):

- precision@k = hits in top k / k (k even if fewer items could be relevant).
- recall@k = hits in top k / rel_u.
- nDCG@k = DCG / IDCG with DCG = sum_r hit_r / log2(r + 1) and IDCG the DCG of
  min(rel_u, k) hits at the top (binary relevance).
- AP: sum_r precision@r * hit_r, divided by
  rel_u for ``map`` (Microsoft Recommenders' benchmark ``map``), or by
  min(rel_u, k) for ``map@k`` (the usual MAP@k, whose maximum is 1).
- hit rate@k: 1 if any of the top k is relevant. MRR@k: 1 / rank of the first hit.
- coverage@k: share of the catalogue that appears in at least one user's top k.
- novelty@k: mean of -log2(share of train users who interacted with the item) over
  all recommended items (items never seen in train count as seen once).
"""

from __future__ import annotations

import numpy as np


def _check_k(k: int) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k <= 0:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def _check_hits(hits: np.ndarray, num_relevant: np.ndarray | None = None) -> np.ndarray:
    hits = np.asarray(hits)
    if hits.ndim != 2:
        raise ValueError(f"hits must be 2-D (num_users, k), got shape {hits.shape}")
    if hits.shape[1] == 0:
        raise ValueError("hits has k = 0 columns: k must be positive")
    if num_relevant is not None:
        num_relevant = np.asarray(num_relevant)
        if num_relevant.shape != (hits.shape[0],):
            raise ValueError(f"num_relevant must have shape ({hits.shape[0]},), got "
                             f"{num_relevant.shape}")
        if np.any(num_relevant <= 0):
            raise ValueError("every user needs at least one relevant item (num_relevant > 0)")
        if np.any(hits.sum(axis=1) > num_relevant):
            raise ValueError("a user has more hits than relevant items")
    return hits.astype(bool)


# ------------------------------------------------------------------ building hits
def hit_matrix(recommended: np.ndarray, relevant: list) -> tuple[np.ndarray, np.ndarray]:
    """Hit matrix from ranked lists.

    Args:
        recommended: (num_users, k) item ids, best first.
        relevant: num_users collections of relevant item ids.

    Returns:
        hits (num_users, k) bool and num_relevant (num_users,) int64.
    """
    recommended = np.asarray(recommended)
    if recommended.ndim != 2:
        raise ValueError(f"recommended must be 2-D (num_users, k), got {recommended.shape}")
    if len(relevant) != recommended.shape[0]:
        raise ValueError(f"{recommended.shape[0]} ranked lists but {len(relevant)} "
                         "relevant sets")
    sets = [set(np.asarray(list(r)).tolist()) for r in relevant]
    hits = np.array([[item in s for item in row] for row, s in zip(recommended.tolist(), sets)],
                    dtype=bool).reshape(recommended.shape)
    return hits, np.array([len(s) for s in sets], dtype=np.int64)


# ------------------------------------------------------------------ top-k, per user
def precision_at_k(hits: np.ndarray) -> np.ndarray:
    """(num_users,) hits in the top k divided by k."""
    hits = _check_hits(hits)
    return hits.sum(axis=1) / hits.shape[1]


def recall_at_k(hits: np.ndarray, num_relevant: np.ndarray) -> np.ndarray:
    """(num_users,) hits in the top k divided by the number of relevant items."""
    hits = _check_hits(hits, num_relevant)
    return hits.sum(axis=1) / np.asarray(num_relevant)


def discounts(k: int) -> np.ndarray:
    """(k,) position discounts 1 / log2(rank + 1) for ranks 1..k."""
    _check_k(k)
    return 1.0 / np.log2(np.arange(2, k + 2))


def ndcg_at_k(hits: np.ndarray, num_relevant: np.ndarray) -> np.ndarray:
    """(num_users,) binary-relevance nDCG@k (see the module docstring)."""
    hits = _check_hits(hits, num_relevant)
    disc = discounts(hits.shape[1])
    dcg = (hits * disc).sum(axis=1)
    ideal_hits = np.minimum(np.asarray(num_relevant), hits.shape[1])
    idcg = np.cumsum(disc)[ideal_hits - 1]
    return dcg / idcg


def average_precision(hits: np.ndarray, num_relevant: np.ndarray, *,
                      normalize: str = "min") -> np.ndarray:
    """(num_users,) average precision of each top-k list.

    Args:
        normalize: ``"min"`` divides by min(num_relevant, k) (``map@k``);
            ``"all"`` divides by num_relevant (Microsoft Recommenders' ``map``).
    """
    hits = _check_hits(hits, num_relevant)
    k = hits.shape[1]
    precision_at_r = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    total = (precision_at_r * hits).sum(axis=1)
    num_relevant = np.asarray(num_relevant)
    if normalize == "min":
        return total / np.minimum(num_relevant, k)
    if normalize == "all":
        return total / num_relevant
    raise ValueError(f"normalize must be 'min' or 'all', got {normalize!r}")


def hit_rate_at_k(hits: np.ndarray) -> np.ndarray:
    """(num_users,) 1.0 where at least one of the top k is relevant."""
    return _check_hits(hits).any(axis=1).astype(np.float64)


def reciprocal_rank_at_k(hits: np.ndarray) -> np.ndarray:
    """(num_users,) 1 / rank of the first hit in the top k, 0 if none."""
    hits = _check_hits(hits)
    first = hits.argmax(axis=1)
    return np.where(hits.any(axis=1), 1.0 / (first + 1), 0.0)


# ------------------------------------------------------------------ beyond accuracy
def catalogue_coverage(recommended: np.ndarray, num_items: int) -> float:
    """Share of the ``num_items`` catalogue present in at least one top-k list."""
    if num_items <= 0:
        raise ValueError(f"num_items must be positive, got {num_items}")
    return np.unique(np.asarray(recommended)).size / num_items


def novelty(recommended: np.ndarray, item_user_counts: np.ndarray, num_users: int) -> float:
    """Mean self-information -log2(count_i / num_users) of recommended items (bits).

    ``item_user_counts[i]`` is how many train users interacted with item i; counts
    below 1 are taken as 1 so never-seen items have the highest, finite novelty.
    """
    if num_users <= 0:
        raise ValueError(f"num_users must be positive, got {num_users}")
    counts = np.maximum(np.asarray(item_user_counts, dtype=np.float64), 1.0)
    p = counts[np.asarray(recommended)] / num_users
    return float(np.mean(-np.log2(p)))


# ------------------------------------------------------------------ ratings and CTR
def _pair(y_true, y_pred, name: str) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true has {y_true.size} values, y_pred {y_pred.size}")
    if y_true.size == 0:
        raise ValueError(f"{name}: no values to score")
    if not (np.isfinite(y_true).all() and np.isfinite(y_pred).all()):
        raise ValueError(f"{name}: inputs hold NaN or infinite values")
    return y_true, y_pred


def rmse(y_true, y_pred) -> float:
    """Root mean squared error."""
    y_true, y_pred = _pair(y_true, y_pred, "rmse")
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    y_true, y_pred = _pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(y_true - y_pred)))


def sigmoid(z) -> np.ndarray:
    """1 / (1 + exp(-z)) elementwise, float64, without overflow for large |z|."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def auc(y_true, y_score) -> float:
    """ROC AUC from ranks (ties get their average rank): P(score_pos > score_neg)."""
    y_true, y_score = _pair(y_true, y_score, "auc")
    positive = y_true > 0.5
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("auc needs both positive and negative labels")
    order = np.argsort(y_score, kind="mergesort")
    ranks = np.empty(len(y_score))
    sorted_scores = y_score[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def log_loss(y_true, y_prob, eps: float = 1e-7) -> float:
    """Binary cross-entropy, probabilities clipped to [eps, 1 - eps]."""
    y_true, y_prob = _pair(y_true, y_prob, "log_loss")
    if np.any((y_prob < 0) | (y_prob > 1)):
        raise ValueError("log_loss: y_prob must hold probabilities in [0, 1]")
    p = np.clip(y_prob, eps, 1 - eps)
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))
