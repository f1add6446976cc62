"""Benchmark: time `rec_course.evaluation.evaluate` on MovieLens-100K.

Full-catalogue top-10 evaluation of 943 users x 1,682 items (popularity scores,
stratified 75/25 split). The target is under 1 s on a 2-core CPU. Writes the median of
the repeats to results/benchmarks.json (read by results/RESULTS.md).

    python benchmarks/evaluation_speed.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

from rec_course import config, data, evaluation, results
from rec_course.models.baselines import PopularityRecommender

NAME = "evaluate(): ML-100K, 943 users x 1,682 items, k=10, full catalogue"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    ratings, _, _ = data.load_movielens_100k()
    df, ids = data.index_ids(ratings)
    train, test = data.stratified_split(df, 0.25, seed=config.SEED)
    model = PopularityRecommender().fit(train, ids.num_users, ids.num_items)
    evaluation.evaluate(model, train, test)  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        evaluation.evaluate(model, train, test)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    machine = f"{os.cpu_count()}-core {platform.machine()} CPU, Python {platform.python_version()}"
    print(f"{NAME}: median {median:.3f} s over {args.repeats} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}) on {machine}")
    path = config.results_dir() / "benchmarks.json"
    entries = [e for e in (json.loads(path.read_text()) if path.exists() else [])
               if e["name"] != NAME]
    entries.append({"name": NAME, "seconds": round(median, 4), "repeats": args.repeats,
                    "machine": machine})
    results.atomic_write_text(path, json.dumps(entries, indent=2) + "\n")


if __name__ == "__main__":
    main()
