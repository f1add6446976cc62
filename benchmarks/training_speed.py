"""Benchmark: how fast the course's Keras models train on MovieLens-100K.

For MF, BPR, NeuMF and Mult-VAE with settings like the notebooks' (stratified 75/25
split, seed 42), and for SASRec and GRU4Rec (leave-last-out by time, trained on all but
each user's last two items, tested on the last): seconds per epoch (median over the epochs after the first, which pays
for tracing), seconds for the first epoch, and the seconds of a full fit of the given
number of epochs, with ``steps_per_execution=32`` (the course default), with one step per
call, with XLA, and with XLA and 128 steps per call (the NCF defaults), to show what each
knob buys. For BPR it also
profiles where an epoch's time goes (negative sampling, building the ``tf.data``
dataset, the training steps, validation).

Writes entries to ``results/benchmarks.json`` (shown in results/RESULTS.md).

    python benchmarks/training_speed.py [--models bpr mf neumf vae sasrec gru4rec] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from rec_course import config, data, evaluation, results
from rec_course.models import bpr, gru4rec, mf, ncf, sasrec, vae
from rec_course.models.training import make_dataset

# settings like the notebooks' chosen ones (epochs: what their early stopping chose)
MODELS = {
    # notebook 03's chosen BPR and its 40 epochs
    "bpr": (lambda **kw: bpr.BPR(embedding_dim=128, l2=0.01, learning_rate=2e-3,
                                 batch_size=1024, **kw), 40),
    "mf": (lambda **kw: mf.MatrixFactorization(embedding_dim=32, l2=0.1, learning_rate=2e-3,
                                               batch_size=256, **kw), 12),
    # notebook 04's NeuMF from scratch (its chosen tower, negatives and L2, 12 epochs)
    "neumf": (lambda **kw: ncf.NCF("neumf", embedding_dim=32, mlp_layers=(128, 64, 32),
                                   num_negatives=4, l2=0.03, learning_rate=1e-3,
                                   batch_size=1024, **kw), 14),
    # notebook 05's Mult-VAE (Mult-DAE's chosen sizes, 64 users per step, 64 epochs)
    "vae": (lambda **kw: vae.MultVAE(hidden_dim=200, latent_dim=100, dropout=0.5,
                                     batch_size=64, **kw), 64),
}
# next-item models on the leave-last-out split (their own variants: windows of training
# pairs; XLA is slower for them on a CPU)
SEQUENCE_MODELS = {  # notebook 07's learning rates (chosen on validation) and epochs (seed 42)
    "sasrec": (lambda **kw: sasrec.SASRec(max_len=50, embedding_dim=64, learning_rate=1e-2,
                                         **kw), 18),
    "sasrec-bce": (lambda **kw: sasrec.SASRec(max_len=50, embedding_dim=64, loss="bce",
                                             learning_rate=5e-3, **kw), 24),
    "gru4rec": (lambda **kw: gru4rec.GRU4Rec(max_len=50, embedding_dim=64,
                                            learning_rate=2e-2, **kw), 18),
}
SEQUENCE_VARIANTS = {"latest window per user": {"windows": "latest"},
                     "every window": {"windows": "all"}}
VARIANTS = {"32 steps per call, no XLA": {"steps_per_execution": 32, "jit_compile": False},
            "1 step per call, no XLA": {"steps_per_execution": 1, "jit_compile": False},
            "32 steps per call + XLA": {"steps_per_execution": 32, "jit_compile": True},
            "128 steps per call + XLA": {"steps_per_execution": 128, "jit_compile": True}}
DEFAULT_VARIANT = {"neumf": "128 steps per call + XLA",  # the NCF defaults
                   "bpr": "32 steps per call + XLA"}     # notebooks 03 and 04 (BPR_XLA)
"""The variant each model trains with in the notebooks (otherwise the first)."""


def _machine() -> str:
    return f"{os.cpu_count()}-core {platform.machine()} CPU, Python {platform.python_version()}"


def _fit_entry(name: str, label: str, epochs: int, run: dict, ndcg: float) -> dict:
    """Print one timed fit and return its benchmarks.json entry."""
    print(f"{name:10s} {label:44s} first epoch {run['first_epoch']:5.2f} s, then "
          f"{run['per_epoch']:.3f} s/epoch; {epochs} epochs in {run['fit_seconds']:.1f} s; "
          f"test nDCG@10 {ndcg:.4f}", flush=True)
    return {"name": f"train {name}, {epochs} epochs, {label}",
            "seconds": round(run["fit_seconds"], 2), "repeats": 1, "machine": _machine(),
            "per_epoch": round(run["per_epoch"], 4), "first_epoch": round(run["first_epoch"], 3),
            "ndcg@10": round(float(ndcg), 4)}


def time_fit(make, epochs: int, train, num_users, num_items, **variant) -> dict:
    """Fit without validation for ``epochs``; per-epoch seconds from the history timing."""
    stamps = []  # wall time at the start of each epoch's data, then at the end
    model = make(epochs=epochs, patience=None, seed=config.SEED, **variant)
    start = time.perf_counter()
    original = model.epoch_data

    def timed_epoch_data(epoch, seed):
        stamps.append(time.perf_counter())
        return original(epoch, seed)

    model.epoch_data = timed_epoch_data
    model.fit(train, num_users, num_items)
    total = time.perf_counter() - start
    stamps.append(start + total)
    per_epoch = np.diff(stamps)
    return {"fit_seconds": total, "first_epoch": float(per_epoch[0]),
            "per_epoch": float(statistics.median(per_epoch[1:])) if len(per_epoch) > 1
            else float(per_epoch[0]), "model": model}


def profile_bpr(train, valid, num_users, num_items, epochs: int = 5) -> dict:
    """Seconds per epoch spent sampling negatives, building the dataset, training, validating."""
    make, _ = MODELS["bpr"]
    model = make(epochs=1, patience=None, seed=config.SEED).fit(train, num_users, num_items)
    evaluator = evaluation.Evaluator(train, valid, num_users=num_users, num_items=num_items)
    parts = {"negative sampling": [], "tf.data dataset": [], "training steps": [],
             "validation (nDCG@10)": []}
    for epoch in range(epochs):
        t0 = time.perf_counter()
        features, labels = model.epoch_data(epoch, model.epoch_seed(epoch))
        t1 = time.perf_counter()
        ds = make_dataset(tuple(features), labels, model.batch_size, seed=epoch)
        t2 = time.perf_counter()
        model.model.fit(ds, epochs=1, verbose=0, shuffle=False)
        t3 = time.perf_counter()
        evaluator(model)
        t4 = time.perf_counter()
        for key, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            parts[key].append(seconds)
    return {key: statistics.median(values) for key, values in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS) + list(SEQUENCE_MODELS),
                        choices=list(MODELS) + list(SEQUENCE_MODELS))
    parser.add_argument("--quick", action="store_true", help="2 epochs each (smoke test)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    ratings, _, _ = data.load_movielens_100k()
    df, ids = data.index_ids(ratings)
    train, test = data.stratified_split(df, 0.25, seed=config.SEED)
    fit, valid = data.train_validation_split(train, 0.1)
    nu, ni = ids.num_users, ids.num_items
    entries = []
    sequences = data.sequence_split(df)
    for name in [m for m in args.models if m in SEQUENCE_MODELS]:
        make, epochs = SEQUENCE_MODELS[name]
        epochs = 2 if args.quick else epochs
        for label, variant in SEQUENCE_VARIANTS.items():
            run = time_fit(make, epochs, sequences.fit, nu, ni, **variant)
            model = run["model"].with_history(sequences.train)
            ndcg = evaluation.evaluate(model, sequences.train, sequences.test).iloc[0]["ndcg@10"]
            entries.append(_fit_entry(name, label + " (leave-last-out)", epochs, run, ndcg))
    for name in [m for m in args.models if m in MODELS]:
        make, epochs = MODELS[name]
        epochs = 2 if args.quick else epochs
        for label, variant in VARIANTS.items():
            run = time_fit(make, epochs, train, nu, ni, **variant)
            ndcg = evaluation.evaluate(run["model"], train, test).iloc[0]["ndcg@10"]
            default = label == DEFAULT_VARIANT.get(name, next(iter(VARIANTS)))
            entries.append(_fit_entry(name, label + (" (notebook setting)" if default else ""),
                                      epochs, run, ndcg))
    if "bpr" in args.models:
        parts = profile_bpr(fit, valid, nu, ni, epochs=2 if args.quick else 5)
        total = sum(parts.values())
        print("BPR epoch profile: " + ", ".join(f"{k} {v:.3f} s ({v / total:.0%})"
                                                for k, v in parts.items()))
        for key, seconds in parts.items():
            entries.append({"name": f"BPR epoch profile: {key}", "seconds": round(seconds, 4),
                            "repeats": 5, "machine": _machine()})
    if args.no_write or args.quick:
        return
    path = config.results_dir() / "benchmarks.json"
    names = {e["name"] for e in entries}
    stale = tuple(f"train {m}," for m in args.models) + (("BPR epoch profile",)
                                                          if "bpr" in args.models else ())
    old = [e for e in (json.loads(path.read_text()) if path.exists() else [])
           if e["name"] not in names and not e["name"].startswith(stale)]
    results.atomic_write_text(path, json.dumps(old + entries, indent=2) + "\n")
    print(f"wrote {len(entries)} entries to {path.name}")


if __name__ == "__main__":
    main()
