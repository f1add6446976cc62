"""EASE (Steck 2019): a linear item-item autoencoder with a closed form.

    min_B ||X - X B||_F^2 + lam ||B||_F^2   subject to diag(B) = 0

has the solution B = I - P diag(1 / diag(P)) with P = (X^T X + lam I)^-1, i.e.
B_ij = -P_ij / P_jj off the diagonal. Scores are X B. One matrix inverse of size
num_items x num_items: the strong shallow baseline every deep autoencoder must beat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rec_course.models.base import Recommender


def ease_weights(gram: np.ndarray, lam: float) -> np.ndarray:
    """B (num_items, num_items) from the Gram matrix X^T X and the L2 strength ``lam``."""
    if lam <= 0:
        raise ValueError(f"lam must be positive, got {lam}")
    p = np.linalg.inv(gram + lam * np.eye(gram.shape[0]))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


class EASE(Recommender):
    """EASE with the course's recommender interface.

    Args:
        lam: L2 strength (Steck used 200-1000 on larger data; choose it on validation).
    """

    def __init__(self, lam: float = 500.0):
        if lam <= 0:
            raise ValueError(f"lam must be positive, got {lam}")
        self.lam = lam

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        x = self.seen
        gram = np.asarray((x.T @ x).toarray(), dtype=np.float64)  # (items, items)
        self.weights_ = ease_weights(gram, self.lam).astype(np.float32)

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        return self.score_history(self.seen[users])

    def score_history(self, history) -> np.ndarray:
        """Scores X B (n, num_items) for histories X (n, num_items), new users included."""
        x = self._check_history(history)
        return np.asarray(x @ self.weights_, dtype=np.float32)
