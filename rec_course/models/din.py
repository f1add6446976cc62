"""DIN, the Deep Interest Network (Zhou et al. 2018): target attention over a user's
history for the click task of notebook 06.

A user's interest depends on the item being scored: for a target item t and the user's
past items h_1..h_H, an activation unit scores each past item against the target,

    a_j = MLP([h_j, t, h_j - t, h_j * t])                 (batch, H)
    w = softmax over the valid positions of a             (padding and t itself get 0)
    interest = sum_j w_j h_j                              (batch, dim)

and the click logit is an MLP over the feature embeddings of notebook 06 and
``interest``. The twin with ``pooling="mean"`` replaces ``w`` by equal weights: same
inputs, same parameters except the activation unit, so the difference is the attention.

The paper keeps the raw sigmoid-free scores (no softmax) to preserve the intensity of
interest; here the weights are normalized, so pooling does not reveal how many past
items a row has (a training positive has its own item masked out of its history, and
an unnormalized sum would let the model read that as a label).

History: each user's latest ``max_history`` train items in time order, every rated item
(the click task's positives and the rest), held as a constant table inside the model so
its inputs stay ``(user_ids, item_ids)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.sequences import PAD, pad_sequences, user_sequences
from rec_course.models.feature_base import FeatureRecommender, FieldEmbedding, field_sizes, mlp
from rec_course.models.sasrec import masked_softmax

POOLINGS = ("attention", "mean")


def history_table(train: pd.DataFrame, num_users: int, max_history: int) -> np.ndarray:
    """(num_users, max_history) int32 tokens (item + 1, 0 = padding) of each user's latest
    ``max_history`` train items, oldest first and left-padded; users without train rows
    get a row of padding."""
    if max_history <= 0:
        raise ValueError(f"max_history must be positive, got {max_history}")
    return pad_sequences(user_sequences(train, num_users), max_history, allow_empty=True)


@keras.saving.register_keras_serializable(package="rec_course")
class ActivationUnit(layers.Layer):
    """DIN's attention scores: (history (batch, H, d), target (batch, d)) -> (batch, H)
    from an MLP over ``[h, t, h - t, h * t]``."""

    def __init__(self, hidden: tuple[int, ...] = (36,), seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.hidden = tuple(hidden)
        self.tower = [layers.Dense(u, activation="sigmoid",
                                   kernel_initializer=keras.initializers.GlorotUniform(seed + n))
                      for n, u in enumerate(self.hidden)]
        self.score = layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed + 9))

    def call(self, history, target):
        t = ops.broadcast_to(ops.expand_dims(target, 1), ops.shape(history))  # (batch, H, d)
        x = ops.concatenate([history, t, history - t, history * t], axis=-1)  # (batch, H, 4d)
        for layer in self.tower:
            x = layer(x)
        return ops.squeeze(self.score(x), -1)                                 # (batch, H)


@keras.saving.register_keras_serializable(package="rec_course")
class DINModel(keras.Model):
    """Inputs (user_ids, item_ids) (batch,) each -> click logits (batch,).

    Args:
        lookup: the FeatureLookup of the spec (crosses unused).
        history: (num_users, H) history tokens (:func:`history_table`).
        embedding_dim, hidden, dropout, l2, seed: the embeddings and the click MLP.
        pooling: ``"attention"`` (DIN) or ``"mean"`` (the twin).
        attention_hidden: the activation unit's hidden layers.
    """

    def __init__(self, lookup, history: np.ndarray, embedding_dim: int = 16,
                 hidden: tuple[int, ...] = (128, 64), dropout: float = 0.0, l2: float = 0.0,
                 pooling: str = "attention", attention_hidden: tuple[int, ...] = (36,),
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.lookup, self.pooling = lookup, pooling
        self.past_items = self.add_weight(  # ("history" is keras.Model.fit's)
            name="past_items", shape=history.shape, dtype="int32", trainable=False,
            initializer=keras.initializers.Constant(history))
        self.embed = FieldEmbedding(field_sizes(lookup.spec, crosses=False), embedding_dim,
                                    l2, seed)
        if pooling == "attention":
            self.activation_unit = ActivationUnit(attention_hidden, seed + 20)
        self.tower = mlp(hidden, seed + 30, dropout)
        self.out = layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed + 40))

    def interest(self, users, items, training=False):
        """The pooled history: ``(interest (batch, d), weights (batch, H), fields)``."""
        features = self.lookup((users, items), training=training)
        fields = self.embed(features)                                   # {name: (batch, d)}
        tokens = ops.take(self.past_items, ops.cast(users, "int32"), axis=0)  # (batch, H)
        valid = ops.logical_and(ops.not_equal(tokens, PAD),           # not padding, and
                                ops.not_equal(tokens, ops.cast(items, "int32")[:, None] + 1))
        past = ops.take(self.lookup.tables["item"][:, 0], ops.maximum(tokens - 1, 0),
                        axis=0)                                          # vocabulary indices
        h = self.embed.table(past + self.embed.offsets["item"])          # (batch, H, d)
        if self.pooling == "attention":
            weights = masked_softmax(self.activation_unit(h, fields["item"]), valid)
        else:
            mask = ops.cast(valid, h.dtype)
            weights = mask / ops.maximum(ops.sum(mask, axis=-1, keepdims=True), 1.0)
        return ops.sum(h * weights[..., None], axis=1), weights, fields

    def call(self, inputs, training=False):
        users, items = inputs
        interest, _, fields = self.interest(users, items, training=training)
        x = ops.concatenate(list(fields.values()) + [interest], axis=-1)
        for layer in self.tower:
            x = layer(x, training=training)
        return ops.squeeze(self.out(x), -1)


class DIN(FeatureRecommender):
    """DIN (``pooling="attention"``) or its mean-pooling twin on the click task.

    Args:
        spec: the fitted FeatureSpec of notebook 06.
        max_history: past items per user the model reads.
        pooling: ``"attention"`` or ``"mean"``.
        embedding_dim, hidden, dropout, l2, attention_hidden: the model.
        num_negatives, threshold, validation and the rest: see
            :class:`~rec_course.models.feature_base.FeatureRecommender`.
    """

    def __init__(self, spec, *, max_history: int = 50, pooling: str = "attention",
                 embedding_dim: int = 16, hidden: tuple[int, ...] = (128, 64),
                 dropout: float = 0.0, l2: float = 0.0,
                 attention_hidden: tuple[int, ...] = (36,), **kwargs):
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if max_history <= 0:
            raise ValueError(f"max_history must be positive, got {max_history}")
        super().__init__(spec, **kwargs)
        self.max_history, self.pooling = max_history, pooling
        self.embedding_dim, self.hidden, self.dropout, self.l2 = (
            embedding_dim, tuple(hidden), dropout, l2)
        self.attention_hidden = tuple(attention_hidden)

    def prepare(self, train: pd.DataFrame) -> None:
        super().prepare(train)
        self.history_tokens = history_table(train, self.num_users, self.max_history)

    def build_model(self) -> DINModel:
        return DINModel(self.lookup(crosses=False), self.history_tokens, self.embedding_dim,
                        self.hidden, self.dropout, self.l2, self.pooling,
                        self.attention_hidden, self.seed)

    def attention_weights(self, user_id: int, item_id: int) -> pd.DataFrame:
        """How much each past item of ``user_id`` counts when scoring ``item_id``: a
        DataFrame ``item_id, weight`` over the user's history (oldest first, padding
        left out)."""
        users = self._check_users([user_id]).astype(np.int32)
        items = self._check_items([item_id]).astype(np.int32)
        _, weights, _ = self.model.interest(users, items)
        tokens = self.history_tokens[users[0]]
        keep = tokens != PAD
        return pd.DataFrame({"item_id": tokens[keep] - 1,
                             "weight": np.asarray(weights)[0][keep]})
