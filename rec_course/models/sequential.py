"""What the next-item models of notebook 07 (GRU4Rec, SASRec) share.

A sequence model reads a user's last ``max_len`` items (left-padded tokens, see
:mod:`rec_course.data.sequences`) and returns one hidden vector per position,
``h_t`` (batch, max_len, dim). The score of item i after position t is ``h_t . e_i``
with the model's own item embedding ``e`` (input and output embeddings tied), and the
recommendation for a user comes from the last position.

Two losses, chosen with ``loss=``:

- ``"softmax"``: full cross-entropy over the catalogue at every position,
  ``-log softmax(h_t E^T)[target]`` (Klenitskiy & Vasilev 2023 found it much better
  than the paper's loss for SASRec);
- ``"bce"``: binary cross-entropy with one sampled negative per position,
  ``softplus(-h_t.e_pos) + softplus(h_t.e_neg)`` (SASRec's paper; the negative is drawn
  uniformly from the items other than the target, fresh every epoch).

Padded positions carry no target and add nothing to either loss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import keras
from keras import layers, ops

from rec_course.data.sequences import (PAD, next_item_examples, pad_sequences,
                                       user_sequences)
from rec_course.data.sparse import interaction_matrix
from rec_course.models.training import KerasRecommender

LOSSES = ("softmax", "bce")


def softmax_loss(targets, logits):
    """Masked full-catalogue cross-entropy.

    Args:
        targets: (batch, L) target tokens (item + 1; 0 = no target).
        logits: (batch, L, num_items) scores of every item at every position.

    Returns:
        scalar: mean over positions with a target.
    """
    targets = ops.cast(targets, "int32")
    mask = ops.cast(targets > PAD, logits.dtype)
    per_position = keras.losses.sparse_categorical_crossentropy(
        ops.maximum(targets - 1, 0), logits, from_logits=True)  # (batch, L)
    return ops.sum(per_position * mask) / ops.maximum(ops.sum(mask), 1.0)


def bce_loss(targets, logits):
    """Masked binary cross-entropy with one negative per position.

    Args:
        targets: (batch, L) target tokens (0 = no target).
        logits: (batch, L, 2): the score of the target, then of the sampled negative.

    Returns:
        scalar: mean over positions with a target of
        ``softplus(-pos) + softplus(neg)`` (= -log sigmoid(pos) - log(1 - sigmoid(neg))).
    """
    mask = ops.cast(ops.cast(targets, "int32") > PAD, logits.dtype)
    per_position = ops.softplus(-logits[..., 0]) + ops.softplus(logits[..., 1])
    return ops.sum(per_position * mask) / ops.maximum(ops.sum(mask), 1.0)


class NextItemModel(keras.Model):
    """Base of the sequence models: ``encode(tokens) -> (batch, L, dim)`` comes from a
    subclass; this class holds the item embedding and turns hidden states into scores.

    ``call`` takes ``tokens`` (batch, L) for the softmax loss and returns (batch, L,
    num_items) logits, or ``(tokens, positives, negatives)`` for the BCE loss and returns
    (batch, L, 2) logits.

    Args:
        num_items: catalogue size (the embedding has one more row, for padding).
        embedding_dim: dimension of items and hidden states.
        max_len: number of positions.
        seed: initializer seed.
    """

    def __init__(self, num_items: int, embedding_dim: int = 64, max_len: int = 50,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.num_items, self.embedding_dim, self.max_len = num_items, embedding_dim, max_len
        self.seed = seed
        self.item_embedding = layers.Embedding(
            num_items + 1, embedding_dim, name="item_embedding",
            embeddings_initializer=keras.initializers.TruncatedNormal(stddev=0.02, seed=seed))

    def encode(self, tokens, training=False):
        """(batch, L) tokens -> (batch, L, dim) hidden states."""
        raise NotImplementedError

    def item_table(self):
        """(num_items, dim): the embedding of every item (padding row left out), looked up
        through the layer like the inputs, so that a quantized table is dequantized."""
        return self.item_embedding(ops.arange(1, self.num_items + 1))

    def call(self, inputs, training=False):
        if isinstance(inputs, (tuple, list)):  # BCE: score the target and one negative
            tokens, positives, negatives = inputs
            h = self.encode(tokens, training=training)  # (batch, L, dim)
            pos = ops.sum(h * self.item_embedding(positives), axis=-1)  # (batch, L)
            neg = ops.sum(h * self.item_embedding(negatives), axis=-1)
            return ops.stack([pos, neg], axis=-1)
        h = self.encode(inputs, training=training)  # (batch, L, dim)
        batch, length = ops.shape(h)[0], ops.shape(h)[1]
        # one (batch * L, dim) x (dim, num_items) product: twice as fast as an einsum on CPU
        logits = ops.matmul(ops.reshape(h, (-1, self.embedding_dim)),
                            ops.transpose(self.item_table()))
        return ops.reshape(logits, (batch, length, self.num_items))

    def last_scores(self, tokens):
        """(batch, L) tokens -> (batch, num_items) scores of the next item after the last
        position (the recommendation)."""
        h = self.encode(tokens, training=False)[:, -1, :]  # (batch, dim)
        return ops.matmul(h, ops.transpose(self.item_table()))


class SequentialRecommender(KerasRecommender):
    """Trains a :class:`NextItemModel` (``build_model`` from a subclass) on each user's
    sequence in time order and recommends from the user's latest ``max_len`` items.

    ``fit(train, ...)`` learns from ``train``'s sequences; with ``valid`` (the next item
    of each user, e.g. :func:`~rec_course.data.sequences.sequence_split`'s) it stops
    early on validation nDCG@k. Scoring reads the user's sequence in ``train``; call
    :meth:`with_history` to score from a longer history (the validation item added)
    without training again.

    Args:
        max_len: positions the model reads (older items are dropped).
        embedding_dim: item and hidden dimension.
        loss: ``"softmax"`` (full cross-entropy) or ``"bce"`` (one sampled negative).
        windows: ``"all"`` (every next-item pair of the history, cut into windows of
            ``max_len``) or ``"latest"`` (each user's latest window only, the paper's
            choice: on MovieLens-100K with max_len=50, 39k of the 98k pairs, epochs about
            2.5x faster).
        learning_rate, epochs, batch_size, patience and the rest: see
            :class:`~rec_course.models.training.KerasRecommender`.
    """

    def __init__(self, *, max_len: int = 50, embedding_dim: int = 64, loss: str = "softmax",
                 windows: str = "all", learning_rate: float = 1e-3, epochs: int = 100, batch_size: int = 128,
                 patience: int | None = 5, seed: int = 0, **training):
        if max_len <= 0 or embedding_dim <= 0:
            raise ValueError(f"max_len and embedding_dim must be positive, got {max_len}, "
                             f"{embedding_dim}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if windows not in ("all", "latest"):
            raise ValueError(f"windows must be 'all' or 'latest', got {windows!r}")
        training.setdefault("steps_per_execution", 8)
        super().__init__(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         patience=patience, seed=seed, **training)
        self.max_len, self.embedding_dim, self.loss_kind = max_len, embedding_dim, loss
        self.windows = windows

    # ------------------------------------------------------------------ training hooks
    def prepare(self, train: pd.DataFrame) -> None:
        self.sequences = user_sequences(train, self.num_users)
        self._inputs, self._targets, self._owners = next_item_examples(
            self.sequences, self.max_len, latest_only=self.windows == "latest")

    def loss(self):
        return softmax_loss if self.loss_kind == "softmax" else bce_loss

    def epoch_data(self, epoch: int, seed: int):
        if self.loss_kind == "softmax":
            return (self._inputs,), self._targets
        rng = np.random.default_rng(seed)
        # uniform over the item tokens other than the target: draw from num_items - 1
        # tokens and step over the target
        negatives = rng.integers(1, self.num_items, size=self._targets.shape).astype(np.int32)
        negatives += (negatives >= self._targets) & (self._targets > PAD)
        return (self._inputs, self._targets, negatives), self._targets

    # ------------------------------------------------------------------ scoring
    def tokens(self, user_ids: np.ndarray) -> np.ndarray:
        """(n, max_len) tokens of the users' latest items (their sequence in the history)."""
        users = self._check_users(user_ids)
        empty = [int(u) for u in users if len(self.sequences[u]) == 0]
        if empty:
            raise ValueError(f"user(s) {empty[:5]} have no history to score from")
        return pad_sequences([self.sequences[u] for u in users], self.max_len)

    def score(self, user_ids: np.ndarray) -> np.ndarray:
        """(len(user_ids), num_items) float32 next-item scores from each user's history."""
        return self.score_tokens(self.tokens(user_ids))

    def score_sequences(self, sequences: list[np.ndarray], *, truncate: bool = False
                        ) -> np.ndarray:
        """Scores for arbitrary histories (new users, edited histories).

        Args:
            sequences: n arrays of item indices, oldest first (each non-empty).
            truncate: keep the last ``max_len`` items of a longer one (default: error).

        Returns:
            (n, num_items) float32 scores of the next item.
        """
        self._check_fitted()
        if len(sequences) == 0:
            raise ValueError("no sequence to score")
        return self.score_tokens(pad_sequences(list(sequences), self.max_len,
                                               num_items=self.num_items, truncate=truncate))

    def score_tokens(self, tokens: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """(n, max_len) tokens -> (n, num_items) float32 scores."""
        out = [np.asarray(self.model.last_scores(tokens[i:i + batch_size]), np.float32)
               for i in range(0, len(tokens), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.num_items), np.float32)

    def with_history(self, history: pd.DataFrame) -> "SequentialRecommender":
        """Score from the sequences in ``history`` from now on (no training): after
        fitting on ``split.fit``, pass ``split.train`` so the test item is predicted from
        every earlier item, the validation item included. Also updates ``seen``.

        Returns:
            self.
        """
        self._check_fitted()
        self.sequences = user_sequences(history, self.num_users)
        self.seen = interaction_matrix(history, self.num_users, self.num_items)
        return self
