"""The feature specification (vocabularies from train only, OOV, errors) and the feature
models of notebook 06 (each learns a planted interaction a linear model cannot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import data, evaluation, features
from rec_course.features import OOV, PAD
from rec_course.models import dcn, deepfm, wide_deep


@pytest.fixture(scope="module")
def planted():
    ratings, users, items = data.make_synthetic_features(seed=0)
    df, ids = data.index_ids(ratings)
    train, test = data.stratified_split(df, 0.25, seed=1)
    return train, test, users, items, ids


@pytest.fixture(scope="module")
def movielens_like(planted):
    """The planted data with one user and one item kept out of train, and a zip prefix
    that only a held-out user has."""
    train, test, users, items, ids = planted
    users = users.copy()
    users.loc[users.user_id == ids.user_ids[0], "zip_code"] = "X0000"
    train = train[(train.user_id != 0) & (train.item_id != 0)]
    return train, users, items, ids


def test_spec_round_trip(planted):
    train, _, users, items, ids = planted
    spec = features.FeatureSpec.fit(train, users, items, ids)
    assert {f.name for f in spec.fields} >= {"user", "item", "age", "gender", "occupation",
                                              "zip", "year", "genres"}
    x = spec.features(np.array([3, 4]), np.array([5, 6]))
    gender = spec.field("gender")
    back = [gender.vocabulary[i - 2] for i in x["gender"][:, 0]]   # index -> value
    raw = users.set_index("user_id").loc[ids.user_ids[[3, 4]], "gender"].tolist()
    assert back == raw
    genres = spec.field("genres")
    raw_g = items.set_index("item_id").loc[ids.item_ids[5], "genres"]
    assert [genres.vocabulary[i - 2] for i in x["genres"][0] if i != PAD] == list(raw_g)
    assert all(v.dtype == np.int32 for v in x.values())


def test_vocabularies_come_from_train_only(movielens_like):
    train, users, items, ids = movielens_like
    spec = features.FeatureSpec.fit(train, users, items, ids)
    assert spec.table("user")[0, 0] == OOV and spec.table("item")[0, 0] == OOV  # not in train
    assert spec.table("zip")[0, 0] == OOV            # "X" only occurs for a held-out user
    assert spec.table("user")[1, 0] not in (OOV, PAD)
    assert "X" not in spec.field("zip").vocabulary


def test_bad_input_is_named(planted):
    train, _, users, items, ids = planted
    with pytest.raises(ValueError, match="lacks column"):
        features.FeatureSpec.fit(train, users.drop(columns="occupation"), items, ids)
    nan_age = users.astype({"age": float})
    nan_age.loc[0, "age"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        features.FeatureSpec.fit(train, nan_age, items, ids)
    spec = features.FeatureSpec.fit(train, users, items, ids)
    with pytest.raises(KeyError, match="unknown feature 'agee'"):
        spec.field("agee")
    with pytest.raises(KeyError, match="unknown feature"):
        features.FeatureSpec.fit(train, users, items, ids, crosses=(("job", "genres"),))
    with pytest.raises(KeyError, match="unknown user"):
        spec.features(np.array([10_000]), np.array([0]))
    with pytest.raises(TypeError, match="FeatureSpec"):
        wide_deep.WideAndDeep("not a spec")


def test_click_examples(planted):
    train, _, _, _, ids = planted
    known = data.interaction_matrix(train, ids.num_users, ids.num_items)
    ex = features.click_examples(train, known, ids.num_items, num_negatives=2, seed=0)
    n_pos = int((train.rating >= 4).sum())
    assert len(ex) == 3 * n_pos and ex.label.sum() == n_pos
    neg = ex[ex.label == 0]
    assert known[neg.user_id.to_numpy(), neg.item_id.to_numpy()].sum() == 0  # unobserved


MODELS = {
    "wide (no crosses)": lambda s: wide_deep.WideAndDeep(s, "wide", learning_rate=0.05),
    "wide + crosses": lambda s: wide_deep.WideAndDeep(s, "wide", learning_rate=0.05),
    "deep": lambda s: wide_deep.WideAndDeep(s, "deep", learning_rate=5e-3),
    "wide & deep": lambda s: wide_deep.WideAndDeep(s, "wide_deep", learning_rate=5e-3),
    "deepfm": lambda s: deepfm.DeepFM(s, learning_rate=5e-3),
    "dcn": lambda s: dcn.DCN(s, learning_rate=5e-3),
    "dcn low-rank": lambda s: dcn.DCN(s, projection_dim=2, learning_rate=5e-3),
}


def _auc(name, planted, crosses):
    train, test, users, items, ids = planted
    spec = features.FeatureSpec.fit(train, users, items, ids,
                                    crosses=(("gender", "genres"),) if crosses else ())
    spec = spec.only("gender", "genres")  # the two fields whose interaction decides
    model = MODELS[name](spec)
    model.epochs, model.batch_size, model.seed = 8, 256, 0
    model.fit(train, ids.num_users, ids.num_items)
    labels = (test.rating >= 4).astype(float)
    return evaluation.evaluate_pointwise(labels, model.predict_proba(test.user_id, test.item_id)
                                         ).iloc[0]["auc"]


def test_a_linear_model_cannot_learn_the_planted_interaction(planted):
    assert _auc("wide (no crosses)", planted, crosses=False) < 0.65


@pytest.mark.parametrize("name", ["wide + crosses", "deep", "wide & deep", "deepfm", "dcn",
                                  "dcn low-rank"])
def test_feature_models_learn_the_planted_interaction(name, planted):
    assert _auc(name, planted, crosses=True) > 0.9


def test_same_seed_same_scores(planted):
    train, _, users, items, ids = planted
    spec = features.FeatureSpec.fit(train, users, items, ids).only("user", "gender", "genres")
    make = lambda: dcn.DCN(spec, epochs=1, batch_size=512, hidden=(16,), seed=3).fit(
        train, ids.num_users, ids.num_items)
    np.testing.assert_allclose(make().score(np.arange(3)), make().score(np.arange(3)),
                               rtol=1e-5, atol=1e-5)


def test_fm_interaction_is_the_sum_over_pairs():
    rng = np.random.default_rng(0)
    e = rng.normal(size=(4, 3, 5)).astype(np.float32)   # (batch, fields, dim)
    pairs = sum((e[:, f] * e[:, g]).sum(-1) for f in range(3) for g in range(f + 1, 3))
    np.testing.assert_allclose(np.asarray(deepfm.fm_interaction(e)), pairs, rtol=1e-5)


def test_cold_users_are_scored_from_their_features(movielens_like):
    train, users, items, ids = movielens_like
    spec = features.FeatureSpec.fit(train, users, items, ids)
    model = wide_deep.WideAndDeep(spec, "deep", epochs=1, batch_size=512, hidden=(16,)).fit(
        train, ids.num_users, ids.num_items)
    scores = model.score(np.array([0]))   # user 0 has no train rows
    assert scores.shape == (1, ids.num_items) and np.isfinite(scores).all()
    assert scores.std() > 0
