"""Ranking distillation (Tang & Wang 2018): a small student learns from the data and from
a large teacher's top-ranked items.

For every user the teacher ranks the items the user has not interacted with; its top
``K`` items pi_1 .. pi_K become extra training positives for the student, item pi_r with
weight ``alpha * w_r``, ``w_r ~ exp(-r / lam)`` (normalized to mean 1: the teacher's
first choices count most). The paper adds them to a pointwise loss; the student here is
BPR, so each teacher item enters the pairwise loss against a sampled item, like a train
item:

    loss = mean over pairs of  weight * softplus(-(s(u, i) - s(u, j))),

weight 1 for the (u, i) pairs of train and ``alpha * w_r`` for the teacher's. The teacher
is fitted on the same train split and never sees the test items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from keras import ops

from rec_course.data.sampling import sample_negatives
from rec_course.models import bpr


def weighted_bpr_loss(weights, x_uij):
    """``mean(weights * softplus(-x_uij))``: BPR with a weight per pair (batch,)."""
    return ops.mean(ops.cast(weights, x_uij.dtype) * ops.softplus(-x_uij))


def rank_weights(top_k: int, lam: float) -> np.ndarray:
    """(top_k,) weights ``exp(-r / lam)`` for ranks r = 1 .. top_k, scaled to mean 1."""
    if top_k <= 0 or lam <= 0:
        raise ValueError(f"need top_k > 0 and lam > 0, got {top_k}, {lam}")
    w = np.exp(-np.arange(1, top_k + 1) / lam)
    return (w / w.mean()).astype(np.float32)


def teacher_top_items(teacher, seen, top_k: int, *, batch_size: int = 1024) -> np.ndarray:
    """(num_users, top_k) the teacher's best-scored items per user, ``seen`` (CSR of the
    train interactions) excluded, best first."""
    from rec_course.evaluation import top_k_items

    rows = []
    for start in range(0, seen.shape[0], batch_size):
        users = np.arange(start, min(start + batch_size, seen.shape[0]))
        rows.append(top_k_items(teacher.score(users), top_k, exclude=seen[users]))
    return np.concatenate(rows).astype(np.int32)


class DistilledBPR(bpr.BPR):
    """BPR trained on train and on a fitted ``teacher``'s top items (see the module).

    Args:
        teacher: a fitted model with ``score(user_ids) -> (n, num_items)``, fitted on the
            same train split.
        top_k: teacher items per user.
        alpha: weight of the teacher's pairs against the data's (1).
        lam: rank-weight decay (smaller: the teacher's first items dominate).
        (the rest as :class:`~rec_course.models.bpr.BPR`)

    After fit: ``teacher_items`` (num_users, top_k).
    """

    def __init__(self, teacher, *, top_k: int = 10, alpha: float = 0.5, lam: float = 5.0,
                 **kwargs):
        if alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {alpha}")
        rank_weights(top_k, lam)  # checks top_k and lam
        super().__init__(**kwargs)
        self.teacher, self.top_k, self.alpha, self.lam = teacher, int(top_k), float(alpha), lam

    def prepare(self, train: pd.DataFrame) -> None:
        super().prepare(train)
        self.teacher_items = teacher_top_items(self.teacher, self.seen, self.top_k)
        users = np.repeat(np.arange(self.num_users, dtype=self._users.dtype), self.top_k)
        weights = np.tile(rank_weights(self.top_k, self.lam) * self.alpha, self.num_users)
        self._all_users = np.concatenate([self._users, users])
        self._all_pos = np.concatenate([self._pos, self.teacher_items.ravel().astype(
            self._pos.dtype)])
        self._weights = np.concatenate([np.ones(len(self._users), np.float32), weights])

    def loss(self):
        return weighted_bpr_loss

    def epoch_data(self, epoch: int, seed: int):
        neg = sample_negatives(self.seen, self._all_users, 1, seed=seed)[:, 0].astype(np.int32)
        return (self._all_users, self._all_pos, neg), self._weights
