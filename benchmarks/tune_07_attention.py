"""Settings of notebook 07, chosen on validation only (the test items are never read).

Sequence models (leave-last-out by time: fit on all but each user's last two items, early
stopping and the choice on the second-to-last): the learning rate of SASRec (full
softmax), SASRec (BCE, one negative) and GRU4Rec, one seed. The set-based models on the
same split: EASE's ``lam`` and implicit ALS's ``reg`` and ``alpha``. DIN and its mean-pooling
twin (notebook 06's click task: fit on 90% of the stratified training ratings, choice on
the other 10%): how many past items DIN reads.

Writes ``results/tuning/07_attention.json``, which the notebook shows beside the settings
it uses. A run already in that file with the same settings is kept, not repeated (so a
grid can grow); all of it takes about 15 minutes on 2 CPU cores.

    python benchmarks/tune_07_attention.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from rec_course import config, data, evaluation, features, results
from rec_course.models import als, din, ease, gru4rec, sasrec

OUT = Path(__file__).resolve().parents[1] / "results" / "tuning" / "07_attention.json"
SEED = config.SEED
SEQ = dict(max_len=50, embedding_dim=64, windows="latest", batch_size=128, epochs=30,
           eval_every=2, patience=2)
"""The notebook's sequence-model settings, learning rate aside."""
LEARNING_RATES = {
    "SASRec (full softmax)": (lambda lr: sasrec.SASRec(**SEQ, learning_rate=lr, seed=SEED),
                              [1e-3, 2e-3, 5e-3, 1e-2, 2e-2]),
    "SASRec (BCE, 1 negative)": (lambda lr: sasrec.SASRec(**SEQ, loss="bce", learning_rate=lr,
                                                          seed=SEED),
                                 [1e-3, 2e-3, 5e-3, 1e-2]),
    "GRU4Rec": (lambda lr: gru4rec.GRU4Rec(**SEQ, learning_rate=lr, seed=SEED),
                [2e-3, 5e-3, 1e-2, 2e-2, 5e-2]),
}
SET_MODELS = {  # (model, grid of parameter dicts)
    "EASE": (ease.EASE, [{"lam": lam} for lam in [100.0, 200.0, 500.0, 1000.0]]),
    "Implicit ALS": (als.ImplicitALS, [{"reg": reg, "alpha": alpha} for reg in [2.0, 10.0, 50.0]
                                       for alpha in [0.1, 0.5, 1.0, 5.0, 10.0]]),
}
DIN_HISTORIES = [10, 20, 50]
DIN = dict(epochs=6, patience=2, learning_rate=3e-3, batch_size=1024)
"""DIN's training settings in the notebook (epochs: an upper bound)."""


def main() -> None:
    ratings, items, users = data.load_movielens_100k()
    df, ids = data.index_ids(ratings)
    nu, ni = ids.num_users, ids.num_items
    split = data.sequence_split(df)
    done = {(r["model"], r["value"], r["config"]): r
            for r in (json.loads(OUT.read_text())["rows"] if OUT.exists() else [])}
    rows = []

    def run(model_name: str, setting: str, value, config: dict, fit, metric: str,
            params: dict | None = None) -> None:
        key = (model_name, value, repr(sorted(config.items())))
        if key in done:
            rows.append({"params": {setting: value}, **done[key]})
            return
        start = time.perf_counter()
        model, val = fit()
        curve = getattr(model, "history", None)  # a trained model's learning curve
        rows.append({"model": model_name, "setting": setting, "value": value,
                     "params": params or {setting: value}, "val_metric": metric, "val": val,
                     "epochs": None if curve is None else len(curve),
                     "seconds": getattr(model, "train_seconds", time.perf_counter() - start),
                     "config": key[2]})
        print(rows[-1], flush=True)

    def trained(model, metric: str):
        return model, float(model.history[f"val_{metric}"].max())

    valid_evaluator = evaluation.Evaluator(split.fit, split.valid, k=10, num_users=nu,
                                           num_items=ni)
    for name, (cls, grid) in SET_MODELS.items():
        for params in grid:
            value = ", ".join(f"{k}={v:g}" for k, v in params.items())
            run(name, ", ".join(params), value, {}, lambda: (
                (m := cls(**params).fit(split.fit, nu, ni)),
                float(valid_evaluator(m).iloc[0]["ndcg@10"])), "ndcg@10", params)

    for name, (make, grid) in LEARNING_RATES.items():
        for lr in grid:
            run(name, "learning_rate", lr, SEQ, lambda: trained(
                make(lr).fit(split.fit, nu, ni, valid=split.valid), "ndcg@10"), "ndcg@10")
    click_train, _ = data.stratified_split(df, 0.25, seed=SEED)
    click_fit, click_valid = data.train_validation_split(click_train, 0.1)
    spec = features.FeatureSpec.fit(click_fit, users, items, ids)
    for pooling in ["attention", "mean"]:
        for history in DIN_HISTORIES:
            run("DIN" if pooling == "attention" else "DIN, mean pooling", "max_history",
                history, DIN, lambda: trained(din.DIN(
                    spec, pooling=pooling, max_history=history, seed=SEED, **DIN).fit(
                        click_fit, nu, ni, valid=click_valid), "auc"), "auc")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    results.atomic_write_text(OUT, json.dumps({"written": time.strftime("%Y-%m-%d"),
                                               "seed": SEED, "rows": rows}, indent=1) + "\n")
    print(pd.DataFrame(rows).drop(columns=["config", "params"]).round(4).to_string())


if __name__ == "__main__":
    main()
