"""Bayesian Personalized Ranking (Rendle et al. 2009), in Keras.

For a user u, an item i the user interacted with and a sampled item j they did not:

    x_uij = (p_u . q_i + b_i) - (p_u . q_j + b_j),    loss = -log sigmoid(x_uij)

plus L2 on the looked-up vectors. Negatives are re-sampled uniformly every epoch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.sampling import sample_negatives
from rec_course.models.training import EmbeddingRecommender, interactions


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


class BPR(EmbeddingRecommender):
    """BPR-MF with the course's recommender interface.

    Args:
        embedding_dim, l2: model hyperparameters.
        learning_rate, epochs, batch_size: Adam training; one negative per positive,
            re-sampled each epoch (one vectorized draw per epoch).
        patience, eval_every, seed and the rest: see
            :class:`~rec_course.models.training.KerasRecommender` (validation: nDCG@k).

    After fit: ``history`` (DataFrame epoch, loss[, val_ndcg@10]) and ``train_seconds``.
    """

    def __init__(self, embedding_dim: int = 64, l2: float = 1e-4, learning_rate: float = 5e-3,
                 epochs: int = 30, batch_size: int = 1024, patience: int | None = 3,
                 eval_every: int = 2, seed: int = 0, **training):
        if embedding_dim <= 0 or l2 < 0:
            raise ValueError("embedding_dim must be positive, l2 >= 0")
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, eval_every=eval_every, seed=seed, **training)
        self.embedding_dim, self.l2 = embedding_dim, l2

    def prepare(self, train: pd.DataFrame) -> None:
        self._users, self._pos = interactions(train)
        self._labels = np.zeros(len(self._users), np.float32)  # unused by the loss

    def build_model(self) -> keras.Model:
        return BPRModel(self.num_users, self.num_items, self.embedding_dim, self.l2, self.seed)

    def loss(self):
        return bpr_loss

    def epoch_data(self, epoch: int, seed: int):
        neg = sample_negatives(self.seen, self._users, 1, seed=seed)[:, 0].astype(np.int32)
        return (self._users, self._pos, neg), self._labels
