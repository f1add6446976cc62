"""Hyperparameter search on validation, and the final fit-and-evaluate step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import data, evaluation, tuning
from rec_course.models.baselines import PopularityRecommender
from rec_course.models.ease import EASE


def test_grid_is_the_cartesian_product():
    assert tuning.grid(a=[1, 2], b=["x"]) == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]
    with pytest.raises(ValueError, match="at least one value"):
        tuning.grid(a=[])


def test_grid_search_ranks_on_validation_and_best_params_keeps_types(synthetic_split):
    train, _, nu, ni = synthetic_split
    fit, valid = data.train_validation_split(train, 0.2)
    candidates = tuning.grid(lam=[1.0, 30.0, 1e4])
    search = tuning.grid_search(EASE, candidates, fit, valid, nu, ni)
    assert sorted(search["lam"]) == [1.0, 30.0, 1e4]
    assert search["ndcg@10"].is_monotonic_decreasing                 # best first
    for _, row in search.iterrows():                                 # scored on valid
        ndcg = evaluation.evaluate(EASE(lam=row["lam"]).fit(fit, nu, ni), fit, valid)
        assert ndcg["ndcg@10"].iloc[0] == pytest.approx(row["ndcg@10"])
    params = tuning.best_params(search, candidates)
    assert params == {"lam": search["lam"].iloc[0]} and type(params["lam"]) is float
    ints = tuning.best_params(pd.DataFrame({"dim": [np.int64(8)], "ndcg@10": [0.3]}),
                              [{"dim": 8}])
    assert type(ints["dim"]) is int
    with pytest.raises(ValueError, match="no column"):
        tuning.best_params(search, [{"alpha": 1}])
    with pytest.raises(ValueError, match="non-empty"):
        tuning.best_params(search.iloc[:0], candidates)


def test_best_epoch_reads_the_checked_epochs():
    history = pd.DataFrame({"epoch": [1, 2, 3, 4, 5, 6],
                            "val_ndcg@10": [np.nan, 0.2, np.nan, 0.4, np.nan, 0.4],
                            "val_rmse": [1.2, 1.0, 0.9, 0.95, 0.9, 1.1]})
    assert tuning.best_epoch(history, "val_ndcg@10") == 4          # ties: the earliest
    assert tuning.best_epoch(history, "val_rmse", lowest=True) == 3
    with pytest.raises(ValueError, match="no column 'val_auc'"):
        tuning.best_epoch(history, "val_auc")
    with pytest.raises(ValueError, match="validation split"):
        tuning.best_epoch(history.assign(val_auc=np.nan), "val_auc")


def test_fit_and_evaluate_fits_times_and_evaluates_once(synthetic_split):
    train, test, nu, ni = synthetic_split
    row = evaluation.fit_and_evaluate(PopularityRecommender(), train, test, nu, ni, k=5,
                                      extra_seconds=2.0)
    expected = evaluation.evaluate(PopularityRecommender().fit(train, nu, ni), train, test, k=5)
    pd.testing.assert_frame_equal(row.drop(columns="train_seconds"), expected)
    assert 2.0 <= row["train_seconds"].iloc[0] < 10.0
    with pytest.raises(ValueError, match="k must be"):
        evaluation.fit_and_evaluate(PopularityRecommender(), train, test, nu, ni, k=0)
    with pytest.raises(ValueError, match="extra_seconds"):
        evaluation.fit_and_evaluate(PopularityRecommender(), train, test, nu, ni,
                                    extra_seconds=-1.0)


def test_fit_and_evaluate_adds_rating_errors_or_says_why_not(synthetic_split):
    train, test, nu, ni = synthetic_split
    with pytest.raises(TypeError, match="does not predict ratings"):
        evaluation.fit_and_evaluate(PopularityRecommender(), train, test, nu, ni,
                                    ratings_too=True)


def test_at_edge_reports_choices_on_the_grid_border():
    candidates = tuning.grid(dim=[16, 32, 64], lr=[1e-3, 1e-2], shrinkage=[0, 10],
                             layers=[(64, 32), (128, 64)], user_node=[True, False])
    inside = {"dim": 32, "lr": 1e-3, "shrinkage": 0, "layers": (128, 64), "user_node": True}
    assert tuning.at_edge(inside, candidates, limits={"shrinkage": (0, None)}) == {
        "lr": "smallest tried", "layers": "largest tried"}
    assert tuning.at_edge(inside, candidates) == {
        "lr": "smallest tried", "shrinkage": "smallest tried", "layers": "largest tried"}
    assert tuning.at_edge({"dim": 64}, tuning.grid(dim=[64])) == {}   # one value: no grid
    with pytest.raises(ValueError, match="not searched"):
        tuning.at_edge({"depth": 3}, candidates)
    with pytest.raises(ValueError, match="candidates"):
        tuning.at_edge(inside, [])


def test_at_edge_reads_the_types_best_params_returns():
    candidates = tuning.grid(dim=[16, 32], lam=[10.0, 20.0], flag=[True, False])
    search = pd.DataFrame(candidates).assign(score=np.arange(8) / 10)
    search = search.sort_values("score", ascending=False).reset_index(drop=True)
    chosen = tuning.best_params(search, candidates)          # dim 32, lam 20.0, flag False
    assert tuning.at_edge(chosen, candidates) == {"dim": "largest tried",
                                                  "lam": "largest tried"}
    assert tuning.at_edge({"dim": np.int64(16), "lam": np.float64(15.0),
                           "flag": np.bool_(True)}, candidates) == {"dim": "smallest tried"}


def test_edge_report_one_row_per_model():
    report = tuning.edge_report({
        "A": ({"dim": 32, "shrinkage": 0}, tuning.grid(dim=[16, 32, 64], shrinkage=[0, 10])),
        "B": ({"dim": 64}, tuning.grid(dim=[16, 32, 64]))}, limits={"shrinkage": (0, None)})
    assert report.loc["A", "on the edge"] == "-" and report.loc["A", "candidates"] == 6
    assert report.loc["A", "searched"] == "dim, shrinkage"
    assert report.loc["B", "on the edge"] == "dim=64 (max)"
    single = tuning.edge_report({"C": ({"dim": 8}, tuning.grid(dim=[8]))})
    assert single.loc["C", ["searched", "on the edge"]].tolist() == ["-", "-"]


def test_grid_search_keeps_the_best_fitted_model_and_reports_progress(synthetic_split, capsys):
    train, _, nu, ni = synthetic_split
    fit, valid = data.train_validation_split(train, 0.2)
    candidates = tuning.grid(lam=[1.0, 30.0, 1e4])
    search = tuning.grid_search(EASE, candidates, fit, valid, nu, ni, name="EASE ")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("EASE [")]
    assert len(lines) == 3 and "lam=" in lines[0] and "ndcg@10" in lines[0]
    assert search.params == tuning.best_params(search) == {"lam": search.table["lam"].iloc[0]}
    assert search.model.lam == search.params["lam"]                 # the fitted best
    ndcg = evaluation.evaluate(search.model, fit, valid)["ndcg@10"].iloc[0]
    assert ndcg == pytest.approx(search.table["ndcg@10"].iloc[0])
    assert search.head(1)["lam"].iloc[0] == search.params["lam"]    # reads like its table
    quiet = tuning.grid_search(EASE, candidates[:1], fit, valid, nu, ni, verbose=False)
    assert "[1/1]" not in capsys.readouterr().out and len(quiet) == 1
    with pytest.raises(ValueError, match="unknown metric"):
        tuning.grid_search(EASE, candidates, fit, valid, nu, ni, metric="ndgc@10")


def test_cheapest_within_prefers_the_cheaper_candidate_inside_the_noise(synthetic_split,
                                                                        capsys):
    train, _, nu, ni = synthetic_split
    fit, valid = data.train_validation_split(train, 0.2)
    first = tuning.grid_search(EASE, tuning.grid(lam=[1.0, 30.0]), fit, valid, nu, ni,
                               keep_all=True, verbose=False)
    second = tuning.grid_search(EASE, tuning.grid(lam=[1e4]), fit, valid, nu, ni,
                                keep_all=True, verbose=False)
    assert len(first.models) == 2 and first.values == [
        first.table.set_index("lam").loc[lam, "ndcg@10"] for lam in (1.0, 30.0)]
    best = max(first.values + second.values)
    exact = tuning.cheapest_within([first, second], 0.0, cost=lambda p: p["lam"])
    assert exact.table.loc[exact.table["chosen"], "ndcg@10"].item() == best
    assert exact.table["chosen"].sum() == 1 and exact.table["ndcg@10"].is_monotonic_decreasing
    loose = tuning.cheapest_within([first, second], 1.0, cost=lambda p: p["lam"])
    assert loose.params == {"lam": 1.0} and loose.model is first.models[0]
    assert loose.value == first.values[0] and exact.value == best
    assert "the cheapest of the 3 candidate(s) within 1.0000" in capsys.readouterr().out
    with pytest.raises(ValueError, match="keep_all=True"):
        tuning.cheapest_within([tuning.grid_search(EASE, tuning.grid(lam=[1.0]), fit, valid,
                                                   nu, ni, verbose=False)], 0.0, len)
    with pytest.raises(ValueError, match="tolerance"):
        tuning.cheapest_within([first], -1.0, len)
