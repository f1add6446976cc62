"""Settings of notebook 08, chosen on validation only (the test items are never read).

Notebook 03's split (stratified 75/25 by user, seed 42; the 75% split again into fit and
valid, 10% of each user's items). Every model is fitted on fit, scored on valid every
``EVAL_EVERY`` epochs (nDCG@10, seen items removed) and stopped early; the best epoch is
recorded, so the notebook trains on the whole 75% for that many epochs.

1. LightGCN with 3 layers (the paper's default): learning rate, then the L2 weight, then
   a larger embedding (128) and a smaller batch (1024), one at a time.
2. LightGCN at the chosen settings with 0, 1, 2 and 4 layers (0 layers is matrix
   factorization trained with BPR, the same code with the propagation removed).
3. NGCF with 3 layers at LightGCN's sizes and L2, the same epoch budget: learning rate.

Writes ``results/tuning/08_graph_neural_networks.json`` (rows as in
``benchmarks/tune_07_attention.py``: model, setting, value, params, val, epochs, seconds);
a run already in that file with the same settings is kept, not repeated. About 20 minutes
on 2 CPU cores.

    python benchmarks/tune_08_graph_neural_networks.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from rec_course import config, data, results, tuning
from rec_course.models import lightgcn

NOTEBOOK = "08_graph_neural_networks"
OUT = Path(__file__).resolve().parents[1] / "results" / "tuning" / f"{NOTEBOOK}.json"
SEED = config.SEED
MAX_EPOCHS, EVAL_EVERY, PATIENCE = 100, 5, 3
"""Upper bound on epochs (about 100 s for LightGCN on 2 cores), validation every 5."""
COMMON = dict(embedding_dim=64, batch_size=2048, epochs=MAX_EPOCHS, eval_every=EVAL_EVERY,
              patience=PATIENCE, seed=SEED)
"""What every run shares (the notebook uses the same)."""
LIGHTGCN_LR = [5e-3, 1e-2, 2e-2]
LIGHTGCN_L2 = [1e-3, 3e-3, 1e-2]    # beside 1e-4, at the best learning rate (BPR of 03: 1e-2)
SIZES = [{"embedding_dim": 128}, {"batch_size": 1024}]  # beside 64 and 2048
LAYERS = [0, 1, 2, 4]               # beside 3
NGCF_LR = [2e-3, 5e-3, 1e-2]


def main() -> None:
    ratings, _, _ = data.load_movielens_100k()
    df, ids = data.index_ids(ratings)
    nu, ni = ids.num_users, ids.num_items
    train, _ = data.stratified_split(df, 0.25, seed=SEED)
    fit, valid = data.train_validation_split(train, 0.1)
    done = {(r["model"], repr(sorted(r["params"].items()))): r
            for r in (json.loads(OUT.read_text())["rows"] if OUT.exists() else [])}
    rows: list[dict] = []

    def run(name: str, setting: str, cls, params: dict) -> dict:
        key = (name, repr(sorted(params.items())))
        if key in done:
            rows.append(done[key])
            return done[key]
        model = cls(**{**COMMON, **params}).fit(fit, nu, ni, valid=valid)
        curve = model.history
        rows.append({"model": name, "setting": setting, "value": params[setting],
                     "params": params, "val_metric": "ndcg@10",
                     "val": float(curve["val_ndcg@10"].max()),
                     "epochs": tuning.best_epoch(curve, "val_ndcg@10"),
                     "epochs_run": len(curve), "seconds": model.train_seconds,
                     "seconds_per_epoch": model.train_seconds / len(curve),
                     "curve": curve["val_ndcg@10"].dropna().round(5).tolist(),
                     "config": repr(sorted(COMMON.items()))})
        print({k: v for k, v in rows[-1].items() if k not in ("curve", "config")}, flush=True)
        save()
        return rows[-1]

    def save(final: bool = False) -> None:
        """Write the runs so far (and, until the grid is done, the file's earlier runs;
        the final file holds this grid's runs only)."""
        OUT.parent.mkdir(parents=True, exist_ok=True)
        kept = {(r["model"], repr(sorted(r["params"].items()))): r
                for r in [*([] if final else done.values()), *rows]}
        results.atomic_write_text(OUT, json.dumps({"written": time.strftime("%Y-%m-%d"),
                                                   "seed": SEED, "rows": list(kept.values())},
                                                  indent=1) + "\n")

    best = max((run("LightGCN", "learning_rate", lightgcn.LightGCN,
                    {"num_layers": 3, "l2": 1e-4, "learning_rate": lr}) for lr in LIGHTGCN_LR),
               key=lambda r: r["val"])
    lr = best["params"]["learning_rate"]
    best = max([best] + [run("LightGCN", "l2", lightgcn.LightGCN,
                             {"num_layers": 3, "l2": l2, "learning_rate": lr})
                         for l2 in LIGHTGCN_L2], key=lambda r: r["val"])
    l2 = best["params"]["l2"]
    for size in SIZES:
        (setting,) = size
        best = max([best, run("LightGCN", setting, lightgcn.LightGCN,
                              {"num_layers": 3, "l2": l2, "learning_rate": lr, **size})],
                   key=lambda r: r["val"])
    chosen = {k: v for k, v in best["params"].items() if k != "num_layers"}
    for layers in LAYERS:
        run("LightGCN, layers", "num_layers", lightgcn.LightGCN, {"num_layers": layers, **chosen})
    for ngcf_lr in NGCF_LR:  # NGCF at LightGCN's sizes and L2
        run("NGCF", "learning_rate", lightgcn.NGCF,
            {**chosen, "num_layers": 3, "learning_rate": ngcf_lr})
    save(final=True)
    print(pd.DataFrame(rows).drop(columns=["config", "params", "curve"]).round(4).to_string())


if __name__ == "__main__":
    main()
