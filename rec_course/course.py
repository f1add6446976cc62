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
    {"notebook": "06_wide_and_deep", "topic": "Features, crosses and cold start",
     "minutes": "75", "builds": "Keras feature preprocessing, Wide&Deep, DeepFM, DCN-v2 "
                                "(keras-rs FeatureCross), cold start"},
    {"notebook": "07_attention", "topic": "Sequences and attention",
     "minutes": "75", "builds": "sequences and leave-last-out, attention by hand, GRU4Rec, "
                                "SASRec (BCE and full softmax), attention maps, DIN"},
    {"notebook": "08_graph_neural_networks", "topic": "Graph neural networks",
     "minutes": "60", "builds": "the normalized user-item graph, message passing by hand, "
                                "LightGCN, depth and over-smoothing, NGCF"},
    {"notebook": "09_compression", "topic": "Model compression",
     "minutes": "60", "builds": "int8/int4 by hand and with Keras, magnitude pruning, QR, hashing "
                                "and mixed-dimension embeddings, low rank, distillation, "
                                "SavedModel/ONNX/LiteRT export"},
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


def exercises(root=None) -> pd.DataFrame:
    """Every exercise's graded cells, from the nbgrader metadata of ``solutions/``: one row
    per test cell (autograded: its checker) or written answer (graded by hand), with its
    points. Columns: ``notebook, exercise, cell, graded, points, checker``."""
    import re

    import nbformat

    rows = []
    for path in sorted(((REPO_ROOT if root is None else root) / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade"):
                continue
            checker = re.search(r"ex\.(check_\w+)", cell.source)
            rows.append({"notebook": path.stem,
                         "exercise": int(re.search(r"-ex(\d+)-", meta["grade_id"]).group(1)),
                         "cell": meta["grade_id"],
                         "graded": "by hand" if meta.get("solution") else "autograded",
                         "points": meta["points"],
                         "checker": checker.group(1) if checker else ""})
    return pd.DataFrame(rows, columns=["notebook", "exercise", "cell", "graded", "points",
                                       "checker"])


def exercises_markdown(root=None) -> str:
    """:func:`exercises` as the Markdown table docs/instructor.md shows (a test compares)."""
    df = exercises(root)
    lines = ["| notebook | exercise | graded cell | how | points | checker |",
             "|---|---|---|---|---|---|"]
    for row in df.itertuples():
        checker = f"`ex.{row.checker}`" if row.checker else "-"
        lines.append(f"| {row.notebook} | {row.exercise} | `{row.cell}` | {row.graded} | "
                     f"{row.points:g} | {checker} |")
    return "\n".join(lines)


def syllabus_markdown(root=None) -> str:
    """The ready notebooks as docs/instructor.md's syllabus table: topic, study time, the
    measured full-mode run, and the exercises' points (autograded, by hand)."""
    df = course_map().query("status == 'ready'")
    ex = exercises(root)
    lines = ["| notebook | topic | study | full-mode run (2 CPU cores) | exercises | points "
             "(autograded + by hand) |", "|---|---|---|---|---|---|"]
    for row in df.rename(columns={"full-mode run": "run"}).itertuples():
        mine = ex[ex["notebook"] == row.notebook]
        auto = mine.loc[mine["graded"] == "autograded", "points"].sum()
        hand = mine.loc[mine["graded"] == "by hand", "points"].sum()
        run = row.run or "not measured yet"
        lines.append(f"| {row.notebook} | {row.topic} | {row.minutes} min | {run} | "
                     f"{mine['exercise'].nunique()} | {auto:g} + {hand:g} |")
    return "\n".join(lines)


def instructor_blocks(root=None) -> dict[str, str]:
    """The generated parts of docs/instructor.md, by marker name."""
    return {"syllabus": syllabus_markdown(root), "exercises": exercises_markdown(root)}


def fill_blocks(text: str, blocks: dict[str, str]) -> str:
    """Replace each ``<!-- NAME:begin -->...<!-- NAME:end -->`` block of ``text``."""
    import re

    for name, body in blocks.items():
        pattern = re.compile(rf"(<!-- {name}:begin -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"no <!-- {name}:begin --> ... <!-- {name}:end --> block")
        text = pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    return text
