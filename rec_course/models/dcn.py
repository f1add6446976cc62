"""DCN-v2 (Wang et al. 2021): a cross network of ``keras_rs.layers.FeatureCross`` layers
beside (or before) an MLP, in Keras.

    x0 = concat_f e_f,   x_{l+1} = x0 * (W_l x_l + b_l) + x_l      (one FeatureCross layer)

``projection_dim=None`` uses the full matrix W (d x d); a number r uses W = U V with
U (d x r), V (r x d): the low-rank variant of the paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
import keras_rs
from keras import layers, ops

from rec_course.models.feature_base import (FeatureRecommender, FieldEmbedding, field_sizes,
                                            mlp)


class DCNModel(keras.Model):
    """Inputs (user_ids, item_ids) -> logits (batch,).

    Args:
        lookup: the FeatureLookup.
        embedding_dim: size of each field's embedding (x0 has F * embedding_dim entries).
        num_cross: FeatureCross layers.
        projection_dim: None (full rank) or the rank of each cross layer's W.
        hidden: the MLP; ``structure="stacked"`` runs it on the cross output,
            ``"parallel"`` beside it (outputs concatenated).
        l2, dropout, seed: as named.
    """

    def __init__(self, lookup, embedding_dim: int = 8, num_cross: int = 2,
                 projection_dim: int | None = None, hidden: tuple[int, ...] = (128, 64),
                 structure: str = "stacked", l2: float = 0.0, dropout: float = 0.0,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if structure not in ("stacked", "parallel"):
            raise ValueError(f"structure must be 'stacked' or 'parallel', got {structure!r}")
        self.lookup, self.structure = lookup, structure
        self.embed = FieldEmbedding(field_sizes(lookup.spec, crosses=False), embedding_dim,
                                    l2, seed)
        self.cross = [keras_rs.layers.FeatureCross(
            projection_dim=projection_dim,
            kernel_initializer=keras.initializers.GlorotUniform(seed + 20 + n))
            for n in range(num_cross)]
        self.tower = mlp(hidden, seed + 30, dropout)
        self.out = layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed + 40))

    def call(self, inputs, training=False):
        features = self.lookup(inputs, training=training)
        x0 = ops.concatenate(list(self.embed(features).values()), axis=-1)  # (batch, F*d)
        x = x0
        for layer in self.cross:
            x = layer(x0, x)                                            # (batch, F*d)
        h = x if self.structure == "stacked" else x0
        for layer in self.tower:
            h = layer(h, training=training)
        if self.structure == "parallel":
            h = ops.concatenate([x, h], axis=-1)
        return ops.squeeze(self.out(h), -1)


class DCN(FeatureRecommender):
    """DCN-v2 on click examples (full or low-rank cross layers)."""

    def __init__(self, spec, embedding_dim: int = 8, num_cross: int = 2,
                 projection_dim: int | None = None, hidden: tuple[int, ...] = (128, 64),
                 structure: str = "stacked", l2: float = 0.0, dropout: float = 0.0, **kwargs):
        super().__init__(spec, **kwargs)
        self.embedding_dim, self.num_cross, self.projection_dim = (
            embedding_dim, num_cross, projection_dim)
        self.hidden, self.structure, self.l2, self.dropout = tuple(hidden), structure, l2, dropout

    def build_model(self) -> keras.Model:
        return DCNModel(self.lookup(crosses=False), self.embedding_dim, self.num_cross, self.projection_dim,
                        self.hidden, self.structure, self.l2, self.dropout, self.seed)


def cross_matrix(recommender, layer: int = 0) -> pd.DataFrame:
    """Which field pairs a cross layer mixes: the Frobenius norm of each (field, field)
    block of its weight matrix W (the heat map of the DCN-v2 paper, figure 6).

    Args:
        recommender: a fitted :class:`DCN`.
        layer: which FeatureCross layer (0 = the first).

    Returns:
        (F, F) DataFrame indexed by field name: row f, column g is ||W[f, g]||, the
        weight with which field g of the layer's input enters the cross term multiplied
        by field f of x0.
    """
    model = getattr(recommender, "model", None)
    if model is None or not hasattr(model, "cross"):
        raise TypeError("cross_matrix needs a fitted DCN")
    if not 0 <= layer < len(model.cross):
        raise ValueError(f"layer must be in 0..{len(model.cross) - 1}, got {layer}")
    cross = model.cross[layer]
    kernel = np.asarray(cross.dense.kernel)               # x @ kernel: (D_in, D_out)
    if cross.projection_dim is not None:                  # low rank: x @ U @ V
        kernel = np.asarray(cross.down_proj_dense.kernel) @ kernel
    names = model.embed.names
    f, d = len(names), kernel.shape[0] // len(names)
    w = kernel.T.reshape(f, d, f, d)                       # W[out field, ., in field, .]
    return pd.DataFrame(np.sqrt((w ** 2).sum(axis=(1, 3))), index=names, columns=names)
