"""Matrix factorization for explicit ratings, in Keras.

    r_hat(u, i) = mu + b_u + b_i + p_u . q_i

trained on squared error with L2 on embeddings and biases, Adam, tf.data batches.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.movielens import ITEM_ID, RATING, USER_ID
from rec_course.models.base import Recommender
from rec_course.metrics import rmse
from rec_course.models.training import fit_epochs, interactions, make_dataset


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


class MatrixFactorization(Recommender):
    """Explicit-rating MF (see :class:`BiasedMF`) with the course's recommender interface.

    Args:
        embedding_dim, l2: model hyperparameters.
        learning_rate, epochs, batch_size: Adam training.
        patience: with a ``valid`` split, stop after this many epochs without a better
            validation RMSE and keep the best weights (None: train all epochs).
        seed: initializer and shuffling seed.

    After fit: ``history`` (DataFrame epoch, loss[, val_rmse]) and ``train_seconds``.
    """

    def __init__(self, embedding_dim: int = 32, l2: float = 1e-4, learning_rate: float = 1e-3,
                 epochs: int = 20, batch_size: int = 256, patience: int | None = 3,
                 seed: int = 0):
        if embedding_dim <= 0 or epochs <= 0 or learning_rate <= 0 or l2 < 0:
            raise ValueError("embedding_dim, epochs, learning_rate must be positive, l2 >= 0")
        self.embedding_dim, self.l2, self.learning_rate = embedding_dim, l2, learning_rate
        self.epochs, self.batch_size, self.patience, self.seed = epochs, batch_size, patience, seed

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        if RATING not in train.columns:
            raise ValueError("MatrixFactorization needs a rating column (explicit feedback)")
        mean = float(train[RATING].mean())
        self.model = BiasedMF(self.num_users, self.num_items, self.embedding_dim, self.l2,
                              mean, self.seed)
        self.model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss="mse")
        features, target = interactions(train), train[RATING].to_numpy(np.float32)
        validate = None
        if valid is not None:
            def validate() -> float:
                pred = self.predict(valid[USER_ID].to_numpy(), valid[ITEM_ID].to_numpy())
                return rmse(valid[RATING].to_numpy(), pred)
        start = time.perf_counter()
        self.history = fit_epochs(
            self.model, lambda e: make_dataset(features, target, self.batch_size,
                                               seed=self.seed * 1000 + e),
            self.epochs, validate=validate, metric="val_rmse", higher_is_better=False,
            patience=self.patience)
        self.train_seconds = time.perf_counter() - start

    def predict(self, user_ids, item_ids) -> np.ndarray:
        """Predicted ratings (n,), clipped to [1, 5]."""
        users = self._check_users(user_ids)
        items = np.asarray(item_ids, dtype=np.int32)
        pred = self.model.predict_on_batch((users.astype(np.int32), items))
        return np.clip(np.asarray(pred, dtype=np.float64), 1.0, 5.0)

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        """Predicted ratings for every item: (len(user_ids), num_items)."""
        users = self._check_users(user_ids)
        p = self.model.user_embedding.embeddings.numpy()[users]
        q = self.model.item_embedding.embeddings.numpy()
        bu = self.model.user_bias.embeddings.numpy()[users]  # (n, 1)
        bi = self.model.item_bias.embeddings.numpy()[:, 0]
        return (self.model.global_mean + bu + bi[None, :] + p @ q.T).astype(np.float32)

    def item_embeddings(self) -> np.ndarray:
        """(num_items, embedding_dim) learned item vectors."""
        return self.model.item_embedding.embeddings.numpy()
