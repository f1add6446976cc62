"""The evaluation entry point and the baselines, on hand-made and synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import evaluation, metrics
from rec_course.models.baselines import PopularityRecommender, RandomRecommender

# 2 users, 5 items. User 0 saw item 0 in train; test {1, 3}. User 1: train {4}, test {2}.
TRAIN = pd.DataFrame({"user_id": [0, 1], "item_id": [0, 4]})
TEST = pd.DataFrame({"user_id": [0, 0, 1], "item_id": [1, 3, 2]})
SCORES = np.array([[9, 1, 0, 8, 7],   # item 0 is seen -> ranking 3, 4, 1, 2
                   [0, 1, 2, 3, 9]],  # item 4 is seen -> ranking 3, 2, 1, 0
                  dtype=np.float32)


def table_model(user_ids):
    return SCORES[np.asarray(user_ids)]


def test_hand_computed_evaluation():
    row = evaluation.evaluate(table_model, TRAIN, TEST, k=2, num_items=5).iloc[0]
    # user 0: top-2 after removing item 0 = [3, 4] -> hits [1, 0], 2 relevant
    # user 1: top-2 after removing item 4 = [3, 2] -> hits [0, 1], 1 relevant
    assert row["precision@2"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert row["recall@2"] == pytest.approx((1 / 2 + 1 / 1) / 2)
    # nDCG: user 0: 1 / (1 + 1/log2 3); user 1: (1/log2 3) / 1
    expected = (1 / (1 + 1 / np.log2(3)) + 1 / np.log2(3)) / 2
    assert row["ndcg@2"] == pytest.approx(expected)
    # AP: user 0: 1/1 / min(2,2) = 0.5 (map@2), /2 = 0.5 (map); user 1: (1/2) / 1
    assert row["map@2"] == pytest.approx((0.5 + 0.5) / 2)
    assert row["mrr@2"] == pytest.approx((1 + 1 / 2) / 2)
    assert row["coverage@2"] == pytest.approx(3 / 5)  # items 2, 3, 4
    assert row["users"] == 2


def test_seen_items_are_removed_unless_asked():
    kept = evaluation.evaluate(table_model, TRAIN, TEST, k=1, num_items=5, remove_seen=False)
    removed = evaluation.evaluate(table_model, TRAIN, TEST, k=1, num_items=5)
    assert kept.iloc[0]["precision@1"] == 0.0  # both users' top item is a train item
    assert removed.iloc[0]["precision@1"] == 0.5


def test_matches_metric_functions_on_random_scores(synthetic_split):
    train, test, nu, ni = synthetic_split
    model = RandomRecommender(seed=3).fit(train, nu, ni)
    got = evaluation.evaluate(model, train, test, k=10, batch_size=37).iloc[0]
    # slow reference: per user, with Python sets
    users = np.sort(test.user_id.unique())
    scores = model.score(users)
    seen = train.groupby("user_id").item_id.apply(set)
    rel = test.groupby("user_id").item_id.apply(set)
    recommended = []
    for row, u in enumerate(users):
        order = [i for i in np.argsort(-scores[row], kind="stable") if i not in seen.get(u, set())]
        recommended.append(order[:10])
    hits, n_rel = metrics.hit_matrix(np.array(recommended), [rel[u] for u in users])
    assert got["ndcg@10"] == pytest.approx(metrics.ndcg_at_k(hits, n_rel).mean())
    assert got["map"] == pytest.approx(metrics.average_precision(hits, n_rel, normalize="all").mean())


def test_popularity_beats_random_on_planted_data(synthetic_split):
    train, test, nu, ni = synthetic_split
    pop = evaluation.evaluate(PopularityRecommender().fit(train, nu, ni), train, test)
    rnd = evaluation.evaluate(RandomRecommender().fit(train, nu, ni), train, test)
    assert pop.iloc[0]["ndcg@10"] > 1.5 * rnd.iloc[0]["ndcg@10"]
    assert rnd.iloc[0]["coverage@10"] > pop.iloc[0]["coverage@10"]
    assert rnd.iloc[0]["novelty@10"] > pop.iloc[0]["novelty@10"]


def test_same_seed_same_numbers(synthetic_split):
    train, test, nu, ni = synthetic_split
    a = evaluation.evaluate(RandomRecommender(seed=1).fit(train, nu, ni), train, test)
    b = evaluation.evaluate(RandomRecommender(seed=1).fit(train, nu, ni), train, test)
    c = evaluation.evaluate(RandomRecommender(seed=2).fit(train, nu, ni), train, test)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.parametrize("kwargs, message", [
    (dict(k=0), "k must be a positive integer"),
    (dict(k=-1), "k must be a positive integer"),
    (dict(k=6), "exceeds the catalogue size"),
    (dict(test=TEST.iloc[0:0]), "test is empty"),
    (dict(test=pd.DataFrame({"user_id": [0], "item_id": [7]})), "unknown index"),
    (dict(model=lambda u: SCORES[np.asarray(u)][:, :3]), "must return shape"),
    (dict(model=lambda u: np.full((len(u), 5), np.nan)), "NaN scores"),
    (dict(model="popularity"), "score"),
])
def test_bad_input_is_named(kwargs, message):
    args = dict(model=table_model, train=TRAIN, test=TEST, num_items=5) | kwargs
    with pytest.raises((ValueError, TypeError), match=message):
        evaluation.evaluate(args.pop("model"), args.pop("train"), args.pop("test"), **args)


def test_recommend_removes_seen_and_checks_ids():
    pop = PopularityRecommender().fit(pd.DataFrame({"user_id": [0, 1, 1, 2],
                                                    "item_id": [0, 0, 1, 2]}), 3, 4)
    assert pop.recommend(0, k=2)["item_id"].tolist() == [1, 2]  # item 0 seen by user 0
    assert pop.recommend(0, k=2, exclude_seen=False)["item_id"].tolist()[0] == 0
    with pytest.raises(KeyError, match="unknown user index"):
        pop.recommend(5)
    with pytest.raises(ValueError, match="k must be"):
        pop.recommend(0, k=0)
    with pytest.raises(RuntimeError, match="not fitted"):
        PopularityRecommender().score([0])
    with pytest.raises(ValueError, match="train is empty"):
        PopularityRecommender().fit(pd.DataFrame({"user_id": [], "item_id": []}), 3, 4)


def test_sampled_protocol_inflates_metrics(synthetic_split):
    train, test, nu, ni = synthetic_split
    pop = PopularityRecommender().fit(train, nu, ni)
    full = evaluation.evaluate(pop, train, test).iloc[0]
    sampled = evaluation.evaluate_sampled(pop, train, test, num_negatives=20, seed=0).iloc[0]
    assert sampled["hit_rate@10"] > full["hit_rate@10"] * 0.5  # computed, and finite
    assert sampled["ndcg@10"] > full["ndcg@10"]
    again = evaluation.evaluate_sampled(pop, train, test, num_negatives=20, seed=0)
    assert again.iloc[0]["ndcg@10"] == sampled["ndcg@10"]


def test_evaluate_ratings():
    class Mean:
        def predict(self, users, items):
            return np.full(len(users), 3.0)
    test = pd.DataFrame({"user_id": [0, 1], "item_id": [0, 1], "rating": [5.0, 1.0]})
    row = evaluation.evaluate_ratings(Mean(), test).iloc[0]
    assert row["rmse"] == pytest.approx(2.0) and row["mae"] == pytest.approx(2.0)
    with pytest.raises(TypeError, match="no predict"):
        evaluation.evaluate_ratings(PopularityRecommender(), test)


def test_evaluate_by_group_equals_evaluating_each_group_alone():
    groups = pd.Series(pd.Categorical(["b", "a"], categories=["b", "a"]), index=[0, 1])
    by_group = evaluation.evaluate_by_group(table_model, TRAIN, TEST, groups, k=2,
                                            num_items=5)
    assert by_group.index.tolist() == ["b", "a"]                  # the categorical's order
    for label, user in (("b", 0), ("a", 1)):
        alone = evaluation.evaluate(table_model, TRAIN, TEST[TEST["user_id"] == user], k=2,
                                    num_items=5)
        pd.testing.assert_series_equal(by_group.loc[label], alone.iloc[0], check_names=False)
    only_a = evaluation.evaluate_by_group(table_model, TRAIN, TEST, groups.iloc[1:], k=2,
                                          num_items=5)
    assert only_a.index.tolist() == ["a"]                          # unlabelled users left out


def test_evaluate_by_group_names_bad_groups():
    with pytest.raises(ValueError, match="at least one user"):
        evaluation.evaluate_by_group(table_model, TRAIN, TEST, pd.Series(dtype=object))
    with pytest.raises(ValueError, match="indexed by user id"):
        evaluation.evaluate_by_group(table_model, TRAIN, TEST, pd.Series(["x"], index=[7]),
                                     num_items=5)


def test_ranked_lists_go_through_the_same_metric_code(synthetic_split):
    train, test, nu, ni = synthetic_split
    model = RandomRecommender(seed=1).fit(train, nu, ni)  # no ties: one order per user
    from_scores = evaluation.evaluate(model, train, test)
    top = evaluation.top_k_items(model.score(np.arange(nu)), 10, model.seen)
    pd.testing.assert_frame_equal(evaluation.evaluate(top, train, test), from_scores)
    # longer raw lists (seen items not removed, as from an ANN index) are cut after removal
    raw = np.argsort(-model.score(np.arange(nu)), axis=1, kind="stable")[:, :200]
    pd.testing.assert_frame_equal(evaluation.evaluate(raw, train, test), from_scores)
    # lists for some users only: the others count as misses
    users = np.arange(0, nu, 2)
    half = evaluation.evaluate(top[users], train, test, user_ids=users)
    assert half["ndcg@10"].iloc[0] < from_scores["ndcg@10"].iloc[0]


def test_ranked_lists_with_empty_slots_and_bad_lists():
    train = pd.DataFrame({"user_id": [0, 1], "item_id": [0, 1]})
    test = pd.DataFrame({"user_id": [0, 1], "item_id": [2, 3]})
    lists = np.array([[2, -1], [-1, -1]])
    row = evaluation.evaluate(lists, train, test, k=2, num_users=2, num_items=4).iloc[0]
    assert row["hit_rate@2"] == 0.5 and row["ndcg@2"] == 0.5   # user 0 hit at rank 1
    assert row["coverage@2"] == 0.25                          # one item shown of four
    with pytest.raises(KeyError, match="unknown item"):
        evaluation.evaluate(np.array([[9, 0], [0, 1]]), train, test, k=2, num_items=4)
    with pytest.raises(ValueError, match="user_ids"):
        evaluation.evaluate(np.array([[2, 0]]), train, test, k=2, num_users=2, num_items=4)


def test_evaluator_validates_once_and_gives_evaluate_s_numbers(synthetic_split):
    train, test, nu, ni = synthetic_split
    model = PopularityRecommender().fit(train, nu, ni)
    ev = evaluation.Evaluator(train, test, k=5, num_users=nu, num_items=ni)
    pd.testing.assert_frame_equal(ev(model), evaluation.evaluate(model, train, test, k=5))
    with pytest.raises(ValueError, match="test is empty"):
        evaluation.Evaluator(train, test.iloc[:0], num_users=nu, num_items=ni)


def test_pointwise_evaluation():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.9, 0.2, 0.6, 0.7])
    row = evaluation.evaluate_pointwise(y, p).iloc[0]
    assert row["auc"] == pytest.approx(0.75)  # 3 of the 4 positive-negative pairs ordered
    assert row["log_loss"] == pytest.approx(metrics.log_loss(y, p))
    logits = np.log(p / (1 - p))
    assert evaluation.evaluate_pointwise(y, logits, from_logits=True).iloc[0]["auc"] == \
        pytest.approx(0.75)
    with pytest.raises(ValueError, match="0/1"):
        evaluation.evaluate_pointwise([2, 0], [0.5, 0.5])


def test_shared_evaluator_is_reused_for_the_same_frames_only(synthetic_split):
    train, test, nu, ni = synthetic_split
    a = evaluation.Evaluator.shared(train, test, k=10, num_users=nu, num_items=ni)
    assert evaluation.Evaluator.shared(train, test, k=10, num_users=nu, num_items=ni) is a
    assert evaluation.Evaluator.shared(train, test.copy(), k=10, num_users=nu,
                                       num_items=ni) is not a
    assert evaluation.Evaluator.shared(train, test, k=5, num_users=nu, num_items=ni) is not a
