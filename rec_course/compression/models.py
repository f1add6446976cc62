"""BPR with a compressed item table: quotient-remainder or hashing (notebook 09)."""

from __future__ import annotations

from rec_course.compression.embeddings import HashEmbedding, QREmbedding
from rec_course.models import bpr

ITEM_TABLES = ("qr", "hash")


class CompressedBPRModel(bpr.BPRModel):
    """:class:`~rec_course.models.bpr.BPRModel` whose ``item_embedding`` is a
    :class:`QREmbedding` (``item_table="qr"``) or a :class:`HashEmbedding` with
    ``num_buckets`` rows; users and item biases keep full tables."""

    def __init__(self, num_users: int, num_items: int, embedding_dim: int = 64,
                 l2: float = 1e-4, seed: int = 0, *, item_table: str = "qr",
                 num_buckets: int | None = None, **kwargs):
        super().__init__(num_users, num_items, embedding_dim, l2, seed, **kwargs)
        if item_table == "qr":
            self.item_embedding = QREmbedding(num_items, embedding_dim, num_buckets,
                                              seed=seed + 1)
        elif item_table == "hash":
            if num_buckets is None:
                raise ValueError("item_table='hash' needs num_buckets")
            self.item_embedding = HashEmbedding(num_buckets, embedding_dim, seed=seed + 1)
        else:
            raise ValueError(f"item_table must be one of {ITEM_TABLES}, got {item_table!r}")

    def build(self, input_shape=None):  # every layer builds on its first call
        self.built = True


class CompressedBPR(bpr.BPR):
    """BPR-MF with a QR or hashed item table (see :class:`CompressedBPRModel`).

    Args:
        item_table: ``"qr"`` or ``"hash"``.
        num_buckets: QR remainder rows (default ``ceil(sqrt(num_items))``) or hash rows.
        (the rest as :class:`~rec_course.models.bpr.BPR`)
    """

    def __init__(self, *, item_table: str = "qr", num_buckets: int | None = None, **kwargs):
        if item_table not in ITEM_TABLES:
            raise ValueError(f"item_table must be one of {ITEM_TABLES}, got {item_table!r}")
        if item_table == "hash" and num_buckets is None:
            raise ValueError("item_table='hash' needs num_buckets")
        super().__init__(**kwargs)
        self.item_table, self.num_buckets = item_table, num_buckets

    def build_model(self):
        return CompressedBPRModel(self.num_users, self.num_items, self.embedding_dim, self.l2,
                                  self.seed, item_table=self.item_table,
                                  num_buckets=self.num_buckets)

    def item_table_rows(self) -> int:
        """Rows stored for the item vectors (QR: quotient + remainder rows)."""
        self._check_fitted()
        layer = self.model.item_embedding
        return (layer.num_quotients + layer.num_buckets if isinstance(layer, QREmbedding)
                else layer.num_buckets)
