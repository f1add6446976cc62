"""The course map: one entry per notebook, in order. README.md shows the same table
(a test keeps them in step); notebook 00 prints it."""

from __future__ import annotations

import pandas as pd

from rec_course.config import REPO_ROOT

COURSE_MAP: list[dict[str, str]] = [
    {"notebook": "00_setup_and_tour", "topic": "Environment, data, a first recommender",
     "minutes": "20", "builds": "device check, ML-100K fetch, popularity baseline"},
    {"notebook": "01_data_and_preprocessing", "topic": "Data and preprocessing",
     "minutes": "45", "builds": "indexing, implicit feedback, k-core, splits, negative sampling"},
    {"notebook": "02_evaluation_and_baselines", "topic": "Evaluation and baselines",
     "minutes": "60", "builds": "ranking metrics, one evaluation protocol, random/popularity"},
    {"notebook": "03_collaborative_filtering", "topic": "Collaborative filtering",
     "minutes": "90", "builds": "item/user kNN, MF, ALS, BPR"},
    {"notebook": "04_neural_cf", "topic": "Neural collaborative filtering",
     "minutes": "60", "builds": "GMF, MLP, NeuMF vs a tuned dot product"},
    {"notebook": "05_autoencoders", "topic": "Autoencoders and EASE",
     "minutes": "75", "builds": "AutoRec, denoising AE, Mult-VAE, EASE"},
    {"notebook": "06_wide_and_deep", "topic": "Wide & Deep and feature crosses",
     "minutes": "60", "builds": "Wide&Deep, DCN (keras-rs FeatureCross)"},
    {"notebook": "07_attention", "topic": "Attention for recommendation",
     "minutes": "75", "builds": "DIN, SASRec"},
    {"notebook": "08_graph_neural_networks", "topic": "Graph neural networks",
     "minutes": "60", "builds": "LightGCN"},
    {"notebook": "09_compression", "topic": "Model compression",
     "minutes": "60", "builds": "quantization, pruning, distillation, embedding compression"},
    {"notebook": "10_retrieval_and_serving", "topic": "Retrieval, serving and beyond",
     "minutes": "90", "builds": "two-tower retrieval, serving, multi-task, bandits, privacy"},
]


def run_times(results_dir=None) -> dict[str, float]:
    """Measured full-mode seconds per notebook, as ``make course`` recorded them in
    ``results/timings/notebook_times.json`` (empty if it has not run)."""
    import json

    from rec_course import config

    root = config.results_dir() if results_dir is None else results_dir
    path = root / "timings" / "notebook_times.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def run_time_text(seconds: float) -> str:
    """``"about 7 minutes"`` / ``"under a minute"``: how the course states a run time."""
    if seconds < 60:
        return "under a minute"
    minutes = max(1, round(seconds / 60))
    return f"about {minutes} minute{'s' if minutes > 1 else ''}"


def course_map() -> pd.DataFrame:
    """The course map with ``status`` ("ready" if the notebook exists) and the measured
    full-mode run time on the reference machine (2 CPU cores), where recorded."""
    df = pd.DataFrame(COURSE_MAP)
    df["status"] = ["ready" if (REPO_ROOT / "notebooks" / f"{n}.ipynb").exists() else "planned"
                    for n in df["notebook"]]
    times = run_times()
    df["full-mode run"] = [run_time_text(times[n]) if n in times else "" for n in df["notebook"]]
    return df
