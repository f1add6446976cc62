"""Collaborative denoising autoencoder (CDAE, Wu et al. 2016) for top-N.

A user's binary vector x_u (num_items,) is corrupted by dropout, encoded with an extra
per-user vector (the "user node", optional), and decoded to one logit per item:

    h = sigmoid(W dropout(x_u) + v_u + b),    logits = W' h + b'

trained with binary cross-entropy over all items: reconstruct the clean x_u.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.models.training import KerasRecommender


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


class CDAE(KerasRecommender):
    """CDAE with the course's interface.

    Args:
        hidden_dim, corruption, user_node: model hyperparameters.
        learning_rate, epochs, batch_size: Adam training over users.
        patience, eval_every, seed and the rest: see
            :class:`~rec_course.models.training.KerasRecommender` (validation: nDCG@k).
    """

    def __init__(self, hidden_dim: int = 64, corruption: float = 0.5, user_node: bool = True,
                 learning_rate: float = 1e-3, epochs: int = 100, batch_size: int = 64,
                 patience: int | None = 5, eval_every: int = 5, seed: int = 0, **training):
        if hidden_dim <= 0 or not 0 <= corruption < 1:
            raise ValueError("need positive hidden_dim and 0 <= corruption < 1")
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, eval_every=eval_every, seed=seed, **training)
        self.hidden_dim, self.corruption, self.user_node = hidden_dim, corruption, user_node

    def prepare(self, train: pd.DataFrame) -> None:
        self._x = self.seen.toarray().astype(np.float32)
        self._users = np.arange(self.num_users, dtype=np.int32)

    def build_model(self) -> keras.Model:
        return CDAEModel(self.num_users, self.num_items, self.hidden_dim, self.corruption,
                         self.user_node, self.seed)

    def loss(self):
        return keras.losses.BinaryCrossentropy(from_logits=True)

    def epoch_data(self, epoch: int, seed: int):
        return (self._users, self._x), self._x  # reconstruct the clean vectors

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        x = self.seen[users].toarray().astype(np.float32)
        return np.asarray(self.model((users.astype(np.int32), x), training=False),
                          dtype=np.float32)

    def score_history(self, history) -> np.ndarray:
        """Logits (n, num_items) for histories (n, num_items) of users the model has no
        user node for: the code is computed without the user vector."""
        x = self._check_history(history).toarray()
        h = self.model.encoder(x)
        return np.asarray(self.model.decoder(keras.ops.sigmoid(h)), dtype=np.float32)
