"""Every model recovers planted structure (beats popularity clearly), rejects bad input
with a clear error, and gives the same scores under the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import evaluation
from rec_course.models import als, baselines, bpr, knn, mf, ncf


def ndcg(model, train, test) -> float:
    return float(evaluation.evaluate(model, train, test).iloc[0]["ndcg@10"])


@pytest.fixture(scope="module")
def popularity_ndcg(synthetic_split):
    train, test, nu, ni = synthetic_split
    return ndcg(baselines.PopularityRecommender().fit(train, nu, ni), train, test)


FAST = {  # small settings: each fits in a few seconds on the 300 x 200 planted data
    "item_knn": lambda: knn.ItemKNN(num_neighbors=50, shrinkage=10),
    "user_knn": lambda: knn.UserKNN(num_neighbors=30, shrinkage=10),
    "implicit_als": lambda: als.ImplicitALS(embedding_dim=8, reg=1.0, alpha=5, iterations=8),
    "implicit_als_exact": lambda: als.ImplicitALS(embedding_dim=8, reg=1.0, alpha=5,
                                                  iterations=8, solver="exact"),
    "bpr": lambda: bpr.BPR(embedding_dim=16, l2=1e-4, learning_rate=1e-2, epochs=15,
                           batch_size=256),
    "gmf": lambda: ncf.NCF("gmf", embedding_dim=8, learning_rate=5e-3, epochs=6, batch_size=256),
    "mlp": lambda: ncf.NCF("mlp", mlp_layers=(32, 16), learning_rate=1e-2, epochs=12,
                           batch_size=256),
    "neumf": lambda: ncf.NCF("neumf", embedding_dim=8, mlp_layers=(32, 16), learning_rate=5e-3,
                             epochs=6, batch_size=256),
}


@pytest.mark.parametrize("name", list(FAST))
def test_model_beats_popularity_on_planted_data(name, synthetic_split, popularity_ndcg):
    train, test, nu, ni = synthetic_split
    model = FAST[name]().fit(train, nu, ni)
    assert ndcg(model, train, test) > 1.3 * popularity_ndcg


@pytest.mark.parametrize("name", ["implicit_als", "bpr", "gmf"])
def test_same_seed_same_scores(name, synthetic_split):
    train, _, nu, ni = synthetic_split
    a = FAST[name]().fit(train, nu, ni).score(np.arange(5))
    b = FAST[name]().fit(train, nu, ni).score(np.arange(5))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_explicit_models_predict_ratings_better_than_the_mean(synthetic_split):
    train, test, nu, ni = synthetic_split
    base = float(np.sqrt(np.mean((test.rating - train.rating.mean()) ** 2)))
    for model in (als.ExplicitALS(embedding_dim=8, reg=0.1, iterations=8),
                  mf.MatrixFactorization(embedding_dim=8, l2=1e-3, learning_rate=1e-2,
                                         epochs=15, batch_size=256)):
        model.fit(train, nu, ni)
        got = float(evaluation.evaluate_ratings(model, test).iloc[0]["rmse"])
        assert got < 0.9 * base, type(model).__name__
        assert model.score(np.array([0, 1])).shape == (2, ni)


def test_early_stopping_keeps_the_best_epoch(synthetic_split):
    train, test, nu, ni = synthetic_split
    fit, valid = train.iloc[: len(train) * 9 // 10], train.iloc[len(train) * 9 // 10:]
    model = mf.MatrixFactorization(embedding_dim=8, l2=0.0, learning_rate=5e-2, epochs=12,
                                   batch_size=128, patience=2).fit(fit, nu, ni, valid=valid)
    hist = model.history
    assert {"epoch", "loss", "val_rmse"} <= set(hist.columns)
    best = hist.val_rmse.min()
    got = float(evaluation.evaluate_ratings(model, valid).iloc[0]["rmse"])
    assert got == pytest.approx(best, rel=1e-4)  # the restored weights are the best ones


def test_neumf_pretraining_starts_from_the_two_towers(synthetic_split):
    train, test, nu, ni = synthetic_split
    gmf = FAST["gmf"]().fit(train, nu, ni)
    mlp = FAST["mlp"]().fit(train, nu, ni)
    for alpha in (0.5, 0.8):
        neumf = ncf.NCF("neumf", embedding_dim=8, mlp_layers=(32, 16), epochs=1,
                        learning_rate=1e-9, batch_size=256, pretrained=(gmf, mlp), alpha=alpha)
        neumf.fit(train, nu, ni)
        # with a vanishing learning rate, NeuMF's logits are the alpha-mix of the two towers
        expected = alpha * gmf.score(np.arange(3)) + (1 - alpha) * mlp.score(np.arange(3))
        np.testing.assert_allclose(neumf.score(np.arange(3)), expected, rtol=1e-3, atol=1e-4)


def test_item_knn_similarity_is_shrunk_cosine():
    train = pd.DataFrame({"user_id": [0, 0, 1, 1, 2], "item_id": [0, 1, 0, 1, 2]})
    model = knn.ItemKNN(num_neighbors=2, shrinkage=1.0).fit(train, 3, 3)
    # items 0 and 1: both seen by users 0, 1 -> dot 2, norms sqrt2 * sqrt2 = 2; 2 / (2 + 1)
    assert model.similarity_[0, 1] == pytest.approx(2 / 3)
    assert model.similarity_[0, 2] == 0.0 and model.similarity_[0, 0] == 0.0
    assert model.similar_items(0, k=1).item_id.tolist() == [1]


def test_als_user_update_is_the_closed_form():
    rng = np.random.default_rng(0)
    items = rng.normal(size=(6, 3))
    conf = als.sp.csr_matrix(np.array([[0, 2.0, 0, 0, 5.0, 0], [1.0, 0, 0, 0, 0, 0]]))
    exact = als.implicit_update(conf, items, reg=0.5)
    for u in range(2):  # x_u = (Y^T C_u Y + reg I)^-1 Y^T C_u p_u with C_u = 1 + conf
        c = 1 + conf[u].toarray().ravel()
        p = (conf[u].toarray().ravel() > 0).astype(float)
        a = items.T @ (c[:, None] * items) + 0.5 * np.eye(3)
        np.testing.assert_allclose(exact[u], np.linalg.solve(a, items.T @ (c * p)), rtol=1e-8)
    cg = als.implicit_update_cg(conf, items, 0.5, np.zeros((2, 3)), steps=3)
    np.testing.assert_allclose(cg, exact, rtol=1e-6, atol=1e-8)  # 3 CG steps solve a 3-dim system


@pytest.mark.parametrize("make, message", [
    (lambda: knn.ItemKNN(num_neighbors=0), "num_neighbors must be positive"),
    (lambda: als.ImplicitALS(embedding_dim=0), "must be positive"),
    (lambda: als.ImplicitALS(solver="magic"), "solver must be"),
    (lambda: bpr.BPR(epochs=0), "must be positive"),
    (lambda: ncf.NCF("deep"), "kind must be one of"),
    (lambda: ncf.NCF("gmf", pretrained=(None, None)), "kind='neumf' only"),
    (lambda: ncf.NCF("neumf", alpha=1.5), "alpha must be in"),
    (lambda: mf.MatrixFactorization(l2=-1), "l2 >= 0"),
])
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("name", ["item_knn", "implicit_als", "bpr"])
def test_bad_input_is_named(name, synthetic_split):
    train, _, nu, ni = synthetic_split
    with pytest.raises(ValueError, match="train is empty"):
        FAST[name]().fit(train.iloc[:0], nu, ni)
    with pytest.raises(ValueError, match="unknown index"):
        FAST[name]().fit(train, nu, 10)
    with pytest.raises(RuntimeError, match="not fitted"):
        FAST[name]().score([0])
    model = FAST[name]().fit(train, nu, ni)
    with pytest.raises(KeyError, match="unknown user index"):
        model.score([nu + 5])
    with pytest.raises(ValueError, match="k must be"):
        model.recommend(0, k=0)


def test_explicit_models_need_ratings(synthetic_split):
    train, _, nu, ni = synthetic_split
    with pytest.raises(ValueError, match="rating column"):
        mf.MatrixFactorization(epochs=1).fit(train.drop(columns="rating"), nu, ni)
    with pytest.raises(ValueError, match="rating column"):
        als.ExplicitALS(iterations=1).fit(train.drop(columns="rating"), nu, ni)


def test_explicit_als_bias_penalty_shrinks_rarely_rated_items():
    """One five-star rating: with a count-scaled penalty the item's bias stays large (it
    tops every list); a fixed bias penalty shrinks it towards the mean."""
    rng = np.random.default_rng(0)
    rows = [(u, i, float(rng.integers(2, 5))) for u in range(40) for i in range(10)]
    rows.append((0, 10, 5.0))  # item 10: a single 5-star rating
    df = pd.DataFrame(rows, columns=["user_id", "item_id", "rating"])
    scaled = als.ExplicitALS(embedding_dim=2, reg=0.1, iterations=5).fit(df, 40, 11)
    fixed = als.ExplicitALS(embedding_dim=2, reg=0.1, iterations=5, bias_reg=25.0).fit(df, 40, 11)
    assert scaled.item_bias_[10] > 1.0
    assert abs(fixed.item_bias_[10]) < 0.5 * scaled.item_bias_[10]
    assert np.argmax(scaled.score([5])[0]) == 10 and np.argmax(fixed.score([5])[0]) != 10


@pytest.mark.parametrize("kind", ["gmf", "mlp", "neumf"])
def test_ncf_grid_scores_equal_the_pairwise_call(kind):
    """NCFModel.score_grid (the tower's first layer split into a user and an item half)
    gives the logits that call gives pair by pair."""
    net = ncf.NCFModel(9, 13, kind, embedding_dim=4, mlp_layers=(8, 6, 3), seed=2)
    users, items = np.arange(9, dtype=np.int32), np.arange(13, dtype=np.int32)
    net((users[:1], items[:1]))
    for layer in net.layers:  # non-zero biases, so that a missed bias would show
        if hasattr(layer, "bias") and layer.bias is not None:
            layer.bias.assign(np.linspace(-0.5, 0.5, layer.bias.shape[0]).astype("float32"))
    pairs = net((np.repeat(users, 13), np.tile(items, 9)))
    np.testing.assert_allclose(np.asarray(net.score_grid(users, items)),
                               np.asarray(pairs).reshape(9, 13), rtol=1e-5, atol=1e-6)
