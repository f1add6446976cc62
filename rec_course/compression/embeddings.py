"""Smaller embedding tables: the hashing trick, the quotient-remainder trick (Shi et al.
2020) and low-rank factorization of a trained table.

- **Hashing**: ``num_buckets`` rows shared by all ids, id -> ``id mod num_buckets``
  (ids are already dense indices here, so the modulus is the hash). Ids that collide
  get the same vector.
- **Quotient-remainder (QR)**: two tables, ``ceil(n / m)`` quotient rows and ``m``
  remainder rows; id i gets ``Q[i // m] * R[i % m]`` (element-wise product, the paper's
  best combination). Every id gets a distinct pair of rows, so no two ids are forced to
  share a vector, with about ``n / m + m`` rows instead of n (fewest at ``m ~ sqrt(n)``).
- **Mixed dimensions** (Ginart et al. 2021): ids sorted by frequency into blocks; block b
  gets ``d_b ~ dim * (f_b / f_1)^alpha`` dimensions (f_b: the block's mean frequency)
  and a (d_b, dim) projection, so rare ids, which the data says little about, get few
  numbers.
- **Low rank**: a trained (n, d) table ``~ U_k (S_k V_k^T)`` from its SVD: ``k (n + d)``
  numbers instead of ``n d``.
"""

from __future__ import annotations

import math

import numpy as np

import keras
from keras import layers, ops


def qr_buckets(num_ids: int, num_buckets: int | None = None) -> tuple[int, int]:
    """``(quotient rows, remainder rows)`` of a QR embedding for ``num_ids`` ids with
    ``num_buckets`` remainder rows (default ``ceil(sqrt(num_ids))``)."""
    if num_ids <= 0:
        raise ValueError(f"num_ids must be positive, got {num_ids}")
    m = math.isqrt(num_ids - 1) + 1 if num_buckets is None else int(num_buckets)
    if not 0 < m <= num_ids:
        raise ValueError(f"num_buckets must be in [1, {num_ids}], got {num_buckets}")
    return -(-num_ids // m), m


class QREmbedding(layers.Layer):
    """Quotient-remainder embedding: ids (...) -> (..., dim), ``Q[id // m] * R[id % m]``.

    Args:
        num_ids: how many ids (0 .. num_ids - 1).
        dim: vector size.
        num_buckets: remainder rows m (default ``ceil(sqrt(num_ids))``).
        seed: initializer seed.
    """

    def __init__(self, num_ids: int, dim: int, num_buckets: int | None = None, seed: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        self.num_ids, self.dim = int(num_ids), int(dim)
        self.num_quotients, self.num_buckets = qr_buckets(num_ids, num_buckets)
        # products of two N(1, s) factors start near 1 +- noise: the product's scale is that
        # of one ordinary embedding initialized with stddev ~ s * sqrt(2)
        self.quotient = layers.Embedding(self.num_quotients, dim, name="quotient",
                                         embeddings_initializer=keras.initializers.RandomNormal(
                                             mean=1.0, stddev=0.05, seed=seed))
        self.remainder = layers.Embedding(self.num_buckets, dim, name="remainder",
                                          embeddings_initializer=keras.initializers.RandomNormal(
                                              stddev=0.05, seed=seed + 1))

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        return self.quotient(ids // self.num_buckets) * self.remainder(ids % self.num_buckets)

    def table(self) -> np.ndarray:
        """The (num_ids, dim) table the layer represents (for scoring every item)."""
        return np.asarray(self(np.arange(self.num_ids, dtype=np.int32)), np.float32)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_ids": self.num_ids, "dim": self.dim,
                "num_buckets": self.num_buckets}


class HashEmbedding(layers.Layer):
    """The hashing trick: ids (...) -> (..., dim), row ``id mod num_buckets`` of one shared
    table; colliding ids share a vector."""

    def __init__(self, num_buckets: int, dim: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if num_buckets <= 0 or dim <= 0:
            raise ValueError(f"num_buckets and dim must be positive, got {num_buckets}, {dim}")
        self.num_buckets, self.dim = int(num_buckets), int(dim)
        self.table_ = layers.Embedding(num_buckets, dim, name="buckets",
                                       embeddings_initializer=keras.initializers.RandomNormal(
                                           stddev=0.05, seed=seed))

    def call(self, ids):
        return self.table_(ops.cast(ids, "int32") % self.num_buckets)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_buckets": self.num_buckets, "dim": self.dim}


def mixed_dims(counts, num_blocks: int, dim: int, *, alpha: float = 0.5,
               min_dim: int = 2) -> tuple[np.ndarray, list[int]]:
    """Frequency blocks of a mixed-dimension embedding (Ginart et al. 2021).

    Args:
        counts: (n,) how often each id occurs in train.
        num_blocks: blocks of (nearly) equal size, most frequent ids first.
        dim: the first block's (and the output's) dimension.
        alpha: the power law's exponent (0: every block ``dim``).
        min_dim: the smallest block dimension.

    Returns:
        ``(block_of (n,) int, dims)``: each id's block and each block's dimension, where
        ``dims[b] = max(min_dim, round(dim * (f_b / f_0) ** alpha))``.
    """
    counts = np.asarray(counts, np.float64)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError(f"need (n,) counts, got shape {counts.shape}")
    if not 0 < num_blocks <= counts.size:
        raise ValueError(f"num_blocks must be in [1, {counts.size}], got {num_blocks}")
    if dim <= 0 or not 0 < min_dim <= dim or alpha < 0:
        raise ValueError(f"need dim > 0, 0 < min_dim <= dim and alpha >= 0, got {dim}, "
                         f"{min_dim}, {alpha}")
    order = np.argsort(-counts, kind="stable")
    block_of = np.empty(counts.size, np.int64)
    for b, part in enumerate(np.array_split(order, num_blocks)):
        block_of[part] = b
    mean = np.array([max(counts[block_of == b].mean(), 1e-9) for b in range(num_blocks)])
    dims = [int(max(min_dim, round(dim * (f / mean[0]) ** alpha))) for f in mean]
    return block_of, [min(d, dim) for d in dims]


class MixedDimEmbedding(layers.Layer):
    """Mixed-dimension embedding: ids (...) -> (..., dim); id i of block b is row i's
    (d_b,) vector in block b's table times block b's (d_b, dim) projection (none where
    d_b = dim).

    Args:
        block_of: (num_ids,) each id's block (from :func:`mixed_dims`).
        dims: each block's dimension.
        dim: output dimension.
        seed: initializer seed.
    """

    def __init__(self, block_of, dims: list[int], dim: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        block_of = np.asarray(block_of, np.int64)
        if block_of.ndim != 1 or block_of.size == 0:
            raise ValueError("block_of must be a non-empty (num_ids,) array")
        if block_of.min() < 0 or block_of.max() >= len(dims):
            raise ValueError(f"block_of holds blocks outside 0 .. {len(dims) - 1}")
        self.num_ids, self.dim, self.dims = int(block_of.size), int(dim), [int(d) for d in dims]
        members = [np.flatnonzero(block_of == b) for b in range(len(dims))]
        # position of each id in the blocks' concatenated (num_ids, dim) table
        position = np.empty(self.num_ids, np.int32)
        position[np.concatenate(members)] = np.arange(self.num_ids, dtype=np.int32)
        self.position = position
        self.sizes = [len(m) for m in members]
        init = keras.initializers.RandomNormal(stddev=0.05, seed=seed)
        self.tables = [layers.Embedding(max(n, 1), d, embeddings_initializer=init,
                                        name=f"block_{b}")
                       for b, (n, d) in enumerate(zip(self.sizes, self.dims))]
        self.projections = [None if d == dim else
                            layers.Dense(dim, use_bias=False, name=f"projection_{b}",
                                         kernel_initializer=keras.initializers.GlorotUniform(
                                             seed=seed + 1 + b))
                            for b, d in enumerate(self.dims)]

    def full_table(self):
        """(num_ids, dim) tensor, in block order (index it with ``position``)."""
        parts = []
        for n, table, projection in zip(self.sizes, self.tables, self.projections):
            if n == 0:
                continue
            rows = table(ops.arange(n))                                  # (n_b, d_b)
            parts.append(rows if projection is None else projection(rows))  # (n_b, dim)
        return ops.concatenate(parts, axis=0)

    def call(self, ids):
        where = ops.take(ops.convert_to_tensor(self.position), ops.cast(ids, "int32"))
        return ops.take(self.full_table(), where, axis=0)

    def table(self) -> np.ndarray:
        """The (num_ids, dim) table the layer represents."""
        return np.asarray(self(np.arange(self.num_ids, dtype=np.int32)), np.float32)

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims, "dim": self.dim}


def low_rank(table, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """Best rank-``rank`` factorization of a (n, d) table (truncated SVD):
    ``(A (n, rank), B (rank, d))`` with ``table ~ A @ B``; ``rank (n + d)`` numbers."""
    table = np.asarray(table, np.float32)
    if table.ndim != 2 or table.size == 0:
        raise ValueError(f"need a non-empty (n, d) table, got shape {table.shape}")
    if not 0 < rank <= min(table.shape):
        raise ValueError(f"rank must be in [1, {min(table.shape)}], got {rank}")
    u, s, vt = np.linalg.svd(table, full_matrices=False)
    return (u[:, :rank] * s[:rank]).astype(np.float32), vt[:rank].astype(np.float32)
