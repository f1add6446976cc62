"""The interface every course model shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rec_course.data.preprocessing import validate_interactions
from rec_course.data.sparse import check_ids, interaction_matrix


class Recommender:
    """Base class: subclasses implement :meth:`_fit` and :meth:`score`.

    After :meth:`fit`, ``num_users``, ``num_items`` and ``seen`` (the train CSR) are set,
    so :meth:`recommend` can remove items the user already has.
    """

    num_users: int
    num_items: int
    seen: sp.csr_matrix

    def fit(self, train: pd.DataFrame, num_users: int, num_items: int,
            valid: pd.DataFrame | None = None) -> "Recommender":
        """Fit on indexed interactions (user_id < num_users, item_id < num_items).

        ``valid`` (indexed, disjoint from train) is used by trained models for learning
        curves and early stopping; never pass the test split.
        """
        validate_interactions(train, name="train")
        if valid is not None:
            validate_interactions(valid, name="valid")
        if num_users <= 0 or num_items <= 0:
            raise ValueError(f"num_users and num_items must be positive, got "
                             f"{num_users}, {num_items}")
        self.seen = interaction_matrix(train, num_users, num_items)
        self.num_users, self.num_items = int(num_users), int(num_items)
        if valid is not None:
            check_ids(valid, num_users, num_items, "valid")
        self._fit(train, valid)
        return self

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None) -> None:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "seen"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(train, "
                               "num_users, num_items) first")

    def _check_users(self, user_ids) -> np.ndarray:
        self._check_fitted()
        user_ids = np.atleast_1d(np.asarray(user_ids))
        if not np.issubdtype(user_ids.dtype, np.integer):
            raise ValueError(f"user_ids must be integer indices, got dtype {user_ids.dtype}")
        bad = user_ids[(user_ids < 0) | (user_ids >= self.num_users)]
        if bad.size:
            raise KeyError(f"unknown user index(es) {bad[:5].tolist()}: valid range is "
                           f"0..{self.num_users - 1}")
        return user_ids.astype(np.int64)

    def _check_items(self, item_ids) -> np.ndarray:
        self._check_fitted()
        item_ids = np.atleast_1d(np.asarray(item_ids))
        if not np.issubdtype(item_ids.dtype, np.integer):
            raise ValueError(f"item_ids must be integer indices, got dtype {item_ids.dtype}")
        bad = item_ids[(item_ids < 0) | (item_ids >= self.num_items)]
        if bad.size:
            raise KeyError(f"unknown item index(es) {bad[:5].tolist()}: valid range is "
                           f"0..{self.num_items - 1}")
        return item_ids.astype(np.int64)

    def _check_history(self, history) -> sp.csr_matrix:
        """A (n, num_items) history matrix as float32 CSR, checked."""
        self._check_fitted()
        if isinstance(history, pd.DataFrame):
            raise TypeError("history must be a (n, num_items) matrix: build it with "
                            "data.interaction_matrix(frame, n, num_items)")
        history = sp.csr_matrix(history, dtype=np.float32)
        if history.ndim != 2 or history.shape[1] != self.num_items:
            raise ValueError(f"history must have shape (n, {self.num_items}) (users x "
                             f"items), got {history.shape}")
        if history.nnz and not np.isfinite(history.data).all():
            raise ValueError("history holds NaN or infinite values")
        return history

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        """Scores (len(user_ids), num_items) float32; higher means more recommended."""
        raise NotImplementedError

    def score_history(self, history) -> np.ndarray:
        """Scores for users given by their history instead of an id (fold-in): new users,
        or known users with a changed history.

        Args:
            history: (n, num_items) matrix (CSR or dense), nonzero = the user interacted.

        Returns:
            (n, num_items) float32 scores. Models that know users only by id (MF, BPR,
            NCF) cannot do this without training and raise NotImplementedError.
        """
        raise NotImplementedError(f"{type(self).__name__} knows users only by their id; "
                                  "it cannot score a new history without retraining")

    def recommend(self, user_id: int, k: int = 10, *, exclude_seen: bool = True
                  ) -> pd.DataFrame:
        """Top-k items for one user: DataFrame ``item_id, score`` (indices), best first."""
        from rec_course.evaluation import top_k_items

        users = self._check_users([user_id])
        scores = self.score(users)
        top = top_k_items(scores, k, self.seen[users] if exclude_seen else None)[0]
        return pd.DataFrame({"item_id": top, "score": scores[0, top]})
