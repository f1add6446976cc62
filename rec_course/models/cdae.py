"""Collaborative denoising autoencoder (CDAE, Wu et al. 2016) for top-N.

A user's binary vector x_u (num_items,) is corrupted by dropout, encoded with an extra
per-user vector (the "user node", optional), and decoded to one logit per item:

    h = sigmoid(W dropout(x_u) + v_u + b),    logits = W' h + b'

trained with binary cross-entropy over all items: reconstruct the clean x_u.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.models.base import Recommender
from rec_course.models.training import fit_epochs, make_dataset, ranking_validator


@keras.saving.register_keras_serializable(package="rec_course")
class CDAEModel(keras.Model):
    """Inputs (user_ids (batch,), x (batch, num_items)) -> logits (batch, num_items).

    Args:
        num_users, num_items: sizes.
        hidden_dim: code size.
        corruption: input dropout rate.
        user_node: add a learned per-user vector to the code (CDAE); False gives a
            plain denoising autoencoder.
        seed: initializer and dropout seed.
    """

    def __init__(self, num_users: int, num_items: int, hidden_dim: int = 64,
                 corruption: float = 0.5, user_node: bool = True, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.num_users, self.num_items, self.hidden_dim = num_users, num_items, hidden_dim
        self.corruption, self.user_node, self.seed = corruption, user_node, seed
        self.drop = layers.Dropout(corruption, seed=seed)
        self.encoder = layers.Dense(hidden_dim,
                                    kernel_initializer=keras.initializers.GlorotUniform(seed + 1))
        self.user_vectors = (layers.Embedding(num_users, hidden_dim, embeddings_initializer=
                                              keras.initializers.RandomNormal(0.0, 0.01, seed + 2))
                             if user_node else None)
        self.decoder = layers.Dense(num_items,
                                    kernel_initializer=keras.initializers.GlorotUniform(seed + 3))

    def call(self, inputs, training=False):
        users, x = inputs
        h = self.encoder(self.drop(x, training=training))  # (batch, hidden_dim)
        if self.user_node:
            h = h + self.user_vectors(users)
        return self.decoder(ops.sigmoid(h))  # logits (batch, num_items)

    def get_config(self):
        return {**super().get_config(), "num_users": self.num_users,
                "num_items": self.num_items, "hidden_dim": self.hidden_dim,
                "corruption": self.corruption, "user_node": self.user_node, "seed": self.seed}


class CDAE(Recommender):
    """CDAE with the course's interface.

    Args:
        hidden_dim, corruption, user_node: model hyperparameters.
        learning_rate, epochs, batch_size: Adam training over users.
        patience, eval_every: early stopping on validation nDCG@10 (with ``valid``).
        seed: initializer, dropout and shuffling seed.
    """

    def __init__(self, hidden_dim: int = 64, corruption: float = 0.5, user_node: bool = True,
                 learning_rate: float = 1e-3, epochs: int = 100, batch_size: int = 64,
                 patience: int | None = 5, eval_every: int = 5, seed: int = 0):
        if hidden_dim <= 0 or not 0 <= corruption < 1 or epochs <= 0 or learning_rate <= 0:
            raise ValueError("need positive hidden_dim, epochs, learning_rate and "
                             "0 <= corruption < 1")
        self.hidden_dim, self.corruption, self.user_node = hidden_dim, corruption, user_node
        self.learning_rate, self.epochs, self.batch_size = learning_rate, epochs, batch_size
        self.patience, self.eval_every, self.seed = patience, eval_every, seed

    def _fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> None:
        self.model = CDAEModel(self.num_users, self.num_items, self.hidden_dim,
                               self.corruption, self.user_node, self.seed)
        self.model.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                           loss=keras.losses.BinaryCrossentropy(from_logits=True))
        x = self.seen.toarray().astype(np.float32)
        users = np.arange(self.num_users, dtype=np.int32)
        validate = ranking_validator(self, train, valid) if valid is not None else None
        start = time.perf_counter()
        self.history = fit_epochs(
            self.model, lambda e: make_dataset((users, x), x, self.batch_size,
                                               seed=self.seed * 1000 + e),
            self.epochs, validate=validate, metric="val_ndcg@10", every=self.eval_every,
            patience=self.patience)
        self.train_seconds = time.perf_counter() - start

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        x = self.seen[users].toarray().astype(np.float32)
        return np.asarray(self.model((users.astype(np.int32), x), training=False),
                          dtype=np.float32)
