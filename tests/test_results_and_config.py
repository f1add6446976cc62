"""The results registry and quick mode / seeds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rec_course import config, results


def test_record_replaces_same_model_and_protocol(tmp_path):
    results.record("02_x", "Popularity", {"ndcg@10": 0.2}, protocol="stratified-75-25",
                   train_seconds=0.1, mode="full", results_dir=tmp_path)
    results.record("02_x", "Popularity", pd.DataFrame([{"ndcg@10": 0.25, "users": 943}]),
                   protocol="stratified-75-25", mode="full", results_dir=tmp_path)
    results.record("02_x", "Random", {"ndcg@10": 0.02}, protocol="stratified-75-25",
                   mode="full", results_dir=tmp_path)
    records = json.loads((tmp_path / "02_x.json").read_text())
    assert [(r["model"], r["metrics"]["ndcg@10"]) for r in records] == [
        ("Popularity", 0.25), ("Random", 0.02)]
    assert "users" not in records[0]["metrics"]  # counts are not metrics
    assert set(records[0]) == {"notebook", "model", "protocol", "mode", "metrics",
                               "train_seconds"}


def test_quick_runs_never_overwrite_full_results(tmp_path, monkeypatch):
    results.record("02_x", "Pop", {"ndcg@10": 0.24}, protocol="p", mode="full",
                   results_dir=tmp_path)
    monkeypatch.setenv("REC_COURSE_QUICK", "1")
    path = results.record("02_x", "Pop", {"ndcg@10": 0.01}, protocol="p", results_dir=tmp_path)
    assert path == tmp_path / "quick" / "02_x.json"
    assert json.loads((tmp_path / "02_x.json").read_text())[0]["metrics"]["ndcg@10"] == 0.24


@pytest.mark.parametrize("metrics, message", [
    ({"NDCG@10": 0.1}, "lower-case"),
    ({"ndcg@10": float("nan")}, "finite"),
    ({}, "non-empty"),
])
def test_record_rejects_bad_metrics(tmp_path, metrics, message):
    with pytest.raises(ValueError, match=message):
        results.record("nb", "m", metrics, protocol="p", mode="full", results_dir=tmp_path)
    assert not (tmp_path / "nb.json").exists()


def test_results_md_puts_course_beside_published(tmp_path):
    results.record("02_x", "Popularity", {"ndcg@10": 0.2431, "precision@10": 0.2, "map": 0.05},
                   protocol="stratified-75-25", train_seconds=0.01, mode="full",
                   results_dir=tmp_path)
    (tmp_path / "benchmarks.json").write_text(json.dumps([
        {"name": "evaluate ML-100K", "seconds": 0.08, "repeats": 5, "machine": "2-core CPU"},
        {"name": "compression: BPR int8", "ndcg@10": 0.444, "relative_loss": 0.0009,
         "bytes": 354910, "size_share": 0.2628, "machine": "2-core CPU"}]))
    text = results.write_results_md(tmp_path).read_text()
    assert "| Popularity | course: 02_x | 0.2431 |" in text
    assert "BPR" in text and "0.4420" in text  # Microsoft Recommenders' published row
    liang = text.split("ML-20M, strong generalization (held-out users)", 1)[1].split("###")[0]
    assert "recall@20" in liang and "0.3950" in liang  # Mult-VAE on its own protocol's table
    assert "evaluate ML-100K | 0.0800" in text
    compressed = text.split("## Compression benchmarks", 1)[1]
    assert "| compression: BPR int8 | 0.4440 | 0.0009 | 354910 | 0.2628 |" in compressed


def test_results_md_gives_compressed_variants_their_own_table(tmp_path):
    for name, metrics in [("BPR", {"ndcg@10": 0.45}),
                          ("BPR, Keras int8", {"ndcg@10": 0.449, "ndcg@10_std": 0.002,
                                               "bytes": 354910, "size_share": 0.2628,
                                               "relative_loss": 0.0011})]:
        results.record("09_x", name, metrics, protocol="stratified-75-25", mode="full",
                       results_dir=tmp_path)
    text = results.write_results_md(tmp_path).read_text()
    ranking, compressed = text.split("## Compression (course)", 1)
    assert "| BPR | course: 09_x | 0.4500 |" in ranking and "int8" not in ranking
    assert ("| BPR, Keras int8 | course: 09_x (stratified-75-25) | 0.4490 ± 0.0020 | 0.0011 "
            "| 354910 | 0.2628 |") in compressed


def test_quick_flag(monkeypatch):
    monkeypatch.setenv("REC_COURSE_QUICK", "1")
    assert config.quick() and config.mode() == "quick"
    monkeypatch.setenv("REC_COURSE_QUICK", "0")
    assert not config.quick()
    monkeypatch.setenv("REC_COURSE_QUICK", "maybe")
    with pytest.raises(ValueError, match="not understood"):
        config.quick()


def test_seed_everything_makes_numbers_repeat():
    keras = pytest.importorskip("keras")
    config.seed_everything(7)
    a = (np.random.rand(3), keras.random.normal((3,)).numpy())
    config.seed_everything(7)
    b = (np.random.rand(3), keras.random.normal((3,)).numpy())
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="non-negative integer"):
        config.seed_everything(-1)


def test_viz_helpers():
    from rec_course import data, viz

    x = np.random.default_rng(0).normal(size=(20, 5)) * [10, 1, 1, 1, 1]
    proj = viz.pca_2d(x)
    assert proj.shape == (20, 2) and proj[:, 0].var() > proj[:, 1].var()
    raw = pd.DataFrame({"user_id": [5, 6], "item_id": [30, 10]})
    _, ids = data.index_ids(raw)
    items = pd.DataFrame({"item_id": [10, 30], "title": ["Ten", "Thirty"]})
    recs = pd.DataFrame({"item_id": [1, 0], "score": [2.0, 1.0]})
    assert viz.with_titles(recs, ids, items).title.tolist() == ["Thirty", "Ten"]
    with pytest.raises(ValueError, match="2-D"):
        viz.pca_2d(np.zeros(3))


def test_plot_history_draws_both_curves_with_a_legend():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rec_course import viz

    history = pd.DataFrame({"epoch": np.arange(1, 61), "loss": np.linspace(2, 1, 60),
                            "val_rmse": np.where(np.arange(60) % 5 == 0, 0.9, np.nan)})
    ax = viz.plot_history(history, "val_rmse", title="t")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["train loss", "val_rmse"]
    assert len(ax.lines) == 1 and len(ax.figure.axes) == 2        # loss left, metric right
    assert len(ax.figure.axes[1].lines[0].get_xdata()) == 12       # NaN epochs skipped
    plt.close(ax.figure)
    ax = viz.plot_history(history.drop(columns="val_rmse"), "val_rmse")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train loss"]
    plt.close(ax.figure)


def test_results_md_has_a_click_table(tmp_path):
    results.record("06_x", "DeepFM", {"auc": 0.9374, "auc_std": 0.0006, "log_loss": 0.3256},
                   protocol="click", train_seconds=11.0, mode="full", results_dir=tmp_path)
    text = results.write_results_md(tmp_path).read_text()
    click = text.split("## Click prediction (course)", 1)[1].split("##")[0]
    assert "| DeepFM | course: 06_x (click) | 0.9374 ± 0.0006 | 0.3256 |" in click
    assert "Criteo display ads, random 90/10" in text and "0.8007" in text  # DeepFM paper


def test_importing_rec_course_drops_only_the_retracing_warning_of_tensorflow():
    import subprocess
    import sys

    code = """
import rec_course, logging
import tensorflow as tf
f = tf.function(lambda x: x * 2)
for n in range(1, 9):
    f(tf.ones((n,)))      # a new shape each call: TensorFlow warns about retracing
logging.getLogger("tensorflow").warning("another TensorFlow warning")
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "another TensorFlow warning" in run.stderr
    assert "retracing" not in run.stderr


def test_tuning_table_and_best_setting(tmp_path):
    import json

    import pytest

    from rec_course import results

    with pytest.raises(FileNotFoundError, match="tune_07_attention.py"):
        results.tuning("07_attention", tmp_path)
    (tmp_path / "tuning").mkdir()
    rows = [{"model": "A", "setting": "learning_rate", "value": v, "val_metric": "ndcg@10",
             "val": val, "epochs": 4, "seconds": 1.0}
            for v, val in [(1e-3, 0.05), (5e-3, 0.09), (1e-2, 0.07)]]
    (tmp_path / "tuning" / "07_attention.json").write_text(json.dumps({"rows": rows}))
    runs = results.tuning("07_attention", tmp_path)
    assert results.best_setting(runs, "A") == 5e-3
    assert results.best_params(runs, "A") == {"learning_rate": 5e-3}
    rows.append({"model": "ALS", "setting": "reg, alpha", "value": "reg=10, alpha=5",
                 "params": {"reg": 10.0, "alpha": 5.0}, "val_metric": "ndcg@10", "val": 0.1})
    (tmp_path / "tuning" / "07_attention.json").write_text(json.dumps({"rows": rows}))
    runs = results.tuning("07_attention", tmp_path)
    assert results.best_params(runs, "ALS") == {"reg": 10.0, "alpha": 5.0}
    with pytest.raises(KeyError, match="no tuning runs for 'B'"):
        results.best_setting(runs, "B")
    (tmp_path / "tuning" / "07_attention.json").write_text("[1, 2")
    with pytest.raises(ValueError, match="not a tuning file"):
        results.tuning("07_attention", tmp_path)
