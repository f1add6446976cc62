"""Matrix factorization for explicit ratings, in Keras.

    r_hat(u, i) = mu + b_u + b_i + p_u . q_i

trained on squared error with L2 on embeddings and biases, Adam, tf.data batches.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.models.training import EmbeddingRecommender, interactions
from rec_course.schema import RATING


@keras.saving.register_keras_serializable(package="rec_course")
class BiasedMF(keras.Model):
    """The Keras model: inputs (user_ids (batch,), item_ids (batch,)) -> ratings (batch,).

    Args:
        num_users, num_items: table sizes.
        embedding_dim: latent dimension.
        l2: L2 weight on the embeddings and biases looked up in each batch.
        global_mean: mu, the mean train rating.
        seed: initializer seed.
    """

    def __init__(self, num_users: int, num_items: int, embedding_dim: int = 32,
                 l2: float = 1e-4, global_mean: float = 0.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.num_users, self.num_items = num_users, num_items
        self.embedding_dim, self.l2, self.global_mean, self.seed = (
            embedding_dim, l2, global_mean, seed)
        init = keras.initializers.RandomNormal(stddev=0.05, seed=seed)
        self.user_embedding = layers.Embedding(num_users, embedding_dim, embeddings_initializer=init)
        self.item_embedding = layers.Embedding(num_items, embedding_dim,
                                               embeddings_initializer=keras.initializers.RandomNormal(
                                                   stddev=0.05, seed=seed + 1))
        self.user_bias = layers.Embedding(num_users, 1, embeddings_initializer="zeros")
        self.item_bias = layers.Embedding(num_items, 1, embeddings_initializer="zeros")

    def call(self, inputs):
        users, items = inputs
        p = self.user_embedding(users)  # (batch, dim)
        q = self.item_embedding(items)  # (batch, dim)
        bu = ops.squeeze(self.user_bias(users), -1)  # (batch,)
        bi = ops.squeeze(self.item_bias(items), -1)
        if self.l2:
            self.add_loss(self.l2 * (ops.mean(ops.sum(p * p, -1) + ops.sum(q * q, -1))
                                     + ops.mean(bu * bu + bi * bi)))
        return self.global_mean + bu + bi + ops.sum(p * q, axis=-1)

    def get_config(self):
        return {**super().get_config(), "num_users": self.num_users,
                "num_items": self.num_items, "embedding_dim": self.embedding_dim,
                "l2": self.l2, "global_mean": self.global_mean, "seed": self.seed}


class MatrixFactorization(EmbeddingRecommender):
    """Explicit-rating MF (see :class:`BiasedMF`) with the course's recommender interface.

    Args:
        embedding_dim, l2: model hyperparameters.
        learning_rate, epochs, batch_size, patience, seed and the rest: training, see
            :class:`~rec_course.models.training.KerasRecommender` (validation: RMSE).

    After fit: ``history`` (DataFrame epoch, loss[, val_rmse]) and ``train_seconds``.
    """

    validation = "rmse"

    def __init__(self, embedding_dim: int = 32, l2: float = 1e-4, learning_rate: float = 1e-3,
                 epochs: int = 20, batch_size: int = 256, patience: int | None = 3,
                 seed: int = 0, **training):
        if embedding_dim <= 0 or l2 < 0:
            raise ValueError("embedding_dim must be positive, l2 >= 0")
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, seed=seed, **training)
        self.embedding_dim, self.l2 = embedding_dim, l2

    def prepare(self, train: pd.DataFrame) -> None:
        if RATING not in train.columns:
            raise ValueError("MatrixFactorization needs a rating column (explicit feedback)")
        self._examples = interactions(train), train[RATING].to_numpy(np.float32)
        self._mean = float(train[RATING].mean())

    def build_model(self) -> keras.Model:
        return BiasedMF(self.num_users, self.num_items, self.embedding_dim, self.l2,
                        self._mean, self.seed)

    def loss(self):
        return "mse"

    def epoch_data(self, epoch: int, seed: int):
        return self._examples  # the same ratings every epoch, reshuffled with ``seed``

    def predict(self, user_ids, item_ids) -> np.ndarray:
        """Predicted ratings (n,), clipped to [1, 5]."""
        users = self._check_users(user_ids)
        items = self._check_items(item_ids)
        pred = self.model.predict_on_batch((users.astype(np.int32), items.astype(np.int32)))
        return np.clip(np.asarray(pred, dtype=np.float64), 1.0, 5.0)

    def user_biases(self, user_ids: np.ndarray) -> np.ndarray:
        """(n,) user biases, through the model's layer."""
        users = self._check_users(user_ids).astype(np.int32)
        return np.asarray(self.model.user_bias(users), np.float32)[:, 0]

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        """Predicted ratings (unclipped) for every item: (len(user_ids), num_items)."""
        users = self._check_users(user_ids)
        return (self.model.global_mean + self.user_biases(users)[:, None]
                + super().score(users)).astype(np.float32)
