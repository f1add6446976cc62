"""Metrics on hand-computed examples (arithmetic in comments) and against keras_rs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rec_course import metrics as M

# One user, k = 5, relevant items {a, c, x} (3 relevant, x never recommended).
# Ranked list: a, b, c, d, e -> hits 1, 0, 1, 0, 0.
HITS = np.array([[1, 0, 1, 0, 0]], dtype=bool)
NREL = np.array([3])


def test_precision_recall_hand_computed():
    assert M.precision_at_k(HITS)[0] == pytest.approx(2 / 5)  # 2 hits / k=5
    assert M.recall_at_k(HITS, NREL)[0] == pytest.approx(2 / 3)  # 2 hits / 3 relevant


def test_ndcg_hand_computed():
    # DCG = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5
    # IDCG (3 hits at ranks 1..3) = 1 + 1/log2(3) + 1/log2(4) = 1 + 0.63093 + 0.5 = 2.13093
    assert M.ndcg_at_k(HITS, NREL)[0] == pytest.approx(1.5 / (1 + 1 / math.log2(3) + 0.5))


def test_average_precision_both_normalizations():
    # precision at the hits: rank 1 -> 1/1, rank 3 -> 2/3; sum = 5/3
    assert M.average_precision(HITS, NREL, normalize="all")[0] == pytest.approx((5 / 3) / 3)
    assert M.average_precision(HITS, NREL, normalize="min")[0] == pytest.approx((5 / 3) / 3)
    # with k = 2 the two differ: hits [1, 0], sum = 1; all: 1/3, min: 1/min(3, 2) = 1/2
    h2 = HITS[:, :2]
    assert M.average_precision(h2, NREL, normalize="all")[0] == pytest.approx(1 / 3)
    assert M.average_precision(h2, NREL, normalize="min")[0] == pytest.approx(1 / 2)


def test_hit_rate_and_mrr():
    hits = np.array([[0, 0, 1], [0, 0, 0], [1, 1, 0]], dtype=bool)
    assert M.hit_rate_at_k(hits).tolist() == [1.0, 0.0, 1.0]
    assert M.reciprocal_rank_at_k(hits).tolist() == pytest.approx([1 / 3, 0.0, 1.0])


def test_perfect_ranking_scores_one():
    hits = np.ones((4, 10), dtype=bool)
    n_rel = np.array([10, 12, 50, 10])
    assert np.allclose(M.ndcg_at_k(hits, n_rel), 1.0)
    assert np.allclose(M.average_precision(hits, n_rel, normalize="min"), 1.0)


def test_hit_matrix_from_lists():
    hits, n_rel = M.hit_matrix(np.array([[5, 6, 7], [1, 2, 3]]), [{7, 9}, [1]])
    assert hits.tolist() == [[False, False, True], [True, False, False]]
    assert n_rel.tolist() == [2, 1]


def test_coverage_and_novelty():
    rec = np.array([[0, 1], [0, 2]])
    assert M.catalogue_coverage(rec, 10) == pytest.approx(3 / 10)
    counts = np.array([8, 4, 0, 1])  # item 2 never seen -> counted as 1
    # -log2(8/8), -log2(4/8), -log2(8/8), -log2(1/8) = 0, 1, 0, 3 -> mean 1
    assert M.novelty(rec, counts, num_users=8) == pytest.approx(1.0)


def test_rating_and_ctr_metrics():
    assert M.rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert M.mae([1, 2, 3], [1, 2, 5]) == pytest.approx(2 / 3)
    # positives {0.8, 0.4}, negatives {0.6, 0.1}: pairs won 3 of 4 -> 0.75
    assert M.auc([1, 1, 0, 0], [0.8, 0.4, 0.6, 0.1]) == pytest.approx(0.75)
    assert M.auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)  # a tie counts half
    assert M.log_loss([1, 0], [0.9, 0.2]) == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)


@pytest.mark.parametrize("call, message", [
    (lambda: M.discounts(0), "k must be a positive integer"),
    (lambda: M.discounts(-3), "k must be a positive integer"),
    (lambda: M.ndcg_at_k(np.zeros((2, 3), bool), np.array([1, 0])), "at least one relevant"),
    (lambda: M.recall_at_k(np.zeros((2, 3), bool), np.array([1])), "num_relevant must have shape"),
    (lambda: M.precision_at_k(np.zeros(3, bool)), "must be 2-D"),
    (lambda: M.rmse([1, np.nan], [1, 2]), "NaN"),
    (lambda: M.rmse([], []), "no values"),
    (lambda: M.rmse([1, 2], [1]), "y_true has 2 values"),
    (lambda: M.auc([1, 1], [0.2, 0.3]), "both positive and negative"),
    (lambda: M.log_loss([1], [1.5]), "probabilities"),
    (lambda: M.average_precision(HITS, NREL, normalize="max"), "normalize must be"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _keras_rs_value(metric, y_true, y_pred) -> float:
    metric.update_state(y_true, y_pred)
    return float(metric.result())


def test_agrees_with_keras_rs():
    keras_rs = pytest.importorskip("keras_rs")
    rng = np.random.default_rng(0)
    n_users, n_items, k = 40, 30, 5
    y_pred = rng.random((n_users, n_items)).astype("float32")  # no ties
    y_true = (rng.random((n_users, n_items)) < 0.2).astype("float32")
    y_true[:, 0] = 1.0  # every user has a relevant item
    top = np.argsort(-y_pred, axis=1)[:, :k]
    hits = np.take_along_axis(y_true > 0, top, axis=1)
    n_rel = (y_true > 0).sum(axis=1)
    ours = {
        "ndcg": M.ndcg_at_k(hits, n_rel).mean(),
        "precision": M.precision_at_k(hits).mean(),
        "recall": M.recall_at_k(hits, n_rel).mean(),
        "map_all": M.average_precision(hits, n_rel, normalize="all").mean(),
        "mrr": M.reciprocal_rank_at_k(hits).mean(),
    }
    theirs = {
        "ndcg": _keras_rs_value(keras_rs.metrics.NDCG(k=k), y_true, y_pred),
        "precision": _keras_rs_value(keras_rs.metrics.PrecisionAtK(k=k), y_true, y_pred),
        "recall": _keras_rs_value(keras_rs.metrics.RecallAtK(k=k), y_true, y_pred),
        # keras_rs's MAP divides by all relevant items: our normalize="all" (`map`)
        "map_all": _keras_rs_value(keras_rs.metrics.MeanAveragePrecision(k=k), y_true, y_pred),
        "mrr": _keras_rs_value(keras_rs.metrics.MeanReciprocalRank(k=k), y_true, y_pred),
    }
    for name in ours:
        assert ours[name] == pytest.approx(theirs[name], rel=1e-5), name


def test_top_k_breaks_ties_by_the_lower_index_on_every_machine():
    from rec_course.ranking import top_k

    values = np.array([[1.0, 3.0, 3.0, 3.0, 0.0],
                       [2.0, 2.0, 2.0, 2.0, 2.0],
                       [-np.inf, 5.0, -np.inf, 4.0, -np.inf]])
    assert top_k(values, 2).tolist() == [[1, 2], [0, 1], [1, 3]]
    assert top_k(values, 4).tolist() == [[1, 2, 3, 0], [0, 1, 2, 3], [1, 3, 0, 2]]
    rng = np.random.default_rng(0)
    ties = rng.integers(0, 4, (50, 30)).astype(np.float32)  # many ties at every cut
    got = top_k(ties, 7)
    want = np.array([sorted(range(30), key=lambda j: (-row[j], j))[:7] for row in ties])
    assert np.array_equal(got, want)
    with pytest.raises(ValueError, match="k must be in"):
        top_k(values, 0)
    with pytest.raises(ValueError, match="2-D"):
        top_k(values[0], 1)
