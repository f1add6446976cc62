"""Exploration helpers: long tail, stats table, leakage, split summary, sparse memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import data
from rec_course.data import explore

# items: 7 has 3 rows, 9 has 2, 5 has 1; users: 10 has 3, 20 has 2, 30 has 1
RAW = pd.DataFrame({
    "user_id": [10, 10, 10, 20, 20, 30],
    "item_id": [7, 9, 5, 7, 9, 7],
    "rating": [5.0, 3.0, 4.0, 4.0, 1.0, 2.0],
    "timestamp": [3, 1, 2, 5, 4, 6],
})


def test_popularity_sorted_with_ties_by_id():
    assert explore.popularity(RAW).to_dict() == {7: 3, 9: 2, 5: 1}
    assert list(explore.popularity(RAW, by="user_id").index) == [10, 20, 30]
    tied = pd.DataFrame({"user_id": [1, 2], "item_id": [8, 3]})
    assert list(explore.popularity(tied).index) == [3, 8]


@pytest.mark.parametrize("fraction, expected", [
    (0.1, 3 / 6),   # ceil(0.1 * 3) = 1 item: item 7, 3 of 6 rows
    (0.5, 5 / 6),   # ceil(1.5) = 2 items: 3 + 2 rows
    (1.0, 1.0),
])
def test_top_share(fraction, expected):
    assert explore.top_share(RAW, fraction) == pytest.approx(expected)


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_top_share_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="fraction"):
        explore.top_share(RAW, fraction)


def test_stats_table_has_int_counts():
    table = explore.stats_table({"raw": RAW, "head": RAW.head(3)})
    assert table.loc["raw"].to_dict() == {"interactions": 6, "users": 3, "items": 3,
                                          "density": pytest.approx(6 / 9)}
    assert table.loc["head", "users"] == 1
    assert table["interactions"].dtype == np.int64


def test_leak_fraction_by_hand():
    train = RAW.iloc[[0, 3]]      # user 10 last at t=3, user 20 last at t=5
    test = RAW.iloc[[1, 2, 4, 5]]  # u10 t=1 (<3), u10 t=2 (<3), u20 t=4 (<5), u30 unseen
    assert explore.leak_fraction(train, test) == pytest.approx(3 / 4)
    # globally, the latest train row is t=5: t=1, 2, 4 are earlier, t=6 is not
    assert explore.leak_fraction(train, test, per_user=False) == pytest.approx(3 / 4)
    later = RAW.iloc[[3]]  # t=5; test rows of user 10 are not compared with it per user
    assert explore.leak_fraction(later, RAW.iloc[[0, 1]]) == 0.0
    assert explore.leak_fraction(later, RAW.iloc[[0, 1]], per_user=False) == 1.0


def test_temporal_split_never_leaks(synthetic):
    train, test = data.temporal_split(synthetic, 0.25)
    assert explore.leak_fraction(train, test) == 0.0
    assert explore.leak_fraction(train, test, per_user=False) == 0.0
    random_train, random_test = data.stratified_split(synthetic, 0.25, seed=0)
    assert explore.leak_fraction(random_train, random_test) > 0.3


def test_leak_fraction_rejects_missing_timestamp():
    with pytest.raises(ValueError, match="lacks column"):
        explore.leak_fraction(RAW.drop(columns="timestamp"), RAW)


def test_split_summary_counts_cold_users_and_items():
    train, test = RAW.iloc[[0, 1, 3]], RAW.iloc[[2, 4, 5]]  # test: (10,5) (20,9) (30,7)
    row = explore.split_summary({"s": (train, test)}).loc["s"]
    assert (row["train"], row["test"], row["test_users"]) == (3, 3, 3)
    assert row["test_share"] == pytest.approx(0.5)
    assert row["cold_users"] == 1  # user 30
    assert row["cold_items"] == 1  # item 5
    # last train rows: user 10 at t=3, user 20 at t=5; (10,5) t=2 and (20,9) t=4 are
    # earlier, user 30 is unseen: 2 of 3. Globally t=2 and t=4 are < 5, t=6 is not.
    assert row["leak_user"] == pytest.approx(2 / 3)
    assert row["leak_global"] == pytest.approx(2 / 3)


def test_sparse_nbytes():
    m = data.interaction_matrix(pd.DataFrame({"user_id": [0, 1], "item_id": [2, 0]}), 3, 4)
    # float32 data 2 * 4 + int32 indices 2 * 4 + int32 indptr 4 * 4 = 32 bytes; dense 48
    assert explore.sparse_nbytes(m) == {"sparse_bytes": 32, "dense_bytes": 3 * 4 * 4}
