"""rec_course.compression: quantization by hand, pruning, compressed embeddings, measures."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from rec_course.compression import (HashEmbedding, MagnitudePruning, QREmbedding,
                                    dequantize, latency, low_rank, magnitude_mask,
                                    parameter_count, polynomial_sparsity, qr_buckets,
                                    quantize_symmetric, quantized_table, saved_bytes,
                                    sparsity, table_bytes)

RNG = np.random.default_rng(0)
TABLE = RNG.normal(size=(50, 16)).astype(np.float32)


# ---------------------------------------------------------------- quantization
@pytest.mark.parametrize("bits, top", [(8, 127), (4, 7)])
def test_symmetric_quantization_round_trips_within_half_a_step(bits, top):
    q, scale = quantize_symmetric(TABLE, bits)
    assert q.dtype == np.int8 and q.shape == TABLE.shape and scale.shape == (50, 1)
    assert np.abs(q).max() == top                                   # each row reaches +-top
    assert (np.abs(q) == top).any(axis=1).all()
    error = np.abs(dequantize(q, scale) - TABLE)
    assert (error <= scale / 2 + 1e-6).all()                        # round to nearest
    whole, s = quantize_symmetric(TABLE, bits, per_row=False)
    assert s.shape == () and np.abs(dequantize(whole, s) - TABLE).max() <= s / 2 + 1e-6


def test_quantization_keeps_zero_rows_and_rejects_bad_input():
    table = TABLE.copy()
    table[3] = 0
    q, scale = quantize_symmetric(table)
    assert (q[3] == 0).all() and scale[3, 0] == 1.0
    for bad, match in [(np.zeros((0, 4)), "empty"), (np.array([[np.nan, 1.0]]), "NaN"),
                       (np.ones(5), "2-D")]:
        with pytest.raises(ValueError, match=match):
            quantize_symmetric(bad)
    with pytest.raises(ValueError, match="bits"):
        quantize_symmetric(TABLE, 3)


def test_table_bytes():
    assert table_bytes(1000, 64) == 256_000
    assert table_bytes(1000, 64, 8) == 64_000 + 4_000
    assert table_bytes(1000, 64, 4) == 32_000 + 4_000
    assert table_bytes(1000, 64, 8, per_row=False) == 64_004
    table, size = quantized_table(TABLE, 4)
    assert size == table_bytes(50, 16, 4) and table.dtype == np.float32
    with pytest.raises(ValueError, match="non-empty"):
        table_bytes(0, 4)


def test_int8_scores_rank_like_float_scores():
    users, items = RNG.normal(size=(20, 16)), RNG.normal(size=(200, 16))
    exact = users @ items.T
    approx = users @ quantized_table(items, 8)[0].T
    top_exact, top_q = np.argsort(-exact)[:, :10], np.argsort(-approx)[:, :10]
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top_exact, top_q)])
    assert overlap >= 0.95


# ---------------------------------------------------------------- pruning
def test_magnitude_mask_drops_exactly_the_smallest():
    w = np.array([[0.1, -3.0], [0.0, 2.0], [-0.5, 1.0]])
    mask = magnitude_mask(w, 0.5)
    assert mask.tolist() == [[False, True], [False, True], [False, True]]
    assert magnitude_mask(w, 0.0).all()
    with pytest.raises(ValueError, match="sparsity"):
        magnitude_mask(w, 1.0)


def test_polynomial_schedule():
    kw = dict(begin=10, end=110, final=0.8)
    assert polynomial_sparsity(0, **kw) == 0 and polynomial_sparsity(10, **kw) == 0
    assert polynomial_sparsity(110, **kw) == pytest.approx(0.8)
    assert polynomial_sparsity(500, **kw) == pytest.approx(0.8)
    mid = polynomial_sparsity(60, **kw)
    assert mid == pytest.approx(0.8 * (1 - 0.5 ** 3))
    values = [polynomial_sparsity(t, **kw) for t in range(0, 120, 5)]
    assert values == sorted(values)                                 # never decreases
    assert polynomial_sparsity(5, begin=5, end=5, final=0.5) == 0.5  # at once
    with pytest.raises(ValueError):
        polynomial_sparsity(0, begin=5, end=1, final=0.5)


def test_pruning_reaches_the_target_and_keeps_it_through_fine_tuning():
    keras.utils.set_random_seed(0)
    x = RNG.normal(size=(512, 8)).astype(np.float32)
    y = (x @ RNG.normal(size=(8, 1))).astype(np.float32)
    model = keras.Sequential([keras.Input((8,)), layers.Dense(32, activation="relu"),
                              layers.Dense(1)])
    model.compile("adam", "mse")
    kernel = model.layers[0].kernel
    pruning = MagnitudePruning([kernel], final=0.8, begin=0, end=40, every=5)
    model.fit(x, y, epochs=5, batch_size=64, verbose=0, callbacks=[pruning])  # 40 steps
    assert sparsity(kernel) == pytest.approx(0.8, abs=1 / kernel.shape[0] / kernel.shape[1])
    zeros = np.asarray(kernel) == 0
    model.fit(x, y, epochs=3, batch_size=64, verbose=0, callbacks=[pruning])  # fine-tune
    assert (np.asarray(kernel)[zeros] == 0).all()
    assert sparsity(kernel) == pytest.approx(0.8, abs=1e-3)
    with pytest.raises(ValueError, match="no variables"):
        MagnitudePruning([], final=0.5)


# ---------------------------------------------------------------- embeddings
def test_qr_embedding_gives_every_id_a_distinct_vector():
    assert qr_buckets(1682) == (41, 42)
    assert qr_buckets(100, 10) == (10, 10)
    layer = QREmbedding(1682, 8, seed=1)
    table = layer.table()
    assert table.shape == (1682, 8)
    assert len(np.unique(table.round(6), axis=0)) == 1682
    rows = layer.num_quotients + layer.num_buckets
    assert parameter_count(layer) == rows * 8 and 1682 / rows >= 20  # ~20x fewer rows
    ids = np.array([0, 41, 42, 1681])
    assert np.allclose(np.asarray(layer(ids)), table[ids])
    with pytest.raises(ValueError, match="num_buckets"):
        QREmbedding(10, 4, num_buckets=11)


def test_hash_embedding_shares_rows_between_colliding_ids():
    layer = HashEmbedding(10, 4)
    out = np.asarray(layer(np.array([3, 13, 4])))
    assert np.allclose(out[0], out[1]) and not np.allclose(out[0], out[2])
    assert parameter_count(layer) == 40


def test_qr_embedding_learns_inside_a_model():
    keras.utils.set_random_seed(0)
    ids = np.arange(200)
    target = RNG.normal(size=(200, 4)).astype(np.float32)
    model = keras.Sequential([keras.Input((), dtype="int32"), QREmbedding(200, 4, seed=0)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    before = model.evaluate(ids, target, verbose=0)
    model.fit(ids, target, epochs=30, batch_size=50, verbose=0)
    assert model.evaluate(ids, target, verbose=0) < 0.8 * before


def test_low_rank_is_the_best_approximation_of_its_rank():
    a, b = low_rank(TABLE, 4)
    assert a.shape == (50, 4) and b.shape == (4, 16)
    full_a, full_b = low_rank(TABLE, 16)
    assert np.allclose(full_a @ full_b, TABLE, atol=1e-4)
    s = np.linalg.svd(TABLE, compute_uv=False)
    assert np.linalg.norm(TABLE - a @ b) == pytest.approx(np.sqrt((s[4:] ** 2).sum()), rel=1e-4)
    with pytest.raises(ValueError, match="rank"):
        low_rank(TABLE, 17)


# ---------------------------------------------------------------- measures
def test_parameter_count_saved_bytes_and_latency():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    assert parameter_count(model) == 15 == parameter_count(model.weights)
    big = keras.Sequential([keras.Input((4,)), layers.Dense(3000)])
    assert saved_bytes(big) > saved_bytes(model) + 4 * 4 * 3000 * 0.9
    assert saved_bytes(big, ".weights.h5") > 4 * 4 * 3000
    calls = []
    seconds = latency(lambda: calls.append(1), repeats=5, warmup=2)
    assert len(calls) == 7 and seconds >= 0
    with pytest.raises(ValueError):
        latency(lambda: None, repeats=0)


# ---------------------------------------------------------------- Keras quantization
@pytest.fixture(scope="module")
def fitted_bpr(synthetic_split):
    from rec_course.models import bpr

    train, test, nu, ni = synthetic_split
    return bpr.BPR(embedding_dim=32, epochs=5, patience=None, seed=0).fit(train, nu, ni), nu


def test_recommender_copy_scores_the_same_and_is_independent(fitted_bpr):
    from rec_course.compression import recommender_copy

    rec, nu = fitted_bpr
    users = np.arange(nu)
    twin = recommender_copy(rec)
    assert twin.model is not rec.model and np.allclose(twin.score(users), rec.score(users))
    twin.model.item_embedding.embeddings.assign(np.zeros((rec.num_items, 32), np.float32))
    assert not np.allclose(twin.score(users), rec.score(users))


@pytest.mark.parametrize("mode, share, overlap", [("int8", 0.35, 0.9), ("int4", 0.25, 0.6)])
def test_quantized_recommender_is_smaller_and_ranks_alike(fitted_bpr, mode, share, overlap):
    from rec_course.compression import quantized_recommender, recommender_copy, weight_bytes

    rec, nu = fitted_bpr
    users = np.arange(nu)
    before = rec.score(users)
    try:
        small = quantized_recommender(rec, mode)
    except ValueError as e:  # int4 in an older Keras (make test-compat): a clear error
        assert mode == "int4" and "needs a newer Keras" in str(e)
        pytest.skip(f"this Keras cannot quantize to {mode}")
    assert any("int8" in str(v.dtype) for v in small.model.weights)
    assert weight_bytes(small.model) <= share * weight_bytes(recommender_copy(rec).model)
    exact, approx = np.argsort(-before)[:, :10], np.argsort(-small.score(users))[:, :10]
    assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx)]) >= overlap
    assert np.array_equal(rec.score(users), before)            # the original is untouched
    with pytest.raises(ValueError, match="mode"):
        quantized_recommender(rec, "int2")


def test_pruning_a_fitted_recommender_then_fine_tuning_keeps_the_zeros(fitted_bpr):
    from rec_course.compression import csr_bytes, fine_tune, recommender_copy
    from rec_course.evaluation import Evaluator

    rec, nu = fitted_bpr
    twin = recommender_copy(rec)
    tables = [twin.model.user_embedding.embeddings, twin.model.item_embedding.embeddings]
    pruning = MagnitudePruning(tables, final=0.8)
    pruning.prune_now()
    assert all(sparsity(t) == pytest.approx(0.8, abs=1e-3) for t in tables)
    zeros = [np.asarray(t) == 0 for t in tables]
    losses = fine_tune(twin, 3, callbacks=[pruning])
    assert len(losses) == 3 and losses[-1] < losses[0] + 0.05
    for table, was_zero in zip(tables, zeros):
        assert (np.asarray(table)[was_zero] == 0).all()
    assert not np.allclose(rec.score(np.arange(nu)), twin.score(np.arange(nu)))
    dense = np.asarray(tables[1])
    assert csr_bytes(dense) < 4 * dense.size * 0.45          # 80% zeros: CSR is smaller
    from rec_course.compression import pruned_bytes, weight_bytes
    saved = sum(4 * np.asarray(t).size - csr_bytes(t) for t in tables)
    assert pruned_bytes(twin.model, tables) == weight_bytes(twin.model) - saved
    assert csr_bytes(np.ones((10, 10))) > 4 * 100             # dense data: CSR is larger
    with pytest.raises(ValueError, match="epochs"):
        fine_tune(twin, 0)


# ---------------------------------------------------------------- distillation
def test_rank_weights_and_the_weighted_loss():
    from rec_course.compression import rank_weights, weighted_bpr_loss
    from rec_course.models.bpr import bpr_loss

    w = rank_weights(5, 2.0)
    assert w.mean() == pytest.approx(1.0) and (np.diff(w) < 0).all()
    x = np.array([0.5, -1.0, 2.0], np.float32)
    assert float(weighted_bpr_loss(np.ones(3), x)) == pytest.approx(float(bpr_loss(None, x)))
    assert float(weighted_bpr_loss(np.array([1.0, 0.0, 0.0]), x)) == pytest.approx(
        np.log1p(np.exp(-0.5)) / 3, rel=1e-5)
    with pytest.raises(ValueError):
        rank_weights(0, 1.0)


def test_distilled_student_follows_its_teacher(synthetic_split, fitted_bpr):
    from rec_course.compression import DistilledBPR, teacher_top_items
    from rec_course.models import bpr

    train, test, nu, ni = synthetic_split
    teacher, _ = fitted_bpr
    top = teacher_top_items(teacher, teacher.seen, 5)
    assert top.shape == (nu, 5)
    assert not teacher.seen[np.repeat(np.arange(nu), 5), top.ravel()].any()  # unseen only
    small = dict(embedding_dim=4, epochs=5, patience=None, seed=1)
    plain = bpr.BPR(**small).fit(train, nu, ni)
    student = DistilledBPR(teacher, top_k=5, alpha=1.0, **small).fit(train, nu, ni)
    assert (student.teacher_items == top).all()

    def agreement(model):
        mine = teacher_top_items(model, teacher.seen, 5)
        return np.mean([len(set(a) & set(b)) / 5 for a, b in zip(mine, top)])

    assert agreement(student) > agreement(plain)
    with pytest.raises(ValueError, match="alpha"):
        DistilledBPR(teacher, alpha=-1)


@pytest.mark.parametrize("table, buckets", [("qr", None), ("hash", 80)])
def test_compressed_bpr_learns_with_fewer_item_rows(synthetic_split, table, buckets):
    from rec_course import evaluation
    from rec_course.compression import CompressedBPR
    from rec_course.models import baselines

    train, test, nu, ni = synthetic_split
    model = CompressedBPR(item_table=table, num_buckets=buckets, embedding_dim=16,
                          learning_rate=1e-2, epochs=15, patience=None, seed=0).fit(train, nu, ni)
    assert model.item_table_rows() < ni / 2
    ndcg = evaluation.evaluate(model, train, test).iloc[0]["ndcg@10"]
    pop = evaluation.evaluate(baselines.PopularityRecommender().fit(train, nu, ni), train,
                              test).iloc[0]["ndcg@10"]
    assert ndcg > pop, (table, ndcg, pop)
    with pytest.raises(ValueError, match="num_buckets"):
        CompressedBPR(item_table="hash")
    with pytest.raises(ValueError, match="item_table"):
        CompressedBPR(item_table="bloom")


def test_gradual_pruning_during_fine_tuning_reaches_the_target(fitted_bpr):
    from rec_course.compression import fine_tune, recommender_copy

    rec, nu = fitted_bpr
    twin = recommender_copy(rec)
    table = twin.model.item_embedding.embeddings
    steps = -(-len(rec._users) // rec.batch_size)              # steps per epoch
    pruning = MagnitudePruning([table], final=0.6, end=2 * steps, every=2)
    fine_tune(twin, 3, callbacks=[pruning])
    assert pruning.step == 3 * steps                            # every step was seen
    assert sparsity(table) == pytest.approx(0.6, abs=1e-3)


# ---------------------------------------------------------------- export
def test_an_exported_scorer_reloaded_in_a_fresh_process_recommends_the_same(fitted_bpr,
                                                                            tmp_path):
    from rec_course.compression import (export_scorer, quantized_recommender,
                                        top_k_in_fresh_process)

    rec, nu = fitted_bpr
    users = np.arange(0, nu, 7)
    for name, model in [("float32", rec), ("int8", quantized_recommender(rec, "int8"))]:
        path = export_scorer(model, tmp_path / name)
        reloaded = top_k_in_fresh_process(path, users, k=10)
        keras_top = np.argsort(-model.score(users), axis=1, kind="stable")[:, :10]
        agree = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(reloaded, keras_top)])
        assert reloaded.shape == (len(users), 10) and agree >= 0.99, (name, agree)
    with pytest.raises(ValueError, match="k must"):
        top_k_in_fresh_process(tmp_path / "float32", users, k=0)
    with pytest.raises(FileNotFoundError, match="no exported model"):
        top_k_in_fresh_process(tmp_path / "missing", users)


@pytest.mark.parametrize("runtime", ["onnx", "litert"])
def test_onnx_and_litert_exports_score_like_keras(fitted_bpr, tmp_path, runtime):
    """The converted files give the Keras scores (float32 and int8), in this process and
    in a fresh one."""
    pytest.importorskip("tf2onnx" if runtime == "onnx" else "ai_edge_litert")
    from rec_course.compression import (disk_bytes, export_scorer, load_scorer,
                                        quantized_recommender, to_litert, to_onnx,
                                        top_k_in_fresh_process)

    rec, nu = fitted_bpr
    users = np.arange(0, nu, 5)
    for name, model in [("float32", rec), ("int8", quantized_recommender(rec, "int8"))]:
        saved = export_scorer(model, tmp_path / name)
        path = (to_onnx(saved, tmp_path / f"{name}.onnx") if runtime == "onnx"
                else to_litert(saved, tmp_path / f"{name}.tflite"))
        assert disk_bytes(path) == path.stat().st_size and disk_bytes(saved) > 0
        scores = load_scorer(path)(users)
        assert scores.shape == (len(users), rec.num_items)
        assert np.allclose(scores, model.score(users), atol=1e-4), (runtime, name)
        keras_top = np.argsort(-model.score(users), axis=1, kind="stable")[:, :10]
        fresh = top_k_in_fresh_process(path, users, k=10)
        agree = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(fresh, keras_top)])
        assert agree >= 0.99, (runtime, name, agree)
    with pytest.raises(FileNotFoundError):
        load_scorer(tmp_path / "nothing.onnx")
    with pytest.raises(FileNotFoundError):
        disk_bytes(tmp_path / "nothing")


def test_pruned_bpr_reaches_its_sparsity_while_training_and_learns(synthetic_split):
    from rec_course import evaluation
    from rec_course.compression import PrunedBPR
    from rec_course.models import baselines

    train, test, nu, ni = synthetic_split
    model = PrunedBPR(sparsity=0.7, begin_epoch=2, end_epoch=6, embedding_dim=32,
                      learning_rate=1e-2, epochs=10, patience=None, seed=0).fit(train, nu, ni)
    steps = -(-len(train) // model.batch_size)
    assert model.pruning.step == 10 * steps                     # a mask after every step
    for table in model.pruned_tables():
        assert sparsity(table) == pytest.approx(0.7, abs=1e-3)
    ndcg = evaluation.evaluate(model, train, test).iloc[0]["ndcg@10"]
    pop = evaluation.evaluate(baselines.PopularityRecommender().fit(train, nu, ni), train,
                              test).iloc[0]["ndcg@10"]
    assert ndcg > pop, (ndcg, pop)
    with pytest.raises(ValueError, match="end_epoch"):
        PrunedBPR(begin_epoch=3, end_epoch=30, epochs=20)
    with pytest.raises(ValueError, match="steps_per_execution"):
        PrunedBPR(steps_per_execution=8)


def test_mixed_dims_give_frequent_ids_more_dimensions():
    from rec_course.compression import MixedDimEmbedding, mixed_dims

    counts = np.array([1, 100, 5, 50, 0, 20, 2, 10])
    block_of, dims = mixed_dims(counts, 4, 16, alpha=1.0)
    assert block_of.tolist() == [3, 0, 2, 0, 3, 1, 2, 1]        # by frequency, 2 per block
    assert dims[0] == 16 and dims == sorted(dims, reverse=True) and min(dims) >= 2
    assert mixed_dims(counts, 4, 16, alpha=0.0)[1] == [16] * 4
    layer = MixedDimEmbedding(block_of, dims, 8, seed=0)
    out = layer(np.array([[1, 4], [7, 0]]))
    assert tuple(out.shape) == (2, 2, 8)
    table = layer.table()
    assert np.allclose(np.asarray(out)[0, 1], table[4], atol=1e-6)
    assert len({tuple(np.round(r, 6)) for r in table}) == len(counts)   # distinct vectors
    stored = sum(int(np.prod(w.shape)) for w in layer.weights)
    assert stored == sum(2 * d for d in dims) + sum(8 * d for d in dims if d != 8)
    for bad in [dict(num_blocks=0), dict(num_blocks=9), dict(alpha=-1.0)]:
        with pytest.raises(ValueError):
            mixed_dims(counts, **{"num_blocks": 4, "dim": 16, **bad})


def test_compressed_bpr_with_mixed_dimensions_learns(synthetic_split):
    from rec_course import evaluation
    from rec_course.compression import CompressedBPR
    from rec_course.models import baselines

    train, test, nu, ni = synthetic_split
    model = CompressedBPR(item_table="mixed", num_blocks=4, alpha=1.0, max_dim=16,
                          embedding_dim=32, learning_rate=1e-2, epochs=15, patience=None,
                          seed=0).fit(train, nu, ni)
    items = sum(int(np.prod(w.shape))
                                     for w in model.model.item_embedding.weights)
    assert items < ni * 32 / 2, items
    ndcg = evaluation.evaluate(model, train, test).iloc[0]["ndcg@10"]
    pop = evaluation.evaluate(baselines.PopularityRecommender().fit(train, nu, ni), train,
                              test).iloc[0]["ndcg@10"]
    assert ndcg > pop, (ndcg, pop)
    with pytest.raises(ValueError, match="max_dim"):
        CompressedBPR(item_table="mixed", embedding_dim=16, max_dim=32)


def test_a_sequence_model_copies_and_quantizes():
    """recommender_copy feeds a model its inputs as fit does (SASRec: one tokens array)."""
    import warnings

    from rec_course import data
    from rec_course.compression import quantized_recommender, recommender_copy
    from rec_course.models import sasrec

    split = data.sequence_split(data.make_synthetic_sequences(num_users=40, num_items=30,
                                                              length=12, seed=0))
    model = sasrec.SASRec(max_len=8, embedding_dim=16, epochs=2, patience=None,
                          batch_size=32, seed=0).fit(split.fit, 40, 30).with_history(split.train)
    users = np.arange(40)
    twin = recommender_copy(model).with_history(split.train)
    assert np.allclose(twin.score(users), model.score(users), atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # the expected warnings are filtered
        small = quantized_recommender(model, "int8").with_history(split.train)
    assert small.score(users).shape == (40, 30)
    assert any("int8" in str(v.dtype) for v in small.model.weights)
    # the output table is dequantized like the input lookups (not raw int8 values)
    exact, approx = model.score(users).ravel(), small.score(users).ravel()
    assert np.corrcoef(exact, approx)[0, 1] > 0.98
    assert np.abs(approx).max() < 3 * np.abs(exact).max()


@pytest.mark.parametrize("schedule", ["at once", "gradual"])
def test_prune_and_fine_tune_prunes_a_copy_and_keeps_the_original(fitted_bpr, schedule):
    from rec_course.compression import prune_and_fine_tune

    rec, nu = fitted_bpr
    before = rec.item_vectors().copy()
    twin, tables = prune_and_fine_tune(rec, 0.5, schedule=schedule, epochs=2)
    assert [sparsity(t) for t in tables] == [pytest.approx(0.5, abs=1e-3)] * 2
    assert np.array_equal(rec.item_vectors(), before)           # the original is untouched
    assert np.isfinite(twin.score(np.arange(nu))).all()
    with pytest.raises(ValueError, match="schedule"):
        prune_and_fine_tune(rec, 0.5, schedule="sometimes")
