"""DeepFM (Guo et al. 2017): a factorization machine and an MLP sharing one set of
field embeddings, in Keras.

    logit = b + sum_f w_f[x_f]                          (first order)
          + sum_{f < g} <e_f, e_g>                      (FM second order)
          + MLP(concat_f e_f)                           (deep)

The second-order term over F fields costs O(F d), not O(F^2 d):

    sum_{f<g} <e_f, e_g> = 1/2 * sum_d [ (sum_f e_fd)^2 - sum_f e_fd^2 ].
"""

from __future__ import annotations

import keras
from keras import layers, ops

from rec_course.models.feature_base import (FeatureRecommender, FieldEmbedding, field_sizes,
                                            mlp)


def fm_interaction(embeddings):
    """Sum over field pairs of dot products: (batch, F, d) -> (batch,)."""
    square_of_sum = ops.square(ops.sum(embeddings, axis=1))   # (batch, d)
    sum_of_squares = ops.sum(ops.square(embeddings), axis=1)  # (batch, d)
    return 0.5 * ops.sum(square_of_sum - sum_of_squares, axis=-1)


class DeepFMModel(keras.Model):
    """Inputs (user_ids, item_ids) -> logits (batch,). Crosses are not used: the FM part
    learns every pairwise interaction from the field embeddings.

    Args:
        lookup: the FeatureLookup; embedding_dim, hidden, dropout, seed: as named.
        l2: L2 on the looked-up embeddings and first-order weights.
        use_deep: False gives a plain factorization machine.
    """

    def __init__(self, lookup, embedding_dim: int = 16, hidden: tuple[int, ...] = (128, 64),
                 l2: float = 0.0, dropout: float = 0.0, use_deep: bool = True, seed: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        self.lookup, self.use_deep = lookup, use_deep
        sizes = field_sizes(lookup.spec, crosses=False)
        self.first = FieldEmbedding(sizes, 1, l2, seed, stddev=0.0)
        self.bias = self.add_weight(name="bias", shape=(), initializer="zeros")
        self.embed = FieldEmbedding(sizes, embedding_dim, l2, seed + 10)
        if use_deep:
            self.tower = mlp(hidden, seed + 30, dropout)
            self.deep_out = layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(
                seed + 40))

    def call(self, inputs, training=False):
        features = self.lookup(inputs, training=training)
        first = ops.sum(ops.concatenate(list(self.first(features).values()), axis=-1), -1)
        e = ops.stack(list(self.embed(features).values()), axis=1)   # (batch, F, d)
        logit = self.bias + first + fm_interaction(e)
        if self.use_deep:
            h = ops.reshape(e, (-1, e.shape[1] * e.shape[2]))          # (batch, F*d)
            for layer in self.tower:
                h = layer(h, training=training)
            logit = logit + ops.squeeze(self.deep_out(h), -1)
        return logit


class DeepFM(FeatureRecommender):
    """DeepFM on click examples (``use_deep=False``: a factorization machine)."""

    def __init__(self, spec, embedding_dim: int = 16, hidden: tuple[int, ...] = (128, 64),
                 l2: float = 0.0, dropout: float = 0.0, use_deep: bool = True, **kwargs):
        super().__init__(spec, **kwargs)
        self.embedding_dim, self.hidden, self.l2 = embedding_dim, tuple(hidden), l2
        self.dropout, self.use_deep = dropout, use_deep

    def build_model(self) -> keras.Model:
        return DeepFMModel(self.lookup(crosses=False), self.embedding_dim, self.hidden, self.l2,
                           self.dropout, self.use_deep, self.seed)
