"""How much a metric moves when nothing but chance changes: the course's yardstick.

:func:`split_spread` refits models on several random splits of the same data (the split
seed is the only change); :func:`seed_spread` refits one model with several seeds on one
split (:func:`seed_runs` does the same for the next-item models of notebook 07, which
stop early on validation and score from a longer history). A gap between two models means something only when it is clearly larger than
these spreads; :func:`compare` says which, with the numbers.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import pandas as pd

from rec_course.data.splits import stratified_split
from rec_course.evaluation import Evaluator


def _summary(runs: pd.DataFrame, by: str, metrics: list[str]) -> pd.DataFrame:
    """Mean, standard deviation (ddof=1), min and max of each metric per model."""
    grouped = runs.groupby("model", sort=False)[metrics]
    out = pd.concat({"mean": grouped.mean(), "std": grouped.std(ddof=1),
                     "min": grouped.min(), "max": grouped.max()}, axis=1)
    out.columns = [f"{metric} {stat}" for stat, metric in out.columns]
    order = [f"{m} {s}" for m in metrics for s in ("mean", "std", "min", "max")]
    return out[order].assign(**{by: runs.groupby("model", sort=False)[by].nunique()})


def split_spread(models: dict[str, Callable[[], object]], interactions: pd.DataFrame,
                 num_users: int, num_items: int, *, seeds: list[int],
                 test_size: float = 0.25, k: int = 10,
                 metrics: tuple[str, ...] = ("ndcg", "precision", "recall"),
                 verbose: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refit each model on ``stratified_split(interactions, test_size, seed)`` for every
    seed and evaluate it on that split's test part.

    Args:
        models: ``{name: () -> unfitted model}`` (a factory: a fresh model per split).
        interactions: indexed interactions (all of them, before any split).
        seeds: split seeds, at least 2 (5 or more for a usable standard deviation).
        metrics: metric names without ``@k`` (columns of :func:`evaluate`).
        verbose: print one line per (seed, model) as it goes.

    Returns:
        ``(runs, summary)``: one row per (seed, model) with the metrics; and per model the
        mean, std (ddof=1), min and max of each metric over the seeds.
    """
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"need at least two distinct split seeds, got {seeds!r}")
    if not models:
        raise ValueError("no models to measure")
    columns = [f"{m}@{k}" for m in metrics]
    rows = []
    for seed in seeds:
        train, test = stratified_split(interactions, test_size, seed=seed)
        evaluator = Evaluator(train, test, k=k, num_users=num_users, num_items=num_items)
        for name, make in models.items():
            start = time.perf_counter()
            model = make().fit(train, num_users, num_items)
            row = evaluator(model).iloc[0]
            rows.append({"model": name, "split_seed": seed,
                         **{c: float(row[c]) for c in columns},
                         "seconds": time.perf_counter() - start})
            if verbose:
                print(f"split seed {seed}: {name:<12} {columns[0]} {row[columns[0]]:.4f} "
                      f"({rows[-1]['seconds']:.1f} s)", flush=True)
    runs = pd.DataFrame(rows)
    return runs, _summary(runs, "split_seed", columns)


def seed_spread(make: Callable[[int], object], train: pd.DataFrame, test: pd.DataFrame,
                num_users: int, num_items: int, *, seeds: list[int], k: int = 10,
                name: str = "model", verbose: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refit one model with several seeds on one split (``make(seed) -> unfitted model``).

    Returns:
        ``(runs, summary)`` as for :func:`split_spread`, with a ``seed`` column.
    """
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"need at least two distinct seeds, got {seeds!r}")
    evaluator = Evaluator(train, test, k=k, num_users=num_users, num_items=num_items)
    column, rows = f"ndcg@{k}", []
    for seed in seeds:
        start = time.perf_counter()
        model = make(seed).fit(train, num_users, num_items)
        row = evaluator(model).iloc[0]
        rows.append({"model": name, "seed": seed, column: float(row[column]),
                     f"recall@{k}": float(row[f"recall@{k}"]),
                     "seconds": time.perf_counter() - start})
        if verbose:
            print(f"seed {seed}: {name} {column} {row[column]:.4f} "
                  f"({rows[-1]['seconds']:.1f} s)", flush=True)
    runs = pd.DataFrame(rows)
    return runs, _summary(runs, "seed", [column, f"recall@{k}"])


def seed_runs(make: Callable[[int], object], fit: pd.DataFrame, evaluator: Evaluator,
              num_users: int, num_items: int, *, seeds: list[int],
              valid: pd.DataFrame | None = None, history: pd.DataFrame | None = None,
              name: str = "model", verbose: bool = True) -> tuple[pd.DataFrame, object]:
    """Fit ``make(seed)`` for each seed and evaluate it with ``evaluator``: the protocol of
    the next-item models (fit on ``split.fit``, stop early on ``valid``, then score the
    test items from ``history``, e.g. ``split.train``, without training again).

    Args:
        make: ``seed -> unfitted model``.
        fit: the interactions the model learns from.
        evaluator: an :class:`~rec_course.evaluation.Evaluator` of the test items.
        valid: early-stopping interactions (passed to ``fit``), or None.
        history: passed to the fitted model's ``with_history`` before evaluation, or None.

    Returns:
        ``(runs, first)``: one row per seed (the evaluator's metrics, ``seed``,
        ``train_seconds``, ``epochs``) and the model of the first seed.
    """
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"need distinct seeds, got {seeds!r}")
    rows, first = [], None
    for seed in seeds:
        model, start = make(seed), time.perf_counter()
        model.fit(fit, num_users, num_items, **({} if valid is None else {"valid": valid}))
        seconds = float(getattr(model, "train_seconds", time.perf_counter() - start))
        if history is not None:
            model.with_history(history)
        curve = getattr(model, "history", None)  # a trained model's learning curve
        epochs = 0 if curve is None else len(curve)
        row = evaluator(model).iloc[0].to_dict()
        rows.append({"model": name, "seed": seed, **row,
                     "train_seconds": seconds, "epochs": epochs})
        if verbose:
            metric = next(c for c in row if c.startswith("ndcg@"))
            print(f"{name} seed {seed}: {metric} {row[metric]:.4f} after {epochs} epochs "
                  f"({seconds:.0f} s)", flush=True)
        first = model if first is None else first
    return pd.DataFrame(rows), first


def mean_over_seeds(runs: pd.DataFrame, metric: str = "ndcg@10") -> pd.DataFrame:
    """One row: the mean of every numeric column of :func:`seed_runs`'s ``runs``, with
    ``<metric>_std`` (ddof=1; NaN for one seed) and ``seeds``."""
    numeric = runs.drop(columns=["seed"]).select_dtypes("number")
    std = float(runs[metric].std(ddof=1)) if len(runs) > 1 else float("nan")
    return numeric.mean().to_frame().T.assign(**{f"{metric}_std": std, "seeds": len(runs)})


def compare(a: float, b: float, spread: float, *, names: tuple[str, str] = ("A", "B"),
            factor: float = 2.0) -> str:
    """One sentence on ``a - b`` measured against a spread (a standard deviation).

    The gap counts when it exceeds ``factor`` standard deviations (2 by default: about
    what a difference of two independent runs with that spread reaches 1 time in 6).

    Returns:
        e.g. ``"A beats B by 0.0312 (4.1 std of 0.0076)"`` or ``"A and B are within
        noise: gap 0.0021 = 0.3 std of 0.0076"``.
    """
    if not np.isfinite(spread) or spread <= 0:
        raise ValueError(f"spread must be a positive standard deviation, got {spread!r}")
    gap, first, second = a - b, names[0], names[1]
    ratio = abs(gap) / spread
    if ratio > factor:
        winner, loser = (first, second) if gap > 0 else (second, first)
        return f"{winner} beats {loser} by {abs(gap):.4f} ({ratio:.1f} std of {spread:.4f})"
    return (f"{first} and {second} are within noise: gap {gap:+.4f} = {ratio:.1f} std of "
            f"{spread:.4f}")


YARDSTICK_NOTEBOOK = "02_evaluation_and_baselines"
YARDSTICK_PROTOCOL = "stratified-75-25, split spread"


def yardstick(metric: str = "ndcg@10", results_dir=None) -> float:
    """The split-to-split standard deviation of ``metric`` measured in notebook 02: the
    largest over its models (popularity, implicit ALS, EASE), read from the full-mode
    results file ``results/02_evaluation_and_baselines.json``.

    Raises:
        FileNotFoundError: if notebook 02 has not recorded it (run it in full mode).
    """
    from pathlib import Path

    from rec_course import config, results

    root = Path(results_dir) if results_dir is not None else config.results_dir()
    path = root / f"{YARDSTICK_NOTEBOOK}.json"
    records = [r for r in results.load_records(path) if r["protocol"] == YARDSTICK_PROTOCOL]
    stds = [r["metrics"][f"{metric}_std"] for r in records if f"{metric}_std" in r["metrics"]]
    if not stds:
        raise FileNotFoundError(f"no split spread of {metric} in {path}: run notebook 02 in "
                                "full mode (make course NB=02_evaluation_and_baselines)")
    return float(max(stds))
