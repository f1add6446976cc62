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
