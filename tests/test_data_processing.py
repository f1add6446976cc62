"""Preprocessing, splits, sparse matrices, negative sampling and the synthetic generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import data

RAW = pd.DataFrame({  # raw ids are not contiguous on purpose
    "user_id": [10, 10, 10, 20, 20, 30],
    "item_id": [7, 9, 5, 7, 9, 7],
    "rating": [5.0, 3.0, 4.0, 4.0, 1.0, 2.0],
    "timestamp": [3, 1, 2, 5, 4, 6],
})


def test_index_ids_round_trip():
    indexed, id_map = data.index_ids(RAW)
    assert indexed["user_id"].tolist() == [0, 0, 0, 1, 1, 2]
    assert indexed["item_id"].tolist() == [1, 2, 0, 1, 2, 1]  # 5 -> 0, 7 -> 1, 9 -> 2
    assert (id_map.num_users, id_map.num_items) == (3, 3)
    pd.testing.assert_frame_equal(id_map.decode(indexed), RAW)
    with pytest.raises(KeyError, match=r"unknown item id\(s\) \[8\]"):
        id_map.item_index([7, 8])
    with pytest.raises(KeyError, match="unknown user"):
        id_map.user_index([99])


def test_to_implicit_threshold():
    assert data.to_implicit(RAW)["rating"].tolist() == [5.0, 4.0, 4.0]
    assert len(data.to_implicit(RAW, threshold=3)) == 4
    with pytest.raises(ValueError, match="would be empty"):
        data.to_implicit(RAW, threshold=6)


def test_k_core_iterates_to_a_fixed_point():
    # 2-core: user 30 has 1 interaction -> dropped; then item 5 has 1 (user 10) -> dropped;
    # users 10 and 20 then have items 7, 9 (2 each), items 7, 9 have 2 users each.
    core = data.k_core(RAW, min_user=2, min_item=2)
    assert sorted(zip(core.user_id, core.item_id)) == [(10, 7), (10, 9), (20, 7), (20, 9)]
    with pytest.raises(ValueError, match="core is empty"):
        data.k_core(RAW, min_user=5, min_item=5)


@pytest.mark.parametrize("bad, message", [
    (RAW.iloc[0:0], "is empty"),
    (RAW.drop(columns="item_id"), "lacks column"),
    (RAW.assign(rating=[5.0, np.nan, 4.0, 4.0, 1.0, 2.0]), "NaN rating"),
    ([1, 2, 3], "must be a pandas DataFrame"),
])
def test_bad_input_is_named(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        data.stratified_split(bad)


def test_stratified_split_per_user(synthetic):
    train, test = data.stratified_split(synthetic, 0.25, seed=42)
    assert len(train) + len(test) == len(synthetic)
    assert not set(zip(train.user_id, train.item_id)) & set(zip(test.user_id, test.item_id))
    per_user = test.groupby("user_id").size() / synthetic.groupby("user_id").size()
    assert per_user.between(0.2, 0.3).all()  # 30 per user -> round(22.5) = 22 train, 8 test
    again, _ = data.stratified_split(synthetic, 0.25, seed=42)
    pd.testing.assert_frame_equal(train, again)  # same seed, same split
    other, _ = data.stratified_split(synthetic, 0.25, seed=43)
    assert not train.equals(other)


def test_stratified_split_per_item(synthetic):
    train, test = data.stratified_split(synthetic, 0.25, by="item", seed=0)
    counts = synthetic.groupby("item_id").size()
    big = counts[counts >= 8].index
    share = test.groupby("item_id").size().reindex(big, fill_value=0) / counts[big]
    assert share.between(0.1, 0.4).all()
    with pytest.raises(ValueError, match="by must be"):
        data.stratified_split(synthetic, by="time")
    with pytest.raises(ValueError, match="test_size"):
        data.stratified_split(synthetic, 1.5)


def test_leave_last_out_takes_latest_per_user():
    train, test = data.leave_last_out(RAW, n=1)
    assert sorted(zip(test.user_id, test.item_id)) == [(10, 7), (20, 7)]  # 30 has one row
    assert len(train) == 4
    for user, group in test.groupby("user_id"):
        assert group.timestamp.min() >= train[train.user_id == user].timestamp.max()


def test_temporal_split_is_a_time_cut(synthetic):
    train, test = data.temporal_split(synthetic, 0.25)
    assert train.timestamp.max() <= test.timestamp.min()
    assert len(test) == len(synthetic) - round(len(synthetic) * 0.75)


def test_validation_split_comes_from_train(synthetic):
    train, test = data.stratified_split(synthetic, seed=1)
    fit, valid = data.train_validation_split(train, 0.1)
    assert len(fit) + len(valid) == len(train)
    test_pairs = set(zip(test.user_id, test.item_id))
    assert not set(zip(valid.user_id, valid.item_id)) & test_pairs
    with pytest.raises(ValueError, match="method must be"):
        data.train_validation_split(train, method="random")


def test_interaction_matrix(synthetic):
    m = data.interaction_matrix(synthetic, 300, 200)
    assert m.shape == (300, 200) and m.nnz == len(synthetic)
    r = data.interaction_matrix(synthetic, 300, 200, values="rating")
    u, i, rating = synthetic.iloc[0][["user_id", "item_id", "rating"]]
    assert r[int(u), int(i)] == rating
    with pytest.raises(ValueError, match="unknown index"):
        data.interaction_matrix(synthetic, 300, 100)
    with pytest.raises(ValueError, match="integer indices"):
        data.interaction_matrix(synthetic.astype({"item_id": float}), 300, 200)


@pytest.mark.parametrize("strategy", ["uniform", "popularity"])
def test_negatives_are_never_positives(synthetic, strategy):
    m = data.interaction_matrix(synthetic, 300, 200)
    users = synthetic.user_id.to_numpy()
    neg = data.sample_negatives(m, users, 4, strategy=strategy, seed=0)
    assert neg.shape == (len(users), 4)
    assert not m[np.repeat(users, 4), neg.ravel()].any()
    assert np.array_equal(neg, data.sample_negatives(m, users, 4, strategy=strategy, seed=0))


def test_popularity_sampling_prefers_popular_items(synthetic):
    m = data.interaction_matrix(synthetic, 300, 200)
    counts = np.asarray(m.sum(axis=0)).ravel()
    users = np.zeros(20_000, dtype=int) + np.argmin(np.diff(m.indptr))
    pop = data.sample_negatives(m, users, 1, strategy="popularity", seed=0).ravel()
    uni = data.sample_negatives(m, users, 1, strategy="uniform", seed=0).ravel()
    assert counts[pop].mean() > 1.3 * counts[uni].mean()


def test_sampling_bad_input(synthetic):
    m = data.interaction_matrix(synthetic, 300, 200)
    with pytest.raises(ValueError, match="num_negatives must be positive"):
        data.sample_negatives(m, [0], 0)
    with pytest.raises(ValueError, match="out of range"):
        data.sample_negatives(m, [300], 1)
    with pytest.raises(ValueError, match="strategy must be"):
        data.sample_negatives(m, [0], 1, strategy="hard")


def test_synthetic_has_planted_structure():
    df = data.make_synthetic(num_users=200, num_items=100, num_factors=3, seed=5)
    assert len(df) == 200 * 30 and not df.duplicated(["user_id", "item_id"]).any()
    assert df.equals(data.make_synthetic(num_users=200, num_items=100, num_factors=3, seed=5))
    m = data.interaction_matrix(df, 200, 100).toarray()
    # low rank: the top 3 singular values carry most of the centred matrix's energy,
    # far more than in a matrix of the same density with no structure
    def energy(x):
        s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
        return (s[:3] ** 2).sum() / (s ** 2).sum()
    shuffled = np.random.default_rng(0).permuted(m, axis=1)
    assert energy(m) > 2 * energy(shuffled)
    counts = np.sort(m.sum(axis=0))[::-1]
    assert counts[:10].sum() / counts.sum() > 0.2  # top 10% of items: over twice their share
    with pytest.raises(ValueError, match="exceeds"):
        data.make_synthetic(num_items=10, interactions_per_user=20)


def test_dataset_stats():
    s = data.dataset_stats(RAW)
    assert (s["interactions"], s["users"], s["items"]) == (6, 3, 3)
    assert s["density"] == pytest.approx(6 / 9)


def test_stratified_split_rounds_half_up_and_keeps_a_train_row():
    df = pd.DataFrame({"user_id": [1, 2, 2], "item_id": [1, 1, 2]})
    train, test = data.stratified_split(df, 0.5, seed=0)
    # user 1: one row -> stays in train; user 2: 2 rows, 2 * 0.5 = 1 -> one each side
    assert sorted(train.user_id) == [1, 2] and test.user_id.tolist() == [2]


@pytest.mark.parametrize("strategy", ["uniform", "popularity"])
def test_distinct_negatives_never_repeat_within_a_row(synthetic, strategy):
    m = data.interaction_matrix(synthetic, 300, 200)
    users = np.arange(300)
    neg = data.sample_negatives(m, users, 100, distinct=True, strategy=strategy, seed=0)
    assert all(len(set(row)) == 100 for row in neg.tolist())
    assert not m[np.repeat(users, 100), neg.ravel()].any()
    with pytest.raises(ValueError, match="fewer than"):
        data.sample_negatives(m, users, 190, distinct=True)
