"""AutoRec (Sedhain et al. 2015): an autoencoder that reconstructs rating vectors.

I-AutoRec (``kind="item"``) encodes each item's ratings by all users r_i (num_users,);
U-AutoRec (``kind="user"``) each user's ratings of all items. With a sigmoid hidden layer
and an identity output,

    r_hat = W sigmoid(V r + mu) + b,

the loss counts only observed ratings (missing entries are not zeros):

    sum_{observed} (r - r_hat)^2 / #observed  +  l2 (||W||^2 + ||V||^2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.sparse import interaction_matrix
from rec_course.models.training import KerasRecommender
from rec_course.schema import RATING


def masked_mse(y_true, y_pred):
    """Mean squared error over observed (nonzero) entries of ``y_true`` only."""
    mask = ops.cast(ops.not_equal(y_true, 0.0), y_pred.dtype)
    return ops.sum(mask * ops.square(y_true - y_pred)) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="rec_course")
class AutoRecModel(keras.Model):
    """Input r (batch, num_inputs) ratings with 0 for missing -> r_hat (batch, num_inputs).

    Args:
        num_inputs: length of the rating vectors (num_users for I-AutoRec).
        hidden_dim: size of the sigmoid code.
        l2: L2 weight on both weight matrices.
        seed: initializer seed.
    """

    def __init__(self, num_inputs: int, hidden_dim: int = 500, l2: float = 1e-3,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.num_inputs, self.hidden_dim, self.l2, self.seed = num_inputs, hidden_dim, l2, seed
        reg = keras.regularizers.L2(l2) if l2 else None
        self.encoder = layers.Dense(hidden_dim, activation="sigmoid", kernel_regularizer=reg,
                                    kernel_initializer=keras.initializers.GlorotUniform(seed))
        self.decoder = layers.Dense(num_inputs, kernel_regularizer=reg,
                                    kernel_initializer=keras.initializers.GlorotUniform(seed + 1))

    def call(self, r):
        return self.decoder(self.encoder(r))  # (batch, num_inputs)

    def get_config(self):
        return {**super().get_config(), "num_inputs": self.num_inputs,
                "hidden_dim": self.hidden_dim, "l2": self.l2, "seed": self.seed}


class AutoRec(KerasRecommender):
    """I-AutoRec or U-AutoRec for rating prediction, with the course's interface.

    Args:
        kind: ``"item"`` (I-AutoRec, the better one in the paper) or ``"user"``.
        hidden_dim, l2: model hyperparameters.
        learning_rate, epochs, batch_size: Adam training over rating vectors.
        patience, seed and the rest: see
            :class:`~rec_course.models.training.KerasRecommender` (validation: RMSE).

    After fit: ``history`` (DataFrame epoch, loss[, val_rmse]) and ``train_seconds``.
    """

    validation = "rmse"

    def __init__(self, kind: str = "item", hidden_dim: int = 500, l2: float = 1e-3,
                 learning_rate: float = 1e-3, epochs: int = 100, batch_size: int = 64,
                 patience: int | None = 5, seed: int = 0, **training):
        if kind not in ("item", "user"):
            raise ValueError(f"kind must be 'item' or 'user', got {kind!r}")
        if hidden_dim <= 0 or l2 < 0:
            raise ValueError("hidden_dim must be positive, l2 >= 0")
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, seed=seed, **training)
        self.kind, self.hidden_dim, self.l2 = kind, hidden_dim, l2

    def prepare(self, train: pd.DataFrame) -> None:
        if RATING not in train.columns:
            raise ValueError("AutoRec needs a rating column (explicit feedback)")
        self.global_mean_ = float(train[RATING].mean())
        r = interaction_matrix(train, self.num_users, self.num_items, values="rating").toarray()
        self._vectors = r.T if self.kind == "item" else r  # (rows, num_inputs)
        self._has_train = (np.diff(self.seen.tocsr().indptr) > 0,
                           np.diff(self.seen.tocsc().indptr) > 0)  # users, items

    def build_model(self) -> keras.Model:
        return AutoRecModel(self._vectors.shape[1], self.hidden_dim, self.l2, self.seed)

    def loss(self):
        return masked_mse

    def epoch_data(self, epoch: int, seed: int):
        return (self._vectors,), self._vectors  # reconstruct the observed ratings

    def after_fit(self) -> None:
        self._refresh()

    def _predict_for_validation(self, user_ids, item_ids) -> np.ndarray:
        self._refresh()
        return self.predict(user_ids, item_ids)

    def _refresh(self) -> None:
        """Reconstruct the full rating matrix R_hat (num_users, num_items)."""
        out = np.asarray(self.model.predict_on_batch(self._vectors), dtype=np.float32)
        full = out.T if self.kind == "item" else out
        users_ok, items_ok = self._has_train
        full[~users_ok, :] = self.global_mean_  # nothing to encode: fall back to the mean
        full[:, ~items_ok] = self.global_mean_
        self.reconstruction_ = np.clip(full, 1.0, 5.0)

    def predict(self, user_ids, item_ids) -> np.ndarray:
        """Predicted ratings (n,) in [1, 5]."""
        users = self._check_users(user_ids)
        items = self._check_items(item_ids)
        return self.reconstruction_[users, items].astype(np.float64)

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        users = self._check_users(user_ids)
        return self.reconstruction_[users]

    def score_history(self, history) -> np.ndarray:
        """U-AutoRec only: predicted ratings (n, num_items) from rating rows (n, num_items)
        (0 = not rated). I-AutoRec encodes items, so a new user needs retraining."""
        if self.kind != "user":
            return super().score_history(history)
        x = self._check_history(history).toarray()
        out = np.asarray(self.model.predict_on_batch(x), dtype=np.float32)
        return np.clip(out, 1.0, 5.0)
