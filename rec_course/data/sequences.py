"""Per-user sequences for sequential recommenders (GRU4Rec, SASRec).

A user's sequence is their items ordered by timestamp, ties broken by item id (the order
:func:`rec_course.data.splits.leave_last_out` uses, so the held-out item is always the
sequence's last). Sequences feed Keras as fixed-width integer matrices:

- token ``0`` is padding and item ``i`` is token ``i + 1`` (:data:`PAD`, :func:`to_tokens`);
- sequences are *left*-padded, so the most recent item is always in the last column and
  a column index is a position counted from the end (the same position embedding means
  "the latest item" for every user);
- :func:`next_item_examples` cuts each sequence into windows of ``max_len`` inputs with
  the next item as the target at every position (teacher forcing).

:func:`sequence_split` is the leave-last-out protocol by time: each user's last item is
test, the one before it validation.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from rec_course.data.preprocessing import validate_interactions
from rec_course.data.splits import leave_last_out
from rec_course.schema import ITEM_ID, TIMESTAMP, USER_ID

PAD = 0
"""The padding token; item index ``i`` is token ``i + 1``."""


def to_tokens(item_ids: np.ndarray) -> np.ndarray:
    """Item indices -> tokens (``i + 1``; 0 is padding), int32, same shape."""
    return np.asarray(item_ids, dtype=np.int32) + 1


def user_sequences(df: pd.DataFrame, num_users: int) -> list[np.ndarray]:
    """Each user's item indices in time order.

    Args:
        df: indexed interactions with ``user_id, item_id, timestamp``.
        num_users: length of the returned list (users without rows get an empty array).

    Returns:
        ``num_users`` int64 arrays; ``sequences[u]`` is user u's items, oldest first
        (ties in timestamp by item id).
    """
    validate_interactions(df, require=(USER_ID, ITEM_ID, TIMESTAMP))
    if df[USER_ID].max() >= num_users:
        raise KeyError(f"user index {int(df[USER_ID].max())} is not below num_users="
                       f"{num_users}")
    ordered = df.sort_values([USER_ID, TIMESTAMP, ITEM_ID], kind="stable")
    users = ordered[USER_ID].to_numpy()
    items = ordered[ITEM_ID].to_numpy().astype(np.int64)
    bounds = np.searchsorted(users, np.arange(num_users + 1))
    return [items[bounds[u]:bounds[u + 1]] for u in range(num_users)]


def pad_sequences(sequences: list[np.ndarray], max_len: int, *, num_items: int | None = None,
                  truncate: bool = True, allow_empty: bool = False) -> np.ndarray:
    """Item sequences -> a left-padded token matrix.

    Args:
        sequences: n arrays of item indices, oldest first.
        max_len: width of the matrix (> 0).
        num_items: when given, every item index must be in ``0..num_items-1``.
        truncate: keep the last ``max_len`` items of a longer sequence; with False a
            longer sequence is an error.
        allow_empty: an empty sequence becomes a row of padding (default: an error).

    Returns:
        (n, max_len) int32 tokens: the last ``min(len, max_len)`` items as ``i + 1``,
        right-aligned, zeros (:data:`PAD`) before them.
    """
    if max_len <= 0:
        raise ValueError(f"max_len must be positive, got {max_len}")
    out = np.zeros((len(sequences), max_len), dtype=np.int32)
    for row, seq in enumerate(sequences):
        seq = np.asarray(seq)
        if seq.size == 0 and allow_empty:
            continue
        if seq.size == 0:
            raise ValueError(f"sequence {row} is empty: a sequential model needs at least "
                             "one past item to score from")
        if not np.issubdtype(seq.dtype, np.integer):
            raise ValueError(f"sequence {row} holds {seq.dtype} values, not item indices")
        if num_items is not None and (seq.min() < 0 or seq.max() >= num_items):
            bad = seq[(seq < 0) | (seq >= num_items)]
            raise KeyError(f"sequence {row} holds unknown item index(es) {bad[:5].tolist()}: "
                           f"valid range is 0..{num_items - 1}")
        if seq.size > max_len and not truncate:
            raise ValueError(f"sequence {row} has {seq.size} items, more than max_len="
                             f"{max_len}: pass truncate=True to keep the last {max_len}")
        tail = seq[-max_len:]
        out[row, max_len - len(tail):] = to_tokens(tail)
    return out


def next_item_examples(sequences: list[np.ndarray], max_len: int, *,
                       latest_only: bool = False
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training windows for next-item prediction.

    Each sequence of length n (n >= 2) gives n - 1 (input, target) pairs: the target of
    position t is the item after it. They are cut from the end into windows of
    ``max_len`` consecutive pairs (the last window holds the most recent pairs, earlier
    ones the rest), each left-padded. ``latest_only`` keeps only each user's most recent
    window, as in SASRec's paper (fewer pairs per epoch, so faster epochs).

    Returns:
        ``(inputs, targets, window_users)``: (w, max_len) int32 tokens, (w, max_len) int32
        target tokens (0 where there is no target) and (w,) int64 the user (row of
        ``sequences``) of each window.
    """
    if max_len <= 0:
        raise ValueError(f"max_len must be positive, got {max_len}")
    inputs, targets, owners = [], [], []
    for user, seq in enumerate(sequences):
        seq = np.asarray(seq, dtype=np.int64)
        for end in range(len(seq), 1, -max_len):  # window of targets seq[start+1 .. end-1]
            start = max(0, end - 1 - max_len)
            inputs.append(seq[start:end - 1])
            targets.append(seq[start + 1:end])
            owners.append(user)
            if latest_only:
                break
    if not inputs:
        raise ValueError("no sequence has two or more items: nothing to learn a next item from")
    return (pad_sequences(inputs, max_len), pad_sequences(targets, max_len),
            np.asarray(owners, np.int64))


class SequenceSplit(NamedTuple):
    """Leave-last-out by time (indexed interactions in time order).

    ``train`` = ``fit`` + ``valid``: every interaction except each user's last.
    """

    train: pd.DataFrame  # all but each user's last item: what the test is scored from
    test: pd.DataFrame   # each user's last item
    fit: pd.DataFrame    # all but each user's last two items: what models train on
    valid: pd.DataFrame  # each user's second-to-last item: early stopping and tuning


def sequence_split(df: pd.DataFrame) -> SequenceSplit:
    """Each user's last interaction (by time, ties by item id) is test, the one before
    it validation. Users need three or more interactions to appear in all parts (users
    with fewer stay in train / fit only)."""
    train, test = leave_last_out(df, n=1)
    fit, valid = leave_last_out(train, n=1)
    if test.empty:
        raise ValueError("no user has two or more interactions: nothing to hold out")
    return SequenceSplit(train, test, fit, valid)
