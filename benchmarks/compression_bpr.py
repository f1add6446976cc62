"""Compression of notebook 03's BPR on ML-100K: what each technique of
``rec_course.compression`` keeps of test nDCG@10, and at what size. A first measurement
for notebook 09 (which will choose its settings on validation); seed 42, one run each.

BPR with notebook 03's chosen settings (128 dimensions, L2 0.01, learning rate 2e-3,
batch 1024, 40 epochs) is fitted on the stratified 75% and scored on the 25% with the
course's Evaluator. Then, each on a copy of the fitted model:

- Keras post-training quantization, int8 and int4 (``quantized_recommender``);
- magnitude pruning of both tables to 80%, without and with 3 epochs of fine-tuning;
- a BPR whose item table is a quotient-remainder embedding (``QREmbedding``), trained
  from scratch with the same settings.

Sizes are the bytes of the model's weights as held (``weight_bytes``; for pruning, the
tables stored as CSR). Writes entries named "compression: BPR ..." to
``results/benchmarks.json``; about a minute on 2 CPU cores.

    python benchmarks/compression_bpr.py [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform

from rec_course import compression, config, data, evaluation, results
from rec_course.models import bpr

SEED = config.SEED
BPR = dict(embedding_dim=128, l2=0.01, learning_rate=2e-3, batch_size=1024, epochs=40,
           patience=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    ratings, _, _ = data.load_movielens_100k()
    df, ids = data.index_ids(ratings)
    train, test = data.stratified_split(df, 0.25, seed=SEED)
    evaluator = evaluation.Evaluator(train, test, k=10, num_users=ids.num_users,
                                     num_items=ids.num_items)
    base = bpr.BPR(**BPR, seed=SEED).fit(train, ids.num_users, ids.num_items)
    float_copy = compression.recommender_copy(base)
    float_bytes = compression.weight_bytes(float_copy.model)
    rows = [("float32", float_copy, float_bytes)]
    for mode in ("int8", "int4"):
        small = compression.quantized_recommender(base, mode)
        rows.append((mode, small, compression.weight_bytes(small.model)))
    for epochs in (0, 3):
        twin = compression.recommender_copy(base)
        tables = [twin.model.user_embedding.embeddings, twin.model.item_embedding.embeddings]
        pruning = compression.MagnitudePruning(tables, final=0.8)
        pruning.prune_now()
        if epochs:
            compression.fine_tune(twin, epochs, callbacks=[pruning])
        size = compression.pruned_bytes(twin.model, tables)
        rows.append((f"pruned 80%, {epochs} fine-tuning epochs", twin, size))
    qr = compression.CompressedBPR(item_table="qr", **BPR, seed=SEED).fit(
        train, ids.num_users, ids.num_items)
    rows.append((f"QR item table ({qr.model.item_embedding.num_quotients} + "
                 f"{qr.model.item_embedding.num_buckets} rows)", qr,
                 compression.weight_bytes(qr.model)))
    machine = f"{os.cpu_count()}-core {platform.machine()} CPU, Python {platform.python_version()}"
    reference = float(evaluator(float_copy).iloc[0]["ndcg@10"])
    entries = []
    for name, model, size in rows:
        ndcg = float(evaluator(model).iloc[0]["ndcg@10"])
        entry = {"name": f"compression: BPR {name}", "ndcg@10": round(ndcg, 4),
                 "relative_loss": round(1 - ndcg / reference, 4), "bytes": int(size),
                 "size_share": round(size / float_bytes, 4),
                 "parameters": compression.parameter_count(model.model), "machine": machine}
        entries.append(entry)
        print(f"{name:<40} nDCG@10 {ndcg:.4f} ({entry['relative_loss']:+.1%} loss)  "
              f"{size / 1e3:8.1f} kB ({entry['size_share']:.1%})", flush=True)
    if args.no_write:
        return
    path = config.results_dir() / "benchmarks.json"
    old = [e for e in (json.loads(path.read_text()) if path.exists() else [])
           if not e["name"].startswith("compression: BPR")]
    results.atomic_write_text(path, json.dumps(old + entries, indent=2) + "\n")
    print(f"wrote {len(entries)} entries to {path.name}")


if __name__ == "__main__":
    main()
