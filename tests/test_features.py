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


@pytest.fixture(scope="module")
def planted_wide(planted):
    """The wide model with the gender x genres cross, trained on the planted data."""
    train, test, users, items, ids = planted
    spec = features.FeatureSpec.fit(train, users, items, ids, crosses=(("gender", "genres"),))
    model = wide_deep.WideAndDeep(spec.only("gender", "genres", "occupation"), "wide",
                                  learning_rate=0.05, epochs=8, batch_size=256, patience=None)
    return model.fit(train, ids.num_users, ids.num_items)


def test_cross_weights_recover_the_planted_pairs(planted_wide):
    table = wide_deep.cross_weights(planted_wide, "gender_x_genres")
    assert len(table) == 4 and set(table.columns) >= {"gender", "genres", "weight"}
    liked = {("F", "Comedy"), ("M", "Drama")}               # the planted 5-star pairs
    top_two = set(zip(table.gender[:2], table.genres[:2]))
    assert top_two == liked, table
    with pytest.raises(KeyError, match="unknown cross"):
        wide_deep.cross_weights(planted_wide, "age_x_genres")


def test_permutation_importance_finds_the_deciding_fields(planted_wide, planted):
    _, test, _, _, _ = planted
    labels = (test.rating >= 4).to_numpy(float)
    before = planted_wide.logits(test.user_id, test.item_id)
    imp = features.permutation_importance(planted_wide, test.user_id, test.item_id, labels,
                                          repeats=2, seed=0)
    drop = imp.set_index("group")["auc_drop"]
    assert drop["gender"] > 0.2 and drop["genres"] > 0.2     # the planted interaction
    assert abs(drop["occupation"]) < 0.05                    # carries no signal
    np.testing.assert_array_equal(before, planted_wide.logits(test.user_id, test.item_id))
    with pytest.raises(KeyError, match="unknown feature"):
        features.permutation_importance(planted_wide, test.user_id, test.item_id, labels,
                                        groups={"x": ["job"]})


def test_cross_matrix_puts_weight_on_the_deciding_pair(planted):
    train, _, users, items, ids = planted
    spec = features.FeatureSpec.fit(train, users, items, ids, crosses=())
    spec = spec.only("gender", "genres", "occupation")
    for rank in (None, 2):
        model = dcn.DCN(spec, projection_dim=rank, learning_rate=5e-3, epochs=8,
                        batch_size=256, patience=None).fit(train, ids.num_users, ids.num_items)
        m = dcn.cross_matrix(model)
        assert list(m.index) == ["gender", "occupation", "genres"] and m.shape == (3, 3)
        assert np.isfinite(m.to_numpy()).all() and (m.to_numpy() >= 0).all()
    with pytest.raises(ValueError, match="layer"):
        dcn.cross_matrix(model, layer=5)


def test_validation_auc_drives_early_stopping(planted):
    train, _, users, items, ids = planted
    fit, valid = data.train_validation_split(train, 0.2)
    spec = features.FeatureSpec.fit(fit, users, items, ids).only("gender", "genres")
    model = deepfm.DeepFM(spec, learning_rate=5e-3, epochs=4, batch_size=256).fit(
        fit, ids.num_users, ids.num_items, valid=valid)
    # half the sampled negatives are of the liked kind, so the best possible AUC is 0.75
    assert "val_auc" in model.history and model.history["val_auc"].max() > 0.7
    ex = model.valid_examples
    assert ex.label.mean() == 0.5                           # one negative per positive
    known = data.interaction_matrix(pd.concat([fit, valid]), ids.num_users, ids.num_items)
    neg = ex[ex.label == 0]
    assert known[neg.user_id.to_numpy(), neg.item_id.to_numpy()].sum() == 0
    with pytest.raises(ValueError, match="validation"):
        deepfm.DeepFM(spec, validation="rmse")


def test_predict_proba_is_stable_and_prior_corrected(planted_wide, planted):
    _, test, _, _, _ = planted
    u, i = test.user_id.to_numpy()[:50], test.item_id.to_numpy()[:50]
    z = planted_wide.logits(u, i).astype(np.float64)
    p = planted_wide.predict_proba(u, i)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-z)), rtol=1e-6)
    planted_wide.num_negatives = 4          # as if trained with 4 negatives per positive
    try:
        shifted = planted_wide.predict_proba(u, i, negatives_per_positive=1)
        np.testing.assert_allclose(np.log(shifted / (1 - shifted)), z + np.log(4), rtol=1e-5)
    finally:
        planted_wide.num_negatives = 1
    from rec_course.metrics import sigmoid
    with np.errstate(over="raise"):
        assert sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


def test_bucket_labels_and_crosses_are_checked(planted):
    train, _, users, items, ids = planted
    assert features.bucket_labels((18, 25, 35)) == ("<18", "18-24", "25-34", "35+")
    spec = features.FeatureSpec.fit(train, users, items, ids)
    assert spec.labels("age")[:3] == ["PAD", "OOV", "<18"]
    assert len(spec.labels("age")) == spec.field("age").vocab_size
    with pytest.raises(ValueError, match="two different fields"):
        features.FeatureSpec.fit(train, users, items, ids, crosses=(("age", "age"),))
    with pytest.raises(ValueError, match="cross_bins"):
        features.FeatureSpec.fit(train, users, items, ids, cross_bins=0)


def test_cold_start_split_holds_users_and_items_out():
    ratings, _, _ = data.make_synthetic_features(seed=0)
    df, _ = data.index_ids(ratings)
    split = data.cold_start_split(df, user_fraction=0.1, item_fraction=0.1, seed=3)
    assert len(split.users) == 20 and len(split.items) == 12
    parts = [split.warm, split.cold_users, split.cold_items, split.both_cold]
    assert sum(len(p) for p in parts) == len(df)
    assert not split.warm.user_id.isin(split.users).any()
    assert not split.warm.item_id.isin(split.items).any()
    assert split.cold_users.user_id.isin(split.users).all()
    assert not split.cold_users.item_id.isin(split.items).any()
    assert split.cold_items.item_id.isin(split.items).all()
    again = data.cold_start_split(df, user_fraction=0.1, item_fraction=0.1, seed=3)
    assert (again.users == split.users).all() and (again.items == split.items).all()
    with pytest.raises(ValueError, match="user_fraction"):
        data.cold_start_split(df, user_fraction=0.0)


def test_click_examples_can_draw_negatives_from_candidates(planted):
    train, _, _, _, ids = planted
    known = data.interaction_matrix(train, ids.num_users, ids.num_items)
    cold = np.arange(10, 30)
    ex = features.click_examples(train, known, ids.num_items, num_negatives=2, seed=1,
                                 candidates=cold)
    neg = ex[ex.label == 0]
    assert neg.item_id.isin(cold).all()
    assert known[neg.user_id.to_numpy(), neg.item_id.to_numpy()].sum() == 0
    with pytest.raises(ValueError, match="candidates"):
        features.click_examples(train, known, ids.num_items, candidates=[ids.num_items])
