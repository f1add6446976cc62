"""SASRec (Kang & McAuley 2018): causal self-attention over a user's recent items.

Each position sees itself and the positions before it (the causal mask) and never a
padding position (the padding mask). A block is

    q = LayerNorm(x)
    x = q + Dropout(SelfAttention(query=q, key=value=x))  # as the reference code
    x = x + Dropout(FFN(LayerNorm(x)))                         # FFN = Dense-ReLU-Dense
    x = x * not_padding

on top of ``item_embedding(tokens) * sqrt(dim) + position_embedding``; a final
LayerNorm gives the hidden states. Positions are columns of the left-padded window, so
position ``max_len - 1`` is always the most recent item.
"""

from __future__ import annotations

import numpy as np

import keras
from keras import layers, ops

from rec_course.models.sequential import NextItemModel, SequentialRecommender


def causal_mask(length: int):
    """(length, length) bool: entry (i, j) is True where position i may attend to j
    (j <= i)."""
    if length <= 0:
        raise ValueError(f"length must be positive, got {length}")
    return np.tril(np.ones((length, length), dtype=bool))


def attention_mask(tokens):
    """(batch, L) tokens -> (batch, L, L) bool: causal and no padding key (token 0)."""
    length = ops.shape(tokens)[-1]
    positions = ops.arange(length)
    causal = positions[:, None] >= positions[None, :]  # (L, L): j <= i
    # (ops.tril fails inside tf.function on Keras 3.7 with a symbolic length)
    keys = ops.expand_dims(ops.not_equal(tokens, 0), 1)  # (batch, 1, L)
    return ops.logical_and(causal[None, :, :], keys)


def masked_softmax(logits, mask):
    """Softmax over the last axis restricted to ``mask`` (bool, broadcastable to
    ``logits``): masked entries get weight 0, and a row with no valid entry gets all-zero
    weights (not a uniform row over entries it may not see)."""
    logits = ops.where(mask, logits, ops.full_like(logits, -1e9))
    weights = ops.softmax(logits, axis=-1) * ops.cast(mask, logits.dtype)
    return weights / ops.maximum(ops.sum(weights, axis=-1, keepdims=True), 1e-9)


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q k^T / sqrt(d) + mask) v, the attention of one head.

    Args:
        q: (..., Lq, d) queries; k: (..., Lk, d) keys; v: (..., Lk, dv) values.
        mask: optional bool (..., Lq, Lk); False entries get no weight.

    Returns:
        ``(output (..., Lq, dv), weights (..., Lq, Lk))``; each row of ``weights`` with a
        valid key sums to 1 (a fully masked row, a padding query, is all zeros).
    """
    d = ops.shape(q)[-1]
    logits = ops.matmul(q, ops.swapaxes(k, -1, -2)) / ops.sqrt(ops.cast(d, q.dtype))
    weights = ops.softmax(logits, axis=-1) if mask is None else masked_softmax(logits, mask)
    return ops.matmul(weights, v), weights


@keras.saving.register_keras_serializable(package="rec_course")
class SelfAttention(layers.Layer):
    """Multi-head attention from four ``Dense`` layers and
    :func:`scaled_dot_product_attention`: (batch, L, dim) queries and keys/values ->
    (batch, L, dim), plus the (batch, heads, L, L) weights.

    (``keras.layers.MultiHeadAttention`` computes the same function; this layer builds a
    graph with several times fewer operations, which makes the first epoch of every fit
    seconds faster on a CPU, and it is the formula of the notebook, line by line.)

    Args:
        dim: model width; num_heads: heads (each of width dim / num_heads);
        dropout: on the attention weights; seed: initializers and dropout.
    """

    def __init__(self, dim: int, num_heads: int = 1, dropout: float = 0.0, seed: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        if dim % num_heads:
            raise ValueError(f"dim={dim} is not divisible by num_heads={num_heads}")
        self.dim, self.num_heads = dim, num_heads
        init = lambda s: keras.initializers.GlorotUniform(seed=seed + s)
        self.query, self.key, self.value, self.output_dense = (
            layers.Dense(dim, kernel_initializer=init(s), name=n)
            for s, n in enumerate(("query", "key", "value", "output")))
        self.weight_dropout = layers.Dropout(dropout, seed=seed + 5)

    def _heads(self, x):  # (batch, L, dim) -> (batch, heads, L, dim / heads)
        shape = ops.shape(x)
        x = ops.reshape(x, (shape[0], shape[1], self.num_heads, self.dim // self.num_heads))
        return ops.transpose(x, (0, 2, 1, 3))

    def call(self, queries, keys, mask, training=False):
        """queries, keys (batch, L, dim); mask (batch, L, L) bool."""
        q, k, v = (self._heads(f(x)) for f, x in ((self.query, queries), (self.key, keys),
                                                  (self.value, keys)))
        out, weights = scaled_dot_product_attention(q, k, v, ops.expand_dims(mask, 1))
        if training:  # dropout on the weights, as MultiHeadAttention does
            out = ops.matmul(self.weight_dropout(weights, training=True), v)
        out = ops.reshape(ops.transpose(out, (0, 2, 1, 3)), ops.shape(queries))
        return self.output_dense(out), weights


@keras.saving.register_keras_serializable(package="rec_course")
class SASRecBlock(layers.Layer):
    """One self-attention block: (batch, L, dim) -> (batch, L, dim).

    Args:
        dim: model width; num_heads: attention heads (dim split between them);
        dropout: on attention weights and both residual branches; seed: initializers.
    """

    def __init__(self, dim: int, num_heads: int = 1, dropout: float = 0.2, seed: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        if dim % num_heads:
            raise ValueError(f"dim={dim} is not divisible by num_heads={num_heads}")
        self.dim, self.num_heads, self.dropout_rate, self.seed = dim, num_heads, dropout, seed
        init = lambda s: keras.initializers.GlorotUniform(seed=seed + s)
        self.attention_norm = layers.LayerNormalization(epsilon=1e-8)
        self.attention = SelfAttention(dim, num_heads, dropout, seed=seed)
        self.ffn_norm = layers.LayerNormalization(epsilon=1e-8)
        self.ffn_in = layers.Dense(dim, activation="relu", kernel_initializer=init(1))
        self.ffn_out = layers.Dense(dim, kernel_initializer=init(2))
        self.drop = layers.Dropout(dropout, seed=seed)

    def call(self, x, mask, not_padding, training=False, return_attention=False):
        """x (batch, L, dim), mask (batch, L, L) bool, not_padding (batch, L, 1) float."""
        queries = self.attention_norm(x)
        attended, weights = self.attention(queries, x, mask, training=training)
        x = queries + self.drop(attended, training=training)  # residual on the normed x
        x = x + self.drop(self.ffn_out(self.drop(self.ffn_in(self.ffn_norm(x)),
                                                 training=training)), training=training)
        x = x * not_padding
        return (x, weights) if return_attention else x


@keras.saving.register_keras_serializable(package="rec_course")
class SASRecModel(NextItemModel):
    """Tokens (batch, L) -> hidden states (batch, L, dim) through ``num_blocks``
    :class:`SASRecBlock`; see :class:`~rec_course.models.sequential.NextItemModel` for
    scoring.

    Args:
        num_items, embedding_dim, max_len, seed: as for ``NextItemModel``.
        num_blocks, num_heads, dropout: the transformer.
    """

    def __init__(self, num_items: int, embedding_dim: int = 64, max_len: int = 50,
                 num_blocks: int = 2, num_heads: int = 1, dropout: float = 0.2,
                 seed: int = 0, **kwargs):
        super().__init__(num_items, embedding_dim, max_len, seed, **kwargs)
        self.num_blocks, self.num_heads, self.dropout_rate = num_blocks, num_heads, dropout
        self.position_embedding = layers.Embedding(
            max_len, embedding_dim, name="position_embedding",
            embeddings_initializer=keras.initializers.TruncatedNormal(stddev=0.02,
                                                                      seed=seed + 1))
        self.input_dropout = layers.Dropout(dropout, seed=seed + 2)
        self.blocks = [SASRecBlock(embedding_dim, num_heads, dropout, seed=seed + 10 * (b + 1))
                       for b in range(num_blocks)]
        self.final_norm = layers.LayerNormalization(epsilon=1e-8)

    def embed(self, tokens, training=False):
        """(batch, L) -> (batch, L, dim) item * sqrt(dim) + position, zero at padding."""
        not_padding = ops.expand_dims(ops.cast(ops.not_equal(tokens, 0), "float32"), -1)
        x = self.item_embedding(tokens) * (self.embedding_dim ** 0.5)
        x = x + self.position_embedding(ops.arange(ops.shape(tokens)[-1]))[None]
        return self.input_dropout(x, training=training) * not_padding, not_padding

    def encode(self, tokens, training=False):
        x, not_padding = self.embed(tokens, training)
        mask = attention_mask(tokens)
        for block in self.blocks:
            x = block(x, mask, not_padding, training=training)
        return self.final_norm(x)

    def attention_weights(self, tokens) -> list:
        """(batch, L) tokens -> one (batch, heads, L, L) array per block: how much each
        position attended to each earlier one (inference mode)."""
        x, not_padding = self.embed(tokens)
        mask = attention_mask(tokens)
        out = []
        for block in self.blocks:
            x, weights = block(x, mask, not_padding, return_attention=True)
            out.append(np.asarray(weights))
        return out


class SASRec(SequentialRecommender):
    """SASRec trained with ``loss="softmax"`` (default) or ``"bce"`` (the paper's).

    Args:
        num_blocks, num_heads, dropout: the transformer (the paper: 2 blocks, 1 head,
            dropout 0.2 on MovieLens-1M).
        max_len, embedding_dim, loss and the rest: see
            :class:`~rec_course.models.sequential.SequentialRecommender`.
    """

    def __init__(self, *, num_blocks: int = 2, num_heads: int = 1, dropout: float = 0.2,
                 **kwargs):
        if num_blocks < 0 or num_heads <= 0 or not 0 <= dropout < 1:
            raise ValueError("need num_blocks >= 0, num_heads > 0 and 0 <= dropout < 1")
        super().__init__(**kwargs)
        self.num_blocks, self.num_heads, self.dropout = num_blocks, num_heads, dropout

    def build_model(self) -> SASRecModel:
        return SASRecModel(self.num_items, self.embedding_dim, self.max_len,
                           self.num_blocks, self.num_heads, self.dropout, seed=self.seed)

    def attention_weights(self, user_ids) -> list[np.ndarray]:
        """Per block, (n, heads, max_len, max_len) attention weights over each user's
        latest items (columns as in :meth:`tokens`)."""
        return self.model.attention_weights(self.tokens(user_ids))
