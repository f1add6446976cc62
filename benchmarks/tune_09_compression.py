"""Settings of notebook 09 (compression), chosen on validation only (the test items are
never read).

Notebook 03's split: stratified 75/25 by user (seed 42), the 75% split again into fit
and valid (10% of each user's items). Every model is fitted on fit and scored on valid
(nDCG@10, seen items removed); "loss" is the relative loss against the float32 BPR of
notebook 03's settings fitted the same way.

- quantization: Keras int8 and int4 of that BPR (nothing to choose; for reference);
- pruning both tables to 80%: after training (at once or gradually, fine-tuning epochs,
  learning rate), or while training from scratch (``PrunedBPR``: dimension 128 or an
  over-parameterized 256, the ramp over epochs 5-30 of 40);
- compressed item tables trained from scratch: QR remainder rows, hashing buckets,
  mixed dimensions by frequency (blocks, exponent, first block's width);
- distillation: notebook 08's LightGCN (its chosen settings) as the teacher, BPR students
  of 16, 24 and 28 dimensions (28: under 25% of the teacher's parameters), with and
  without the teacher, ``alpha`` and ``top_k``.

Writes ``results/tuning/09_compression.json`` (rows as in the other tuning files:
model, setting, value, params, val, seconds, plus loss, bytes, parameters and
item_parameters, the numbers of the item table). About 7
minutes on 2 CPU cores.

    python benchmarks/tune_09_compression.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from rec_course import compression, config, data, evaluation, results
from rec_course.models import bpr, lightgcn

NOTEBOOK = "09_compression"
OUT = Path(__file__).resolve().parents[1] / "results" / "tuning" / f"{NOTEBOOK}.json"
SEED = config.SEED
BPR = dict(embedding_dim=128, l2=0.01, learning_rate=2e-3, batch_size=1024, epochs=40,
           patience=None)
"""Notebook 03's BPR, with its chosen epoch count."""
SPARSITY = 0.8
PRUNING = [{"schedule": s, "epochs": e, "learning_rate": lr} for s in ("at once", "gradual")
           for e in (3, 10) for lr in (2e-3, 5e-4)]
QR_BUCKETS = [42, 100, 200, 410]    # 410: 415 rows, just over 4x fewer than 1,682
HASH_BUCKETS = [420, 841]
PRUNE_WHILE_TRAINING = [{"embedding_dim": d, "begin_epoch": 5, "end_epoch": 30}
                        for d in (128, 256)]
MIXED = [{"num_blocks": 4, "alpha": 1.0, "max_dim": 64},    # each >= 4x fewer item numbers
         {"num_blocks": 4, "alpha": 0.5, "max_dim": 48},
         {"num_blocks": 8, "alpha": 0.5, "max_dim": 48}]
STUDENT_DIMS = [16, 24, 28]
DISTILL = [{"alpha": a, "top_k": k} for a in (0.5, 1.0) for k in (10, 20)]


def item_layer(model):
    """The layer that holds a model's item vectors (LightGCN: none of its own, so 0)."""
    return getattr(model, "item_embedding", [])


def main() -> None:
    ratings, _, _ = data.load_movielens_100k()
    df, ids = data.index_ids(ratings)
    nu, ni = ids.num_users, ids.num_items
    train, _ = data.stratified_split(df, 0.25, seed=SEED)
    fit, valid = data.train_validation_split(train, 0.1)
    evaluator = evaluation.Evaluator(fit, valid, k=10, num_users=nu, num_items=ni)
    rows: list[dict] = []

    def row(model_name: str, setting: str, value, params: dict, rec, size: int,
            seconds: float) -> None:
        val = float(evaluator(rec).iloc[0]["ndcg@10"])
        rows.append({"model": model_name, "setting": setting, "value": value, "params": params,
                     "val_metric": "ndcg@10", "val": val, "seconds": round(seconds, 2),
                     "bytes": int(size), "parameters": compression.parameter_count(rec.model),
                     "item_parameters": compression.parameter_count(item_layer(rec.model))})
        print({k: v for k, v in rows[-1].items() if k != "params"}, flush=True)

    start = time.perf_counter()
    base = bpr.BPR(**BPR, seed=SEED).fit(fit, nu, ni)
    float_bytes = compression.weight_bytes(compression.recommender_copy(base).model)
    row("BPR float32", "none", 0, {}, base, float_bytes, time.perf_counter() - start)
    for mode in ("int8", "int4"):
        start = time.perf_counter()
        small = compression.quantized_recommender(base, mode)
        row("BPR quantized", "mode", mode, {"mode": mode}, small,
            compression.weight_bytes(small.model), time.perf_counter() - start)

    for recipe in PRUNING:
        start = time.perf_counter()
        twin, tables = compression.prune_and_fine_tune(base, SPARSITY, **recipe)
        size = compression.pruned_bytes(twin.model, tables)
        row(f"BPR pruned {SPARSITY:.0%}", "recipe", f"{recipe['schedule']}, {recipe['epochs']} "
            f"epochs, lr {recipe['learning_rate']:g}", recipe, twin, size,
            time.perf_counter() - start)

    for recipe in PRUNE_WHILE_TRAINING:
        start = time.perf_counter()
        model = compression.PrunedBPR(sparsity=SPARSITY, **{**BPR, **recipe},
                                      seed=SEED).fit(fit, nu, ni)
        size = compression.pruned_bytes(model.model, model.pruned_tables())
        row(f"BPR pruned {SPARSITY:.0%} while training", "embedding_dim",
            recipe["embedding_dim"], recipe, model, size, time.perf_counter() - start)

    for setting in MIXED:
        start = time.perf_counter()
        model = compression.CompressedBPR(item_table="mixed", **setting, **BPR,
                                          seed=SEED).fit(fit, nu, ni)
        row("BPR, mixed-dimension item table", "blocks, alpha, max_dim",
            f"{setting['num_blocks']}, {setting['alpha']}, {setting['max_dim']}",
            {"item_table": "mixed", **setting}, model,
            compression.weight_bytes(model.model), time.perf_counter() - start)

    for table, grid in (("qr", QR_BUCKETS), ("hash", HASH_BUCKETS)):
        for buckets in grid:
            start = time.perf_counter()
            model = compression.CompressedBPR(item_table=table, num_buckets=buckets, **BPR,
                                              seed=SEED).fit(fit, nu, ni)
            row(f"BPR, {table} item table", "num_buckets", buckets,
                {"item_table": table, "num_buckets": buckets}, model,
                compression.weight_bytes(model.model), time.perf_counter() - start)

    gcn_runs = results.tuning("08_graph_neural_networks")
    gcn_runs = gcn_runs[gcn_runs.model.isin(["LightGCN", "LightGCN, layers"])]
    best = gcn_runs.loc[gcn_runs.val.idxmax()]
    start = time.perf_counter()
    teacher = lightgcn.LightGCN(**{"embedding_dim": 64, "batch_size": 2048, **best.params},
                                epochs=int(best.epochs), patience=None, seed=SEED).fit(fit, nu, ni)
    row("LightGCN (teacher)", "none", 0, dict(best.params), teacher,
        compression.weight_bytes(teacher.model), time.perf_counter() - start)
    student = {**BPR}
    for dim in STUDENT_DIMS:
        start = time.perf_counter()
        plain = bpr.BPR(**{**student, "embedding_dim": dim}, seed=SEED).fit(fit, nu, ni)
        row("BPR student, no teacher", "embedding_dim", dim, {"embedding_dim": dim}, plain,
            compression.weight_bytes(plain.model), time.perf_counter() - start)
        for setting in DISTILL:
            start = time.perf_counter()
            distilled = compression.DistilledBPR(teacher, **setting,
                                                 **{**student, "embedding_dim": dim},
                                                 seed=SEED).fit(fit, nu, ni)
            row("BPR student, distilled", "embedding_dim", dim,
                {"embedding_dim": dim, **setting}, distilled,
                compression.weight_bytes(distilled.model), time.perf_counter() - start)

    reference = rows[0]["val"]
    for r in rows:
        r["loss"] = round(1 - r["val"] / reference, 4)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    results.atomic_write_text(OUT, json.dumps({"written": time.strftime("%Y-%m-%d"),
                                               "seed": SEED, "rows": rows}, indent=1) + "\n")
    print(pd.DataFrame(rows).drop(columns=["params"]).round(4).to_string())


if __name__ == "__main__":
    main()
