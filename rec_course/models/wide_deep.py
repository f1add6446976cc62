"""Wide & Deep (Cheng et al. 2016), and its two halves alone, in Keras.

    wide:  logit = b + sum_f w_f[x_f] + sum_c w_c[cross_c(x)]      (logistic regression on
           one-hot features and hashed crosses: memorization)
    deep:  logit = MLP(concat_f e_f[x_f])                           (embeddings: generalization)
    wide & deep: the sum of the two logits, trained jointly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.models.feature_base import (FeatureRecommender, FieldEmbedding, field_sizes,
                                            mlp)

KINDS = ("wide", "deep", "wide_deep")


class WideDeepModel(keras.Model):
    """Inputs (user_ids (batch,), item_ids (batch,)) -> logits (batch,).

    Args:
        lookup: the FeatureLookup (feature tables and crosses).
        kind: ``"wide"``, ``"deep"`` or ``"wide_deep"``.
        embedding_dim, hidden: the deep part (embeddings of every field, an MLP).
        l2_wide, l2_deep: L2 on the looked-up wide weights and deep embeddings.
        seed: initializer seed.
    """

    def __init__(self, lookup, kind: str = "wide_deep", embedding_dim: int = 16,
                 hidden: tuple[int, ...] = (128, 64), l2_wide: float = 0.0,
                 l2_deep: float = 0.0, dropout: float = 0.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.lookup, self.kind = lookup, kind
        if kind in ("wide", "wide_deep"):  # one weight per feature value and per cross bucket
            self.wide = FieldEmbedding(field_sizes(lookup.spec), 1, l2_wide, seed, stddev=0.0)
            self.wide_bias = self.add_weight(name="wide_bias", shape=(), initializer="zeros")
        if kind in ("deep", "wide_deep"):  # embeddings of the plain fields, then an MLP
            self.deep = FieldEmbedding(field_sizes(lookup.spec, crosses=False), embedding_dim,
                                       l2_deep, seed + 10)
            self.tower = mlp(hidden, seed + 30, dropout)
            self.deep_out = layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(
                seed + 40))

    def call(self, inputs, training=False):
        features = self.lookup(inputs, training=training)      # {name: (batch, length)}
        logit = 0.0
        if self.kind in ("wide", "wide_deep"):
            weights = self.wide(features)                       # {name: (batch, 1)}
            logit = logit + self.wide_bias + ops.sum(ops.concatenate(list(weights.values()),
                                                                     axis=-1), axis=-1)
        if self.kind in ("deep", "wide_deep"):
            h = ops.concatenate(list(self.deep(features).values()), axis=-1)  # (batch, F*dim)
            for layer in self.tower:
                h = layer(h, training=training)
            logit = logit + ops.squeeze(self.deep_out(h), -1)
        return logit                                            # (batch,)


class WideAndDeep(FeatureRecommender):
    """Wide & Deep (or ``kind="wide"`` / ``"deep"`` alone) on click examples.

    Args:
        spec: the FeatureSpec; kind, embedding_dim, hidden, l2_wide, l2_deep, dropout: the
            model (see :class:`WideDeepModel`); the rest: :class:`FeatureRecommender`.
    """

    def __init__(self, spec, kind: str = "wide_deep", embedding_dim: int = 16,
                 hidden: tuple[int, ...] = (128, 64), l2_wide: float = 0.0,
                 l2_deep: float = 0.0, dropout: float = 0.0, **kwargs):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        super().__init__(spec, **kwargs)
        self.kind, self.embedding_dim, self.hidden = kind, embedding_dim, tuple(hidden)
        self.l2_wide, self.l2_deep, self.dropout = l2_wide, l2_deep, dropout

    def build_model(self) -> keras.Model:
        return WideDeepModel(self.lookup(crosses=self.kind != "deep"), self.kind, self.embedding_dim, self.hidden,
                             self.l2_wide, self.l2_deep, self.dropout, self.seed)


def cross_weights(recommender, cross: str) -> pd.DataFrame:
    """What the wide part memorized in one hashed cross: the weight of every value pair.

    Args:
        recommender: a fitted :class:`WideAndDeep` with a wide part.
        cross: the cross's name (``"occupation_x_genres"``).

    Returns:
        One row per pair of known values (OOV and padding left out), largest weight
        first: ``<first field>, <second field>, bucket, weight, pairs_in_bucket`` (pairs
        that hash to the same bucket share its weight: a collision).
    """
    model = getattr(recommender, "model", None)
    if model is None or not hasattr(model, "wide"):
        raise TypeError("cross_weights needs a fitted WideAndDeep with a wide part "
                        "(kind='wide' or 'wide_deep')")
    spec = model.lookup.spec
    by_name = {c.name: c for c in spec.crosses}
    if cross not in by_name:
        raise KeyError(f"unknown cross {cross!r}; crosses: {sorted(by_name)}")
    c = by_name[cross]
    first, second = spec.labels(c.first), spec.labels(c.second)
    a, b = np.meshgrid(np.arange(2, len(first)), np.arange(2, len(second)), indexing="ij")
    a, b = a.ravel().astype(np.int32), b.ravel().astype(np.int32)
    buckets = np.asarray(model.lookup.cross_bucket(cross, a, b))
    table = model.wide.field_table(cross)[:, 0]
    shared = np.bincount(buckets, minlength=len(table))
    out = pd.DataFrame({c.first: np.asarray(first)[a], c.second: np.asarray(second)[b],
                        "bucket": buckets, "weight": table[buckets],
                        "pairs_in_bucket": shared[buckets]})
    return out.sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)
