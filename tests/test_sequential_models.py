"""GRU4Rec and SASRec: masking, shapes, both losses, learning a planted sequential pattern
that a non-sequential model cannot, clear errors, determinism."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rec_course import data, evaluation
from rec_course.models import als, baselines, gru4rec, sasrec, sequential

NUM_USERS, NUM_ITEMS = 160, 150


@pytest.fixture(scope="module")
def seq_split():
    df = data.make_synthetic_sequences(num_users=NUM_USERS, num_items=NUM_ITEMS, length=20,
                                       follow=0.7, seed=0)
    return data.sequence_split(df)


def fitted(cls, split, **kwargs):
    params = dict(max_len=12, embedding_dim=32, epochs=8, patience=None, batch_size=64,
                  learning_rate=5e-3, dropout=0.1, seed=0)
    params.update(kwargs)
    model = cls(**params).fit(split.fit, NUM_USERS, NUM_ITEMS, valid=split.valid)
    return model.with_history(split.train)


@pytest.fixture(scope="module")
def sas(seq_split):
    return fitted(sasrec.SASRec, seq_split)


def hit_rate(model, split):
    return float(evaluation.evaluate(model, split.train, split.test, k=10)["hit_rate@10"].iloc[0])


def test_causal_mask_by_hand():
    assert sasrec.causal_mask(3).tolist() == [[True, False, False], [True, True, False],
                                             [True, True, True]]
    with pytest.raises(ValueError, match="positive"):
        sasrec.causal_mask(0)


def test_attention_mask_hides_the_future_and_padding():
    tokens = np.array([[0, 0, 5, 6]], np.int32)
    mask = np.asarray(sasrec.attention_mask(tokens))[0]
    assert mask.shape == (4, 4)
    assert mask[3].tolist() == [False, False, True, True]   # the last item sees 5 and 6
    assert mask[2].tolist() == [False, False, True, False]  # ... not the future
    assert not mask[:, :2].any()                             # nobody looks at padding


def test_scaled_dot_product_attention_matches_numpy():
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(2, 4, 8)).astype(np.float32) for _ in range(3))
    mask = np.broadcast_to(sasrec.causal_mask(4), (2, 4, 4))
    out, weights = sasrec.scaled_dot_product_attention(q, k, v, mask)
    logits = q @ k.transpose(0, 2, 1) / np.sqrt(8)
    logits = np.where(mask, logits, -np.inf)
    expected = np.exp(logits - logits.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(np.asarray(weights), expected, atol=1e-5)
    np.testing.assert_allclose(np.asarray(out), expected @ v, atol=1e-5)
    assert np.asarray(weights)[:, 0, 1:].max() == 0  # the first position sees only itself


@pytest.mark.parametrize("cls", [sasrec.SASRecModel, gru4rec.GRU4RecModel])
def test_padding_changes_no_score(cls):
    model = cls(NUM_ITEMS, 16, 6, seed=1)
    short = np.array([[0, 0, 0, 3, 9, 4]], np.int32)
    model(short)
    before = np.asarray(model.last_scores(short))
    table = model.item_embedding.embeddings
    table.assign(np.concatenate([np.random.default_rng(0).normal(size=(1, 16)) * 5,
                                 np.asarray(table)[1:]]).astype(np.float32))
    np.testing.assert_allclose(np.asarray(model.last_scores(short)), before, atol=1e-5)
    hidden = np.asarray(model.encode(short))
    assert hidden.shape == (1, 6, 16)


def test_padding_positions_get_no_attention_and_no_output():
    model = sasrec.SASRecModel(NUM_ITEMS, 16, 5, num_blocks=2, seed=0)
    tokens = np.array([[0, 0, 7, 8, 9]], np.int32)
    model(tokens)
    weights = model.attention_weights(tokens)
    assert len(weights) == 2 and weights[0].shape == (1, 1, 5, 5)
    assert np.abs(weights[1][0, 0, 2:, :2]).max() < 1e-6  # real positions ignore padding
    np.testing.assert_allclose(weights[1][0, 0, 2:].sum(-1), 1.0, atol=1e-5)


def test_losses_by_hand():
    targets = np.array([[0, 2]], np.int32)  # the first position has no target
    logits = np.array([[[9.0, 9.0, 9.0], [1.0, 2.0, 0.5]]], np.float32)
    expected = -np.log(np.exp(2.0) / np.exp([1.0, 2.0, 0.5]).sum())
    assert float(sequential.softmax_loss(targets, logits)) == pytest.approx(expected, rel=1e-5)
    pair = np.array([[[5.0, 5.0], [1.0, -1.0]]], np.float32)
    expected = 2 * np.log1p(np.exp(-1.0))  # softplus(-1) + softplus(-1)
    assert float(sequential.bce_loss(targets, pair)) == pytest.approx(expected, rel=1e-5)


def test_sasrec_learns_the_sequence_a_set_model_cannot(seq_split, sas):
    pop = baselines.PopularityRecommender().fit(seq_split.train, NUM_USERS, NUM_ITEMS)
    mf = als.ImplicitALS(embedding_dim=16, iterations=5).fit(seq_split.train, NUM_USERS,
                                                             NUM_ITEMS)
    assert hit_rate(sas, seq_split) > 0.5
    assert hit_rate(sas, seq_split) > 2 * max(hit_rate(pop, seq_split), hit_rate(mf, seq_split))
    # the next item of the cycle gets the top score after a walk of successors
    assert sas.history["val_ndcg@10"].max() > 0.3


@pytest.mark.parametrize("cls, loss", [(sasrec.SASRec, "bce"), (gru4rec.GRU4Rec, "softmax")])
def test_other_models_and_losses_learn_it_too(seq_split, cls, loss):
    model = fitted(cls, seq_split, loss=loss)
    pop = baselines.PopularityRecommender().fit(seq_split.train, NUM_USERS, NUM_ITEMS)
    assert hit_rate(model, seq_split) > 2 * hit_rate(pop, seq_split) + 0.2


def test_sasrec_is_deterministic_under_a_seed(seq_split):
    first, again = (fitted(sasrec.SASRec, seq_split, epochs=1) for _ in range(2))
    np.testing.assert_allclose(again.score([0, 1, 2]), first.score([0, 1, 2]), atol=1e-5)
    tokens = first.tokens([0, 1, 2])
    other = sasrec.SASRecModel(NUM_ITEMS, 32, 12, seed=1)  # another seed, other weights
    other(tokens)
    assert not np.allclose(np.asarray(other.last_scores(tokens)),
                           np.asarray(sasrec.SASRecModel(NUM_ITEMS, 32, 12, seed=0)
                                      .last_scores(tokens)), atol=1e-4)


def test_scoring_new_histories(sas):
    seqs = [np.array([3, 4, 5]), np.arange(5)]
    scores = sas.score_sequences(seqs)
    assert scores.shape == (2, NUM_ITEMS) and scores.dtype == np.float32
    np.testing.assert_allclose(sas.score_tokens(data.pad_sequences(seqs, 12)), scores)
    with pytest.raises(ValueError, match="empty"):
        sas.score_sequences([np.array([], np.int64)])
    with pytest.raises(KeyError, match="unknown item"):
        sas.score_sequences([np.array([1, NUM_ITEMS])])
    with pytest.raises(ValueError, match="more than max_len"):
        sas.score_sequences([np.arange(13)])
    assert sas.score_sequences([np.arange(13)], truncate=True).shape == (1, NUM_ITEMS)
    with pytest.raises(KeyError, match="unknown user"):
        sas.score([NUM_USERS])


def test_with_history_moves_the_prediction_one_step(seq_split, sas):
    users = seq_split.valid["user_id"].to_numpy()[:5]
    assert (sas.tokens(users)[:, -1] - 1 == seq_split.valid.set_index("user_id").loc[
        users, "item_id"].to_numpy()).all()  # the latest item is now the validation item
    assert sas.seen[users].sum() == seq_split.train[seq_split.train["user_id"].isin(users)].shape[0]


@pytest.mark.parametrize("make, message", [
    (lambda: sasrec.SASRec(loss="hinge"), "loss must be"),
    (lambda: sasrec.SASRec(max_len=0), "positive"),
    (lambda: sasrec.SASRec(windows="some"), "windows"),
    (lambda: sasrec.SASRec(num_heads=0), "num_heads"),
    (lambda: gru4rec.GRU4Rec(dropout=1.0), "dropout"),
    (lambda: sasrec.SASRecBlock(30, num_heads=4), "divisible"),
])
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_unfitted_model_says_so():
    with pytest.raises(RuntimeError, match="not fitted"):
        sasrec.SASRec().score([0])


def test_self_attention_equals_keras_multi_head_attention():
    dim, heads = 8, 2
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, dim)).astype(np.float32)
    y = rng.normal(size=(3, 5, dim)).astype(np.float32)
    mask = np.broadcast_to(sasrec.causal_mask(5), (3, 5, 5))
    ours = sasrec.SelfAttention(dim, heads, seed=0)
    out, weights = ours(x, y, mask)
    keras_mha = keras.layers.MultiHeadAttention(heads, dim // heads)
    keras_mha(x, y, attention_mask=mask)
    per_head = lambda dense: [np.asarray(dense.kernel).reshape(dim, heads, dim // heads),
                              np.asarray(dense.bias).reshape(heads, dim // heads)]
    keras_mha.set_weights(per_head(ours.query) + per_head(ours.key) + per_head(ours.value)
                          + [np.asarray(ours.output_dense.kernel).reshape(heads, dim // heads, dim),
                             np.asarray(ours.output_dense.bias)])
    theirs, their_weights = keras_mha(x, y, attention_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(out), np.asarray(theirs), atol=1e-5)
    np.testing.assert_allclose(np.asarray(weights), np.asarray(their_weights), atol=1e-6)
