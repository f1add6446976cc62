"""The Keras model base: one training template, per-epoch seeds, named validation metric,
early stopping, scoring through the model's layers, and scoring from a history."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import keras

from rec_course import data, evaluation
from rec_course.models import baselines, bpr, cdae, ease, knn, mf, ncf, training, vae
from rec_course.models.training import EmbeddingRecommender, KerasRecommender


def test_epoch_seed_is_one_rule():
    assert training.epoch_seed(3, 7) == 3007
    model = bpr.BPR(seed=3)
    assert model.epoch_seed(7) == training.epoch_seed(3, 7)


@pytest.mark.parametrize("k, expected", [(10, "val_ndcg@10"), (5, "val_ndcg@5")])
def test_validation_metric_is_named_from_k(k, expected, synthetic_split):
    train, _, nu, ni = synthetic_split
    fit, valid = data.train_validation_split(train, 0.1)
    model = bpr.BPR(embedding_dim=8, epochs=2, eval_every=1, batch_size=256, k=k)
    model.fit(fit, nu, ni, valid=valid)
    assert model.val_metric == expected and expected in model.history.columns
    assert mf.MatrixFactorization().val_metric == "val_rmse"


def test_every_keras_model_uses_the_base():
    for cls in (mf.MatrixFactorization, bpr.BPR, ncf.NCF, vae.MultVAE, cdae.CDAE):
        assert issubclass(cls, KerasRecommender), cls.__name__
        assert "_fit" not in vars(cls), f"{cls.__name__} repeats the training template"


@pytest.mark.parametrize("n, batch_size, labelled", [(1000, 100, True), (1001, 100, True),
                                                    (50, 100, True), (37, 8, False)])
def test_make_dataset_gives_the_batches_of_a_plain_batch(n, batch_size, labelled):
    """Whole-batch slicing gives exactly ``from_tensor_slices(...).batch(...)``'s batches."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 9, n).astype(np.int32), rng.integers(0, 9, n).astype(np.int32)
    rows = rng.random((n, 3)).astype(np.float32)
    labels = rng.random(n).astype(np.float32) if labelled else None
    for features in ((users, items), (rows,)):
        got = list(training.make_dataset(features, labels, batch_size, seed=4).as_numpy_iterator())
        arrays = list(features) + ([labels] if labelled else [])
        order = np.random.default_rng(4).permutation(n)
        arrays = [a[order] for a in arrays]
        feats = arrays[0] if len(features) == 1 else tuple(arrays[:len(features)])
        plain = (feats, arrays[-1]) if labelled else (feats,)
        want = list(tf.data.Dataset.from_tensor_slices(plain).batch(batch_size).as_numpy_iterator())
        assert len(got) == len(want) == -(-n // batch_size)
        for a, b in zip(got, want):
            flat_a, flat_b = keras.tree.flatten(a), keras.tree.flatten(b)
            assert len(flat_a) == len(flat_b)
            assert all(np.array_equal(x, y) for x, y in zip(flat_a, flat_b))


def test_steps_per_execution_changes_no_number(synthetic_split):
    train, _, nu, ni = synthetic_split
    make = lambda spe: bpr.BPR(embedding_dim=8, epochs=3, batch_size=128, seed=1,
                               steps_per_execution=spe).fit(train, nu, ni)
    np.testing.assert_allclose(make(1).score(np.arange(6)), make(32).score(np.arange(6)),
                               rtol=1e-5, atol=1e-6)


def test_early_stopping_keeps_the_best_weights(synthetic_split):
    train, _, nu, ni = synthetic_split
    fit, valid = data.train_validation_split(train, 0.1)
    model = bpr.BPR(embedding_dim=8, learning_rate=0.05, epochs=12, eval_every=1,
                    patience=2, batch_size=256).fit(fit, nu, ni, valid=valid)
    best = model.history[model.val_metric].max()
    now = evaluation.evaluate(model, fit, valid).iloc[0]["ndcg@10"]
    assert now == pytest.approx(best, abs=1e-6)


def test_verbose_prints_a_line_per_validation_check(synthetic_split, capsys):
    train, _, nu, ni = synthetic_split
    fit, valid = data.train_validation_split(train, 0.1)
    bpr.BPR(embedding_dim=8, epochs=4, eval_every=2, patience=None, batch_size=256,
            verbose=True).fit(fit, nu, ni, valid=valid)
    lines = [line for line in capsys.readouterr().out.splitlines() if "val_ndcg@10" in line]
    assert len(lines) == 2 and "epoch   2/4" in lines[0]


def test_bad_training_settings_are_named():
    with pytest.raises(ValueError, match="batch_size"):
        bpr.BPR(batch_size=0)
    with pytest.raises(ValueError, match="patience"):
        mf.MatrixFactorization(patience=0)
    with pytest.raises(ValueError, match="seed"):
        ncf.NCF(seed=-1)


@pytest.fixture(scope="module")
def fitted_bpr(synthetic_split):
    train, _, nu, ni = synthetic_split
    return bpr.BPR(embedding_dim=8, epochs=3, batch_size=256).fit(train, nu, ni)


def test_vectors_come_through_the_model_layers(fitted_bpr):
    model = fitted_bpr
    assert isinstance(model, EmbeddingRecommender)
    p, q = model.user_vectors(), model.item_vectors()
    assert p.shape == (model.num_users, 8) and q.shape == (model.num_items, 8)
    np.testing.assert_allclose(model.score(np.arange(3)),
                               p[:3] @ q.T + model.item_biases()[None, :], rtol=1e-5, atol=1e-6)
    with pytest.raises(KeyError, match="unknown item"):
        model.item_vectors([model.num_items])


def test_score_runs_through_the_embedding_layer(synthetic_split):
    """Replacing the item layer's behaviour (as quantization or hashing would) is what
    gets scored: score() does not read raw weight tables."""
    train, _, nu, ni = synthetic_split
    model = bpr.BPR(embedding_dim=8, epochs=2, batch_size=256).fit(train, nu, ni)
    before = model.score(np.arange(2))
    layer = model.model.item_embedding
    original = layer.call
    layer.call = lambda ids: original(ids) * 0.0  # a "compressed" layer that forgets
    try:
        after = model.score(np.arange(2))
    finally:
        layer.call = original
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, np.broadcast_to(model.item_biases(), after.shape),
                               atol=1e-6)


def test_mf_score_matches_predict(synthetic_split):
    train, test, nu, ni = synthetic_split
    model = mf.MatrixFactorization(embedding_dim=4, epochs=2, batch_size=256).fit(train, nu, ni)
    u, i = test.user_id.to_numpy()[:20], test.item_id.to_numpy()[:20]
    full = model.score(u)[np.arange(20), i]
    np.testing.assert_allclose(np.clip(full, 1, 5), model.predict(u, i), rtol=1e-5)


@pytest.mark.parametrize("make", [
    lambda: ease.EASE(lam=50.0),
    lambda: knn.ItemKNN(num_neighbors=30, shrinkage=5),
    lambda: vae.MultVAE(hidden_dim=16, latent_dim=4, epochs=2, batch_size=64),
    lambda: baselines.PopularityRecommender(),
], ids=["ease", "item_knn", "mult_vae", "popularity"])
def test_score_history_is_public_and_matches_score(make, synthetic_split):
    train, _, nu, ni = synthetic_split
    model = make().fit(train, nu, ni)
    users = np.arange(5)
    np.testing.assert_allclose(model.score_history(model.seen[users]), model.score(users),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model.score_history(model.seen[users].toarray()),
                               model.score(users), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="shape"):
        model.score_history(sp.csr_matrix((2, ni + 1)))


def test_new_users_are_folded_in_from_their_history(synthetic_split):
    """A user the model never saw gets a personal list from the history alone."""
    train, test, nu, ni = synthetic_split
    newcomers = np.arange(30)
    known = train[~train.user_id.isin(newcomers)]
    history = data.interaction_matrix(train[train.user_id.isin(newcomers)], nu, ni)[newcomers]
    held = test[test.user_id.isin(newcomers)]
    pop = baselines.PopularityRecommender().fit(known, nu, ni)
    for model in (ease.EASE(lam=50.0), knn.UserKNN(num_neighbors=30, shrinkage=5),
                  knn.ItemKNN(num_neighbors=30, shrinkage=5)):
        model.fit(known, nu, ni)

        def scores(users, model=model):
            full = np.zeros((len(users), ni), np.float32)
            full[:] = model.score_history(history[users])
            return full
        ndcg = evaluation.evaluate(scores, train, held, num_users=nu, num_items=ni)
        base = evaluation.evaluate(pop, train, held, num_users=nu, num_items=ni)
        assert ndcg.iloc[0]["ndcg@10"] > 1.3 * base.iloc[0]["ndcg@10"], type(model).__name__


def test_id_only_models_say_they_cannot_fold_in(fitted_bpr):
    with pytest.raises(NotImplementedError, match="only by their id"):
        fitted_bpr.score_history(fitted_bpr.seen[:2])


def test_cdae_scores_new_histories_without_a_user_node(synthetic_split):
    train, _, nu, ni = synthetic_split
    model = cdae.CDAE(hidden_dim=8, epochs=2, batch_size=64, user_node=False).fit(train, nu, ni)
    users = np.arange(4)
    np.testing.assert_allclose(model.score_history(model.seen[users]), model.score(users),
                               rtol=1e-5, atol=1e-5)


def test_vae_beta_follows_the_update_count_with_many_steps_per_call(synthetic_split):
    train, _, nu, ni = synthetic_split
    model = vae.MultVAE(hidden_dim=16, latent_dim=4, epochs=3, batch_size=50,
                        beta_max=1.0, anneal_steps=100, patience=None,
                        steps_per_execution=4).fit(train, nu, ni)
    steps = int(np.ceil(nu / 50))  # updates per epoch
    expected = [min(1.0, (steps * (e + 1) - 1) / 100) for e in range(3)]
    np.testing.assert_allclose(model.history["beta"], expected, rtol=1e-6)
    assert keras.ops.convert_to_numpy(model.model.optimizer.iterations) == 3 * steps
