"""BPR with a compressed item table (quotient-remainder, hashing or mixed dimensions by
frequency), and BPR pruned while it trains (notebook 09)."""

from __future__ import annotations

import numpy as np

from rec_course.compression.embeddings import (HashEmbedding, MixedDimEmbedding, QREmbedding,
                                              mixed_dims)
from rec_course.compression.pruning import MagnitudePruning, polynomial_sparsity
from rec_course.models import bpr

ITEM_TABLES = ("qr", "hash", "mixed")


class CompressedBPRModel(bpr.BPRModel):
    """:class:`~rec_course.models.bpr.BPRModel` whose ``item_embedding`` is a
    :class:`QREmbedding` (``item_table="qr"``), a :class:`HashEmbedding` with
    ``num_buckets`` rows or a :class:`MixedDimEmbedding` (``item_table="mixed"``,
    ``blocks=(block_of, dims)``); users and item biases keep full tables."""

    def __init__(self, num_users: int, num_items: int, embedding_dim: int = 64,
                 l2: float = 1e-4, seed: int = 0, *, item_table: str = "qr",
                 num_buckets: int | None = None, blocks=None, **kwargs):
        super().__init__(num_users, num_items, embedding_dim, l2, seed, **kwargs)
        if item_table == "qr":
            self.item_embedding = QREmbedding(num_items, embedding_dim, num_buckets,
                                              seed=seed + 1)
        elif item_table == "hash":
            if num_buckets is None:
                raise ValueError("item_table='hash' needs num_buckets")
            self.item_embedding = HashEmbedding(num_buckets, embedding_dim, seed=seed + 1)
        elif item_table == "mixed":
            if blocks is None:
                raise ValueError("item_table='mixed' needs blocks=(block_of, dims)")
            self.item_embedding = MixedDimEmbedding(*blocks, embedding_dim, seed=seed + 1)
        else:
            raise ValueError(f"item_table must be one of {ITEM_TABLES}, got {item_table!r}")

    def build(self, input_shape=None):  # every layer builds on its first call
        self.built = True


class CompressedBPR(bpr.BPR):
    """BPR-MF with a QR, hashed or mixed-dimension item table (see
    :class:`CompressedBPRModel`).

    Args:
        item_table: ``"qr"``, ``"hash"`` or ``"mixed"``.
        num_buckets: QR remainder rows (default ``ceil(sqrt(num_items))``) or hash rows.
        num_blocks, alpha, max_dim, min_dim: the frequency blocks of ``"mixed"``: the
            first block ``max_dim`` wide (default ``embedding_dim``; see
            :func:`~rec_course.compression.embeddings.mixed_dims`; frequencies counted in
            the train split).
        (the rest as :class:`~rec_course.models.bpr.BPR`)
    """

    def __init__(self, *, item_table: str = "qr", num_buckets: int | None = None,
                 num_blocks: int = 4, alpha: float = 0.5, max_dim: int | None = None,
                 min_dim: int = 2, **kwargs):
        if item_table not in ITEM_TABLES:
            raise ValueError(f"item_table must be one of {ITEM_TABLES}, got {item_table!r}")
        if item_table == "hash" and num_buckets is None:
            raise ValueError("item_table='hash' needs num_buckets")
        super().__init__(**kwargs)
        self.item_table, self.num_buckets = item_table, num_buckets
        self.num_blocks, self.alpha, self.min_dim = num_blocks, alpha, min_dim
        self.max_dim = self.embedding_dim if max_dim is None else int(max_dim)
        if item_table == "mixed":  # check the block settings now, not after loading data
            if not 0 < self.max_dim <= self.embedding_dim:
                raise ValueError(f"max_dim must be in [1, embedding_dim = "
                                 f"{self.embedding_dim}], got {max_dim}")
            mixed_dims(np.arange(max(num_blocks, 1), dtype=float), num_blocks,
                       self.max_dim, alpha=alpha, min_dim=min_dim)

    def prepare(self, train) -> None:
        super().prepare(train)
        self.blocks = None
        if self.item_table == "mixed":
            counts = np.bincount(self._pos, minlength=self.num_items)
            self.blocks = mixed_dims(counts, self.num_blocks, self.max_dim,
                                     alpha=self.alpha, min_dim=self.min_dim)

    def build_model(self):
        return CompressedBPRModel(self.num_users, self.num_items, self.embedding_dim, self.l2,
                                  self.seed, item_table=self.item_table,
                                  num_buckets=self.num_buckets, blocks=self.blocks)

    def item_table_rows(self) -> int:
        """Rows stored for the item vectors (QR: quotient + remainder rows; mixed: every
        item has its row, of its block's width)."""
        self._check_fitted()
        layer = self.model.item_embedding
        if isinstance(layer, QREmbedding):
            return layer.num_quotients + layer.num_buckets
        return layer.num_ids if isinstance(layer, MixedDimEmbedding) else layer.num_buckets


class PrunedBPR(bpr.BPR):
    """BPR-MF pruned while it trains (Zhu & Gupta 2017): the user and item tables ramp from
    dense to ``sparsity`` between epochs ``begin_epoch`` and ``end_epoch`` (polynomial
    schedule, masks recomputed four times an epoch), then keep their zeros for the
    remaining epochs. Training runs one step per call (``steps_per_execution=1``) so that
    the mask follows every update (slower than plain BPR).

    Args:
        sparsity: final share of zeros in each table, in [0, 1).
        begin_epoch, end_epoch: the ramp, in epochs (``end_epoch <= epochs``).
        (the rest as :class:`~rec_course.models.bpr.BPR`)

    After fit: ``pruning`` (the :class:`~rec_course.compression.pruning.MagnitudePruning`
    callback, its ``masks``) and ``pruned_tables()``.
    """

    def __init__(self, *, sparsity: float = 0.8, begin_epoch: int = 0, end_epoch: int = 0,
                 **kwargs):
        kwargs.setdefault("steps_per_execution", 1)
        if kwargs["steps_per_execution"] != 1:
            raise ValueError("PrunedBPR needs steps_per_execution=1 (a mask after every step)")
        super().__init__(**kwargs)
        if not 0 <= begin_epoch <= end_epoch <= self.epochs:
            raise ValueError(f"need 0 <= begin_epoch <= end_epoch <= epochs ({self.epochs}), "
                             f"got {begin_epoch}, {end_epoch}")
        polynomial_sparsity(0, begin=0, end=1, final=sparsity)  # checks the sparsity
        self.sparsity, self.begin_epoch, self.end_epoch = float(sparsity), begin_epoch, end_epoch

    def callbacks(self) -> list:
        import numpy as np

        steps = -(-len(self._users) // self.batch_size)      # training steps per epoch
        zero = np.zeros(1, np.int32)
        self.model((zero, zero, zero))                          # create the tables
        self.pruning = MagnitudePruning(self.pruned_tables(), final=self.sparsity,
                                        begin=self.begin_epoch * steps,
                                        end=self.end_epoch * steps, every=max(1, steps // 4))
        return [self.pruning]

    def pruned_tables(self) -> list:
        """The pruned variables: ``[user table, item table]``."""
        return [self.model.user_embedding.embeddings, self.model.item_embedding.embeddings]
