"""Per-user sequences: ordering, padding, next-item windows, the leave-last-out split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import data
from rec_course.data.sequences import PAD


def frame(rows):
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])


def test_sequences_are_in_time_order_with_ties_by_item():
    df = frame([(0, 5, 4.0, 30), (0, 2, 4.0, 10), (0, 9, 4.0, 10), (1, 3, 4.0, 1)])
    seqs = data.user_sequences(df, 3)
    assert seqs[0].tolist() == [2, 9, 5]
    assert seqs[1].tolist() == [3]
    assert seqs[2].tolist() == []  # a user without rows


def test_pad_sequences_left_pads_and_shifts_tokens():
    tokens = data.pad_sequences([np.array([4, 7]), np.array([1, 2, 3, 0])], 3)
    assert tokens.dtype == np.int32
    assert tokens.tolist() == [[PAD, 5, 8], [3, 4, 1]]  # last 3 items kept, item i -> i + 1


@pytest.mark.parametrize("seqs, kwargs, error, message", [
    ([np.array([], np.int64)], {}, ValueError, "empty"),
    ([np.array([1, 9])], {"num_items": 5}, KeyError, "unknown item"),
    ([np.array([1, 2, 3, 4])], {"truncate": False}, ValueError, "more than max_len"),
    ([np.array([1.5, 2.0])], {}, ValueError, "not item indices"),
])
def test_pad_sequences_rejects_bad_input(seqs, kwargs, error, message):
    with pytest.raises(error, match=message):
        data.pad_sequences(seqs, 3, **kwargs)


def test_next_item_examples_cover_every_pair_once():
    seqs = [np.arange(10), np.array([3, 4]), np.array([7])]  # user 2: nothing to predict
    inputs, targets, owners = data.next_item_examples(seqs, 4)
    assert inputs.shape == targets.shape and inputs.shape[1] == 4
    assert owners.tolist() == [0, 0, 0, 1]
    pairs = {(int(x), int(y)) for x, y in zip(inputs.ravel(), targets.ravel()) if y != PAD}
    expected = {(i + 1, i + 2) for i in range(9)} | {(4, 5)}  # tokens: (item, next item)
    assert pairs == expected and (targets != PAD).sum() == 10
    assert ((inputs == PAD) == (targets == PAD)).all()  # a target wherever there is an input
    assert inputs[0].tolist() == [6, 7, 8, 9] and targets[0].tolist() == [7, 8, 9, 10]  # latest


def test_latest_only_keeps_each_users_most_recent_window():
    seqs = [np.arange(10), np.array([3, 4])]
    inputs, targets, owners = data.next_item_examples(seqs, 4, latest_only=True)
    assert owners.tolist() == [0, 1]
    assert targets[0].tolist() == [7, 8, 9, 10] and targets[1].tolist() == [0, 0, 0, 5]


def test_next_item_examples_need_a_pair():
    with pytest.raises(ValueError, match="two or more"):
        data.next_item_examples([np.array([1]), np.array([], np.int64)], 5)


def test_sequence_split_holds_out_the_last_two_in_time():
    df = data.make_synthetic_sequences(num_users=20, num_items=40, length=8, seed=3)
    split = data.sequence_split(df)
    assert len(split.test) == len(split.valid) == 20
    assert len(split.train) == len(split.fit) + len(split.valid) == len(df) - 20
    last = df.sort_values("timestamp").groupby("user_id").tail(1)
    assert set(map(tuple, split.test[["user_id", "item_id"]].to_numpy())) == \
        set(map(tuple, last[["user_id", "item_id"]].to_numpy()))
    latest_fit = split.fit.groupby("user_id")["timestamp"].max()
    assert (split.valid.set_index("user_id")["timestamp"] > latest_fit).all()


def test_synthetic_sequences_follow_the_hidden_cycle():
    df = data.make_synthetic_sequences(num_users=50, num_items=60, length=10, follow=1.0, seed=0)
    assert len(df) == 500 and not df.duplicated(["user_id", "item_id"]).any()
    seqs = data.user_sequences(df, 50)
    successor = {}
    for seq in seqs:  # with follow=1 every step goes to the same successor of an item
        for a, b in zip(seq[:-1], seq[1:]):
            assert successor.setdefault(int(a), int(b)) == int(b)
    assert data.make_synthetic_sequences(num_users=5, seed=1).equals(
        data.make_synthetic_sequences(num_users=5, seed=1))
