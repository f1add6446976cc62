"""DIN: history table, masked softmax, the target left out of its own history, and
learning a user's taste from their history alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import data, evaluation, features, metrics
from rec_course.models import din


@pytest.fixture(scope="module")
def tastes():
    """Low-rank ratings (a user's items reveal their cluster) in the MovieLens layout, with
    a spec that knows the item and a random gender: without the history a model can
    learn popularity, nothing personal."""
    ratings = data.make_synthetic(num_users=200, num_items=120, interactions_per_user=30,
                                  popularity_weight=0.3, seed=0)
    ratings = ratings.assign(user_id=ratings.user_id + 1, item_id=ratings.item_id + 1)
    _, users, items = data.make_synthetic_features(num_users=200, num_items=120, seed=0)
    df, ids = data.index_ids(ratings)
    train, test = data.stratified_split(df, 0.25, seed=1)
    spec = features.FeatureSpec.fit(train, users, items, ids).only("item", "gender")
    return train, test, ids, spec


def fit(tastes, **kwargs):
    train, _, ids, spec = tastes
    params = dict(epochs=6, batch_size=256, learning_rate=5e-3, max_history=20,
                  threshold=1.0, seed=0)
    params.update(kwargs)
    return din.DIN(spec, **params).fit(train, ids.num_users, ids.num_items)


def test_history_table_keeps_the_latest_items_left_padded():
    df = pd.DataFrame({"user_id": [0, 0, 0, 2], "item_id": [5, 6, 7, 1],
                       "rating": 4.0, "timestamp": [3, 1, 2, 9]})
    table = din.history_table(df, 3, 2)
    assert table.tolist() == [[8, 6], [0, 0], [0, 2]]  # tokens = item + 1, oldest first
    with pytest.raises(ValueError, match="max_history"):
        din.history_table(df, 3, 0)


def test_masked_softmax():
    logits = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]], np.float32)
    mask = np.array([[True, False, True], [False, False, False]])
    w = np.asarray(din.masked_softmax(logits, mask))
    np.testing.assert_allclose(w[0], [1 / (1 + np.e**2), 0, np.e**2 / (1 + np.e**2)], rtol=1e-5)
    assert (w[1] == 0).all()  # no valid past item: no weight anywhere


@pytest.mark.parametrize("pooling", ["attention", "mean"])
def test_din_learns_taste_from_the_history(tastes, pooling):
    train, test, ids, _ = tastes
    model = fit(tastes, pooling=pooling)
    users, items = test.user_id.to_numpy(), test.item_id.to_numpy()
    negatives = data.sample_negatives(data.interaction_matrix(pd.concat([train, test]),
                                                              ids.num_users, ids.num_items),
                                      users, 1, seed=5)[:, 0]
    labels = np.r_[np.ones(len(users)), np.zeros(len(users))]
    auc = metrics.auc(labels, model.logits(np.r_[users, users], np.r_[items, negatives]))
    popularity = np.bincount(train.item_id, minlength=ids.num_items).astype(float)
    pop_auc = metrics.auc(labels, popularity[np.r_[items, negatives]])
    assert auc > pop_auc + 0.1, (auc, pop_auc)


def test_attention_leaves_out_padding_and_the_target_itself(tastes):
    train, _, ids, _ = tastes
    model = fit(tastes, epochs=1)
    user = 3
    past = model.history_tokens[user]
    target = int(past[-1] - 1)  # the user's latest item, scored as a target
    weights = model.attention_weights(user, target)
    assert len(weights) == (past != 0).sum()
    assert weights.loc[weights.item_id == target, "weight"].item() == 0.0
    assert weights.weight.sum() == pytest.approx(1.0, abs=1e-5)
    other = int(np.setdiff1d(np.arange(ids.num_items), past - 1)[0])
    assert model.attention_weights(user, other).weight.min() > 0


def test_bad_arguments(tastes):
    spec = tastes[3]
    with pytest.raises(ValueError, match="pooling"):
        din.DIN(spec, pooling="max")
    with pytest.raises(ValueError, match="max_history"):
        din.DIN(spec, max_history=0)
    with pytest.raises(KeyError, match="unknown item"):
        fit(tastes, epochs=1).attention_weights(0, 10_000)
