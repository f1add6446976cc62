"""Neighbourhood models: item-kNN and user-kNN with shrunk cosine similarity.

Similarity between two columns (items) or rows (users) a, b of the binary interaction
matrix X (num_users, num_items):

    sim(a, b) = a . b / (||a|| ||b|| + shrinkage)

Shrinkage pulls similarities computed from few co-occurrences towards 0. Each item
(user) keeps its ``num_neighbors`` most similar neighbours; scores are

    item-kNN: score(u, i) = sum_j X[u, j] sim(j, i)      (scores = X S)
    user-kNN: score(u, i) = sum_v sim(u, v) X[v, i]      (scores = S X)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rec_course.models.base import Recommender
from rec_course.ranking import top_k


def cosine_similarity(x: sp.csr_matrix, shrinkage: float = 0.0) -> np.ndarray:
    """Shrunk cosine similarity between the columns of ``x``.

    Args:
        x: (n, m) sparse matrix; columns are the vectors compared.
        shrinkage: >= 0, added to the product of norms in the denominator.

    Returns:
        (m, m) float32 dense similarities with a zero diagonal.
    """
    if shrinkage < 0:
        raise ValueError(f"shrinkage must be >= 0, got {shrinkage}")
    x = sp.csc_matrix(x, dtype=np.float32)
    dots = (x.T @ x).toarray()  # (m, m) co-occurrence counts for binary x
    norms = np.sqrt(np.diag(dots))
    denom = np.outer(norms, norms) + shrinkage
    sim = np.divide(dots, denom, out=np.zeros_like(dots), where=denom > 0)
    np.fill_diagonal(sim, 0.0)
    return sim.astype(np.float32)


def keep_top_neighbors(sim: np.ndarray, num_neighbors: int) -> np.ndarray:
    """Zero all but the ``num_neighbors`` largest entries of each column of ``sim``."""
    if num_neighbors <= 0:
        raise ValueError(f"num_neighbors must be positive, got {num_neighbors}")
    m = sim.shape[0]
    if num_neighbors >= m - 1:
        return sim
    cut = top_k(sim.T, num_neighbors).T      # (nn, m); ties: the lower index, everywhere
    out = np.zeros_like(sim)
    cols = np.broadcast_to(np.arange(m), cut.shape)
    out[cut, cols] = sim[cut, cols]
    return out


class _Neighborhood(Recommender):
    def __init__(self, num_neighbors: int, shrinkage: float):
        if num_neighbors <= 0:
            raise ValueError(f"num_neighbors must be positive, got {num_neighbors}")
        if shrinkage < 0:
            raise ValueError(f"shrinkage must be >= 0, got {shrinkage}")
        self.num_neighbors, self.shrinkage = num_neighbors, shrinkage


class ItemKNN(_Neighborhood):
    """Item-based kNN: recommend items similar to the ones the user has.

    Args:
        num_neighbors: neighbours kept per item.
        shrinkage: cosine shrinkage (see module docstring).
    """

    def __init__(self, num_neighbors: int = 100, shrinkage: float = 10.0):
        super().__init__(num_neighbors, shrinkage)

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        sim = cosine_similarity(self.seen, self.shrinkage)
        self.similarity_ = keep_top_neighbors(sim, self.num_neighbors)  # (items, items)

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        return self.score_history(self.seen[users])

    def score_history(self, history) -> np.ndarray:
        """Scores (n, num_items) for histories (n, num_items): sum of the similarities
        of each item to the items of the history."""
        x = self._check_history(history)
        return np.asarray(x @ self.similarity_, dtype=np.float32)

    def similar_items(self, item_id: int, k: int = 10) -> pd.DataFrame:
        """The k items most similar to ``item_id`` (indices): DataFrame item_id, similarity."""
        self._check_fitted()
        if not 0 <= item_id < self.num_items:
            raise KeyError(f"unknown item index {item_id}: valid range is 0..{self.num_items - 1}")
        col = self.similarity_[:, item_id]
        top = np.argsort(-col, kind="stable")[:k]
        return pd.DataFrame({"item_id": top, "similarity": col[top]})


class UserKNN(_Neighborhood):
    """User-based kNN: recommend what similar users have.

    Args:
        num_neighbors: neighbours kept per user.
        shrinkage: cosine shrinkage (see module docstring).
    """

    def __init__(self, num_neighbors: int = 50, shrinkage: float = 10.0):
        super().__init__(num_neighbors, shrinkage)

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        sim = cosine_similarity(self.seen.T.tocsr(), self.shrinkage)  # (users, users)
        # column v of similarity_ holds v's neighbours; row u of S^T scores user u
        self.similarity_ = keep_top_neighbors(sim, self.num_neighbors).T.copy()

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        return np.asarray(self.seen.T @ self.similarity_[users].T, dtype=np.float32).T

    def score_history(self, history) -> np.ndarray:
        """Scores (n, num_items) for new users given by their histories (n, num_items):
        shrunk cosine similarity to every train user, the ``num_neighbors`` most similar
        kept, then what they have, weighted by similarity."""
        x = self._check_history(history)
        x = (x > 0).astype(np.float32)
        seen = self.seen.astype(np.float32)
        dots = np.asarray((x @ seen.T).todense())  # (n, train users)
        norms_x = np.sqrt(np.asarray(x.sum(axis=1)).ravel())
        norms_u = np.sqrt(np.asarray(seen.sum(axis=1)).ravel())
        denom = norms_x[:, None] * norms_u[None, :] + self.shrinkage
        sim = np.divide(dots, denom, out=np.zeros_like(dots), where=denom > 0)
        k = min(self.num_neighbors, sim.shape[1])
        keep = np.zeros(sim.shape, dtype=bool)
        np.put_along_axis(keep, top_k(sim, k), True, axis=1)
        sim[~keep] = 0.0
        return np.asarray(sim @ seen, dtype=np.float32)
