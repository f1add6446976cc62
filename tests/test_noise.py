"""The noise yardstick: split-to-split and seed-to-seed spreads, and comparisons."""

from __future__ import annotations

import numpy as np
import pytest

from rec_course import data, noise
from rec_course.models import baselines, ease


def test_split_spread_measures_each_model_on_each_split(synthetic, capsys):
    nu, ni = 300, 200
    runs, summary = noise.split_spread(
        {"Popularity": baselines.PopularityRecommender, "EASE": lambda: ease.EASE(lam=50.0)},
        synthetic, nu, ni, seeds=[0, 1, 2])
    assert len(runs) == 6 and set(runs.split_seed) == {0, 1, 2}
    assert len([l for l in capsys.readouterr().out.splitlines() if "split seed" in l]) == 6
    pop = runs[runs.model == "Popularity"]["ndcg@10"]
    assert summary.loc["Popularity", "ndcg@10 std"] == pytest.approx(pop.std(ddof=1))
    assert summary.loc["Popularity", "ndcg@10 std"] > 0          # splits do differ
    assert summary.loc["EASE", "ndcg@10 mean"] > summary.loc["Popularity", "ndcg@10 mean"]
    with pytest.raises(ValueError, match="two distinct"):
        noise.split_spread({"P": baselines.PopularityRecommender}, synthetic, nu, ni, seeds=[1])


def test_seed_spread_of_a_deterministic_model_is_zero(synthetic_split):
    train, test, nu, ni = synthetic_split
    _, summary = noise.seed_spread(lambda seed: ease.EASE(lam=50.0), train, test, nu, ni,
                                   seeds=[0, 1], name="EASE", verbose=False)
    assert summary.loc["EASE", "ndcg@10 std"] == 0.0


def test_compare_names_the_winner_only_beyond_the_spread():
    assert noise.compare(0.45, 0.40, 0.01, names=("ALS", "BPR")).startswith("ALS beats BPR")
    assert noise.compare(0.40, 0.45, 0.01, names=("ALS", "BPR")).startswith("BPR beats ALS")
    assert "within noise" in noise.compare(0.401, 0.40, 0.01)
    with pytest.raises(ValueError, match="positive"):
        noise.compare(0.4, 0.3, 0.0)


def test_yardstick_reads_notebook_02s_record(tmp_path):
    from rec_course import results
    with pytest.raises(FileNotFoundError, match="notebook 02"):
        noise.yardstick(results_dir=tmp_path)
    for name, std in (("Popularity", 0.004), ("EASE", 0.003)):
        results.record(noise.YARDSTICK_NOTEBOOK, name, {"ndcg@10": 0.3, "ndcg@10_std": std},
                       protocol=noise.YARDSTICK_PROTOCOL, mode="full", results_dir=tmp_path)
    assert noise.yardstick(results_dir=tmp_path) == pytest.approx(0.004)


def test_seed_runs_fits_each_seed_applies_the_history_and_averages(synthetic_split, capsys):
    from rec_course.evaluation import Evaluator
    from rec_course.models import als

    train, test, nu, ni = synthetic_split
    fit, valid = data.train_validation_split(train, 0.1)
    histories = []

    class ALSWithHistory(als.ImplicitALS):
        def with_history(self, history):
            histories.append(len(history))
            return self

    evaluator = Evaluator(train, test, k=10, num_users=nu, num_items=ni)
    runs, first = noise.seed_runs(lambda s: ALSWithHistory(embedding_dim=8, iterations=3, seed=s),
                                  fit, evaluator, nu, ni, seeds=[0, 1, 2], history=train,
                                  name="ALS")
    assert list(runs.seed) == [0, 1, 2] and set(runs.model) == {"ALS"}
    assert histories == [len(train)] * 3 and first.seed == 0
    assert runs["ndcg@10"].nunique() == 3            # the seeds do change the model
    assert len([l for l in capsys.readouterr().out.splitlines() if "ALS seed" in l]) == 3
    mean = noise.mean_over_seeds(runs)
    assert mean.loc[0, "ndcg@10"] == pytest.approx(runs["ndcg@10"].mean())
    assert mean.loc[0, "ndcg@10_std"] == pytest.approx(runs["ndcg@10"].std(ddof=1))
    assert mean.loc[0, "seeds"] == 3
    one, _ = noise.seed_runs(lambda s: ALSWithHistory(embedding_dim=8, iterations=3, seed=s), fit,
                             evaluator, nu, ni, seeds=[0], verbose=False)
    assert np.isnan(noise.mean_over_seeds(one).loc[0, "ndcg@10_std"])
    with pytest.raises(ValueError, match="distinct seeds"):
        noise.seed_runs(lambda s: ALSWithHistory(seed=s), fit, evaluator, nu, ni, seeds=[1, 1])
