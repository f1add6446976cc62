"""Bayesian Personalized Ranking (Rendle et al. 2009), in Keras.

For a user u, an item i the user interacted with and a sampled item j they did not:

    x_uij = (p_u . q_i + b_i) - (p_u . q_j + b_j),    loss = -log sigmoid(x_uij)

plus L2 on the looked-up vectors. Negatives are re-sampled uniformly every epoch.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.sampling import sample_negatives
from rec_course.models.base import Recommender
from rec_course.models.training import (fit_epochs, interactions, make_dataset,
                                         ranking_validator)


def bpr_loss(_, x_uij):
    """-log sigmoid(x_uij) = softplus(-x_uij), averaged over the batch."""
    return ops.mean(ops.softplus(-x_uij))


@keras.saving.register_keras_serializable(package="rec_course")
class BPRModel(keras.Model):
    """Inputs (user_ids, pos_item_ids, neg_item_ids), each (batch,) -> x_uij (batch,).

    Args:
        num_users, num_items: table sizes.
        embedding_dim: latent dimension.
        l2: L2 weight on the looked-up user and item vectors and biases.
        seed: initializer seed.
    """

    def __init__(self, num_users: int, num_items: int, embedding_dim: int = 64,
                 l2: float = 1e-4, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.num_users, self.num_items = num_users, num_items
        self.embedding_dim, self.l2, self.seed = embedding_dim, l2, seed
        self.user_embedding = layers.Embedding(
            num_users, embedding_dim,
            embeddings_initializer=keras.initializers.RandomNormal(stddev=0.01, seed=seed))
        self.item_embedding = layers.Embedding(
            num_items, embedding_dim,
            embeddings_initializer=keras.initializers.RandomNormal(stddev=0.01, seed=seed + 1))
        self.item_bias = layers.Embedding(num_items, 1, embeddings_initializer="zeros")

    def call(self, inputs):
        users, pos, neg = inputs
        p = self.user_embedding(users)  # (batch, dim)
        qi, qj = self.item_embedding(pos), self.item_embedding(neg)  # (batch, dim) each
        bi = ops.squeeze(self.item_bias(pos), -1)
        bj = ops.squeeze(self.item_bias(neg), -1)
        if self.l2:
            self.add_loss(self.l2 * ops.mean(ops.sum(p * p + qi * qi + qj * qj, -1)
                                             + bi * bi + bj * bj))
        return ops.sum(p * (qi - qj), axis=-1) + bi - bj

    def get_config(self):
        return {**super().get_config(), "num_users": self.num_users,
                "num_items": self.num_items, "embedding_dim": self.embedding_dim,
                "l2": self.l2, "seed": self.seed}


class BPR(Recommender):
    """BPR-MF with the course's recommender interface.

    Args:
        embedding_dim, l2: model hyperparameters.
        learning_rate, epochs, batch_size: Adam training; one negative per positive,
            re-sampled each epoch.
        patience: with ``valid``, stop after this many validation checks without a better
            nDCG@10 and keep the best weights.
        eval_every: epochs between validation checks.
        seed: initializer, sampling and shuffling seed.

    After fit: ``history`` (DataFrame epoch, loss[, val_ndcg@10]) and ``train_seconds``.
    """

    def __init__(self, embedding_dim: int = 64, l2: float = 1e-4, learning_rate: float = 5e-3,
                 epochs: int = 30, batch_size: int = 1024, patience: int | None = 3,
                 eval_every: int = 2, seed: int = 0):
        if embedding_dim <= 0 or epochs <= 0 or learning_rate <= 0 or l2 < 0:
            raise ValueError("embedding_dim, epochs, learning_rate must be positive, l2 >= 0")
        self.embedding_dim, self.l2, self.learning_rate = embedding_dim, l2, learning_rate
        self.epochs, self.batch_size, self.patience = epochs, batch_size, patience
        self.eval_every, self.seed = eval_every, seed

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        self.model = BPRModel(self.num_users, self.num_items, self.embedding_dim, self.l2,
                              self.seed)
        self.model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss=bpr_loss)
        users, pos = interactions(train)

        def epoch_dataset(epoch: int):
            neg = sample_negatives(self.seen, users, 1, seed=self.seed * 1000 + epoch)[:, 0]
            return make_dataset((users, pos, neg.astype(np.int32)),
                                np.zeros(len(users), np.float32), self.batch_size,
                                seed=self.seed * 1000 + epoch)

        validate = ranking_validator(self, train, valid) if valid is not None else None
        start = time.perf_counter()
        self.history = fit_epochs(self.model, epoch_dataset, self.epochs, validate=validate,
                                  metric="val_ndcg@10", every=self.eval_every,
                                  patience=self.patience)
        self.train_seconds = time.perf_counter() - start

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        p = self.model.user_embedding.embeddings.numpy()[users]
        q = self.model.item_embedding.embeddings.numpy()
        b = self.model.item_bias.embeddings.numpy()[:, 0]
        return (p @ q.T + b[None, :]).astype(np.float32)

    def item_embeddings(self) -> np.ndarray:
        """(num_items, embedding_dim) learned item vectors."""
        return self.model.item_embedding.embeddings.numpy()
