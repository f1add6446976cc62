"""Mult-DAE and Mult-VAE (Liang et al. 2018): autoencoders with a multinomial likelihood.

A user is their bag of items x_u (num_items,). The encoder reads the L2-normalised x_u
with dropout on the input; the decoder outputs logits whose softmax is a distribution
over items. The loss is the multinomial log-likelihood

    -sum_i x_ui log softmax(f(x_u))_i

which rewards putting probability mass on the user's items: a natural fit for top-N.
Mult-VAE adds a Gaussian latent z ~ N(mu, sigma^2) and the KL term, weighted by beta,
annealed from 0: beta = min(beta_max, step / anneal_steps), i.e. raised by 1/anneal_steps
per update until it reaches ``beta_max`` (as in Liang et al.'s code). Users are scored by
folding in their train history: one forward pass with mu, no dropout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.models.training import KerasRecommender


def multinomial_nll(x, logits):
    """Mean over users of -sum_i x_ui log softmax(logits_u)_i."""
    return -ops.mean(ops.sum(ops.log_softmax(logits, axis=-1) * x, axis=-1))


@keras.saving.register_keras_serializable(package="rec_course")
class MultVAEModel(keras.Model):
    """Input x (batch, num_items) counts -> logits (batch, num_items).

    Args:
        num_items: catalogue size.
        hidden_dim, latent_dim: sizes of the encoder's hidden layer and of z.
        dropout: input dropout rate (the denoising).
        variational: True for Mult-VAE, False for Mult-DAE.
        beta_max, anneal_steps: the KL weight of training step t (counted by the
            optimizer) is ``min(beta_max, t / anneal_steps)``, computed inside the step;
            ``anneal_steps=None`` uses whatever the ``beta`` variable holds.
        seed: initializer, dropout and sampling seed.
    """

    def __init__(self, num_items: int, hidden_dim: int = 600, latent_dim: int = 200,
                 dropout: float = 0.5, variational: bool = True, seed: int = 0,
                 beta_max: float = 0.2, anneal_steps: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.beta_max, self.anneal_steps = beta_max, anneal_steps
        self.num_items, self.hidden_dim, self.latent_dim = num_items, hidden_dim, latent_dim
        self.dropout_rate, self.variational, self.seed = dropout, variational, seed
        init = lambda s: keras.initializers.GlorotUniform(seed=seed + s)  # noqa: E731
        self.drop = layers.Dropout(dropout, seed=seed)
        self.enc = layers.Dense(hidden_dim, activation="tanh", kernel_initializer=init(1))
        self.mu = layers.Dense(latent_dim, kernel_initializer=init(2))
        self.logvar = layers.Dense(latent_dim, kernel_initializer=init(3)) if variational else None
        self.dec_hidden = layers.Dense(hidden_dim, activation="tanh", kernel_initializer=init(4))
        self.dec_out = layers.Dense(num_items, kernel_initializer=init(5))
        self.beta = keras.Variable(0.0, trainable=False, name="beta")
        self.sampler = keras.random.SeedGenerator(seed + 6)

    def encode(self, x, training=False):
        """(mu, logvar) of q(z | x); logvar is None for Mult-DAE."""
        x = x / ops.maximum(ops.norm(x, axis=-1, keepdims=True), 1e-12)  # L2-normalise
        h = self.enc(self.drop(x, training=training))  # (batch, hidden_dim)
        return self.mu(h), (self.logvar(h) if self.variational else None)

    def call(self, x, training=False):
        mu, logvar = self.encode(x, training=training)  # (batch, latent_dim) each
        z = mu
        if self.variational:
            if training:
                eps = keras.random.normal(ops.shape(mu), seed=self.sampler)
                z = mu + ops.exp(0.5 * logvar) * eps
            kl = ops.mean(0.5 * ops.sum(ops.exp(logvar) + mu * mu - 1.0 - logvar, axis=-1))
            if training:
                if self.anneal_steps is not None and getattr(self, "optimizer", None):
                    step = ops.cast(self.optimizer.iterations, "float32")  # updates so far
                    self.beta.assign(ops.minimum(self.beta_max, step / self.anneal_steps))
                self.add_loss(self.beta * kl)
        return self.dec_out(self.dec_hidden(z))  # logits (batch, num_items)

    def get_config(self):
        return {**super().get_config(), "num_items": self.num_items,
                "hidden_dim": self.hidden_dim, "latent_dim": self.latent_dim,
                "dropout": self.dropout_rate, "variational": self.variational,
                "seed": self.seed, "beta_max": self.beta_max, "anneal_steps": self.anneal_steps}


class _BetaLog(keras.callbacks.Callback):
    """Records beta, the KL weight of the last update, at the end of each epoch."""

    def __init__(self):
        super().__init__()
        self.betas: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        self.betas.append(float(self.model.beta.numpy()))


class MultVAE(KerasRecommender):
    """Mult-VAE (``variational=True``) or Mult-DAE (False) with the course's interface.

    Args:
        hidden_dim, latent_dim, dropout: model hyperparameters.
        beta_max, anneal_steps: KL weight schedule (Mult-VAE only).
        learning_rate, epochs, batch_size: Adam training over users.
        patience, eval_every, seed and the rest: see
            :class:`~rec_course.models.training.KerasRecommender` (validation: nDCG@k).

    After fit: ``history`` (DataFrame epoch, loss, beta[, val_ndcg@10]), ``train_seconds``.
    """

    def __init__(self, hidden_dim: int = 600, latent_dim: int = 200, dropout: float = 0.5,
                 variational: bool = True, beta_max: float = 0.2, anneal_steps: int = 2000,
                 learning_rate: float = 1e-3, epochs: int = 100, batch_size: int = 128,
                 patience: int | None = 5, eval_every: int = 5, seed: int = 0, **training):
        if not 0 <= dropout < 1 or beta_max < 0:
            raise ValueError("need 0 <= dropout < 1 and beta_max >= 0")
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, eval_every=eval_every, seed=seed, **training)
        self.hidden_dim, self.latent_dim, self.dropout = hidden_dim, latent_dim, dropout
        self.variational, self.beta_max, self.anneal_steps = variational, beta_max, anneal_steps

    def prepare(self, train: pd.DataFrame) -> None:
        x = self.seen.toarray().astype(np.float32)  # (num_users, num_items)
        self._x = x[x.sum(axis=1) > 0]  # users with history
        self._betas = _BetaLog()

    def build_model(self) -> keras.Model:
        return MultVAEModel(self.num_items, self.hidden_dim, self.latent_dim, self.dropout,
                            self.variational, self.seed, beta_max=self.beta_max,
                            anneal_steps=max(self.anneal_steps, 1))

    def loss(self):
        return multinomial_nll

    def epoch_data(self, epoch: int, seed: int):
        return (self._x,), self._x

    def callbacks(self) -> list:
        return [self._betas]

    def after_fit(self) -> None:
        betas = self._betas.betas if self.variational else [0.0] * len(self.history)
        self.history["beta"] = betas[: len(self.history)]

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        """Logits (len(user_ids), num_items) from each user's train history (fold-in)."""
        users = self._check_users(user_ids)
        return self.score_history(self.seen[users])

    def score_history(self, history) -> np.ndarray:
        """Logits (n, num_items) from histories (n, num_items): one forward pass with the
        mean of q(z | x), no dropout: how new users are folded in."""
        x = self._check_history(history).toarray()
        return np.asarray(self.model(x, training=False), dtype=np.float32)
