"""Non-personalized baselines: random and most-popular. Every model must beat them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rec_course.models.base import Recommender


class RandomRecommender(Recommender):
    """Uniform random scores; a user's scores are fixed by (seed, user_id)."""

    def __init__(self, seed: int = 0):
        self.seed = seed

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        pass

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        out = np.empty((len(users), self.num_items), dtype=np.float32)
        for row, u in enumerate(users):  # per-user streams: same scores whatever the batch
            out[row] = np.random.default_rng([self.seed, int(u)]).random(self.num_items)
        return out


class PopularityRecommender(Recommender):
    """Scores every item by the number of train users who interacted with it."""

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        self.item_scores_ = np.asarray(self.seen.sum(axis=0), dtype=np.float32).ravel()

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        return np.broadcast_to(self.item_scores_, (len(users), self.num_items)).copy()

    def score_history(self, history) -> np.ndarray:
        """The same popularity scores (n, num_items) whatever the history."""
        x = self._check_history(history)
        return np.broadcast_to(self.item_scores_, (x.shape[0], self.num_items)).copy()
