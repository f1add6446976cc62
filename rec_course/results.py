"""The results registry: each notebook records its metrics, ``make course`` renders a table.

A record is ``{"notebook", "model", "protocol", "mode", "metrics", "train_seconds"}``
with lower-case metric keys (``"ndcg@10"``, ``"rmse"``, ...). Full-mode records go to
``results/<notebook>.json``; quick-mode records go to ``results/quick/`` so a quick run
never overwrites full-mode numbers. :func:`write_results_md` renders
``results/RESULTS.md``: course numbers beside the published ones of
:mod:`rec_course.published`, and the benchmarks of ``results/benchmarks.json``.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from rec_course import config
from rec_course.published import PUBLISHED

_KEY = re.compile(r"^[a-z_]+(@\d+)?(_std)?$")  # "ndcg@10", "ndcg@10_std" (over seeds)
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clean_metrics(metrics) -> dict[str, float]:
    if isinstance(metrics, pd.DataFrame):
        if len(metrics) != 1:
            raise ValueError(f"metrics DataFrame must have one row, got {len(metrics)}")
        metrics = metrics.iloc[0].to_dict()
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError("metrics must be a non-empty dict or one-row DataFrame")
    out = {}
    for key, value in metrics.items():
        if key in ("users", "ratings", "pairs", "examples", "splits", "seeds"):
            continue  # counts, not metrics
        if not _KEY.match(str(key)):
            raise ValueError(f"metric key {key!r} must be lower-case like 'ndcg@10' or 'rmse'")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"metric {key} is {value}: only finite numbers are recorded")
        out[str(key)] = round(value, 6)
    return out


def record(notebook: str, model: str, metrics, *, protocol: str,
           train_seconds: float | None = None, mode: str | None = None,
           results_dir: str | os.PathLike | None = None) -> Path:
    """Add or replace the record of (model, protocol) in the notebook's results file.

    Args:
        notebook: notebook name without extension, e.g. ``"02_evaluation_and_baselines"``.
        model: display name, e.g. ``"Popularity"``.
        metrics: dict or one-row DataFrame (as returned by ``evaluate``).
        protocol: e.g. ``"stratified-75-25"`` or ``"leave-last-out"``.
        train_seconds: training wall time.
        mode: ``"full"`` or ``"quick"``; default from :func:`rec_course.config.mode`.

    Returns:
        The path written (``results/`` for full mode, ``results/quick/`` for quick).
    """
    if not _NAME.match(notebook):
        raise ValueError(f"notebook name {notebook!r} must be a plain file stem")
    mode = mode or config.mode()
    if mode not in ("full", "quick"):
        raise ValueError(f"mode must be 'full' or 'quick', got {mode!r}")
    if train_seconds is not None and not (train_seconds >= 0):
        raise ValueError(f"train_seconds must be >= 0, got {train_seconds}")
    root = Path(results_dir) if results_dir is not None else config.results_dir()
    path = (root if mode == "full" else root / "quick") / f"{notebook}.json"
    entry = {"notebook": notebook, "model": model, "protocol": protocol, "mode": mode,
             "metrics": _clean_metrics(metrics),
             "train_seconds": None if train_seconds is None else round(train_seconds, 3)}
    records = load_records(path)
    records = [r for r in records if (r["model"], r["protocol"]) != (model, protocol)]
    records.append(entry)
    atomic_write_text(path, json.dumps(records, indent=2) + "\n")
    return path


def load_records(path: Path) -> list[dict]:
    """Records of one results file ([] if it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not valid JSON ({e}); delete it and re-run the "
                         "notebook") from None
    if not isinstance(records, list):
        raise ValueError(f"{path} must hold a list of records")
    return records


def all_records(results_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every full-mode record under ``results/`` as a flat DataFrame (one row each)."""
    root = Path(results_dir) if results_dir is not None else config.results_dir()
    rows = []
    for path in sorted(root.glob("*.json")):
        if path.name == "benchmarks.json":
            continue
        for r in load_records(path):
            rows.append({"notebook": r["notebook"], "model": r["model"],
                         "protocol": r["protocol"], "train_seconds": r.get("train_seconds"),
                         **r["metrics"]})
    return pd.DataFrame(rows)


_TOPK_COLUMNS = ["ndcg@10", "precision@10", "recall@10", "map", "map@10", "coverage@10"]


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def _cell(row, column: str) -> str:
    """A metric cell: ``0.4870``, or ``0.4870 ± 0.0071`` when ``<column>_std`` is recorded."""
    value, std = row.get(column), row.get(f"{column}_std")
    if std is None or (isinstance(std, float) and math.isnan(std)):
        return _fmt(value)
    return f"{_fmt(value)} ± {_fmt(std)}"


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(v if isinstance(v, str) else _fmt(v) for v in row) + " |"
              for row in rows]
    return "\n".join(lines)


def _filled(values) -> bool:
    return any(v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values)


def _compression_section(course: pd.DataFrame) -> list[str]:
    """Lines of the "Compression (course)" table: every record with ``size_share``
    (notebook 09's variants: quality, relative loss, bytes and share of float32)."""
    if not len(course) or "size_share" not in course.columns:
        return []
    rows = [[r["model"], f"course: {r['notebook']} ({r['protocol']})", _cell(r, "ndcg@10"),
             _fmt(r.get("relative_loss")), _fmt(r.get("bytes")), _fmt(r.get("size_share"))]
            for _, r in course.iterrows() if _filled([r.get("size_share")])]
    if not rows:
        return []
    return ["## Compression (course)", "",
            "Relative loss: 1 - nDCG@10 / that of the same model in float32; size share: "
            "bytes of the weights as stored (pruned tables in CSR) over float32's.", "",
            _table(["model", "source", "ndcg@10", "relative loss", "bytes", "size share"],
                   rows), ""]


def _metric_section(course: pd.DataFrame, title: str, key: str, other: str) -> list[str]:
    """Lines of a "<title> (course)" table: every record that has metric ``key``, with
    ``key``, ``other`` and the train seconds (no lines when no record has ``key``)."""
    if not len(course) or key not in course.columns:
        return []
    rows = [[r["model"], f"course: {r['notebook']} ({r['protocol']})", _cell(r, key),
             _cell(r, other), r.get("train_seconds")]
            for _, r in course.iterrows() if pd.notna(r.get(key, float("nan")))]
    if not rows:
        return []
    return [f"## {title} (course)", "",
            _table(["model", "source", key, other, "train s"], rows), ""]


def render_markdown(results_dir: str | os.PathLike | None = None) -> str:
    """The text of RESULTS.md: the course's rows by protocol, then the published rows in
    tables of their own (each under its own protocol), then the benchmarks."""
    root = Path(results_dir) if results_dir is not None else config.results_dir()
    course = all_records(root)
    parts = ["# Course results",
             "",
             "Written by `make course` from the full-mode runs recorded in `results/*.json`. "
             "All course rows use the same evaluation code (`rec_course.evaluation.evaluate`): "
             "full-catalogue ranking, items seen in train removed, k = 10. `map` divides each "
             "user's average precision by the number of relevant items (Microsoft "
             "Recommenders' benchmark definition); `map@10` divides by min(relevant, 10). "
             "`a ± s` is a mean and standard deviation over seeds or splits.",
             ""]
    for protocol in sorted(course["protocol"].unique()) if len(course) else []:
        sub = course[course["protocol"] == protocol]
        if "size_share" in sub.columns:  # compressed variants: their own table below
            sub = sub[sub["size_share"].isna()]
        cols = [c for c in _TOPK_COLUMNS if c in sub.columns and sub[c].notna().any()]
        rows = [[r["model"], f"course: {r['notebook']}"] + [_cell(r, c) for c in cols]
                + [r.get("train_seconds")] for _, r in sub.iterrows()
                if _filled([r.get(c) for c in cols])]
        if cols and rows:
            parts += [f"## Top-10 ranking, protocol `{protocol}`", "",
                      _table(["model", "source"] + cols + ["train s"], rows), ""]
    for title, key, other in (("Rating prediction", "rmse", "mae"),
                              ("Click prediction", "auc", "log_loss")):
        parts += _metric_section(course, title, key, other)
    parts += _compression_section(course)
    parts += ["## Published numbers, each under its own protocol", "",
              "Measured by others under protocols that differ from the course's; compare "
              "with care (the protocol is named above each table).", ""]
    for protocol in dict.fromkeys(p["protocol"] for p in PUBLISHED):
        pubs = [p for p in PUBLISHED if p["protocol"] == protocol]
        cols = [c for c in _TOPK_COLUMNS + ["rmse"] if any(c in p["metrics"] for p in pubs)]
        cols += [c for c in dict.fromkeys(m for p in pubs for m in p["metrics"]) if c not in cols]
        rows = [[p["model"], f"[{p['source']}]({p['url']})"]
                + [p["metrics"].get(c) for c in cols] for p in pubs]
        parts += [f"### Protocol: {protocol}", "", _table(["model", "source"] + cols, rows), ""]
    bench = root / "benchmarks.json"
    if bench.exists():
        entries = json.loads(bench.read_text(encoding="utf-8"))
        timed = [b for b in entries if "seconds" in b]
        sized = [b for b in entries if "bytes" in b and "seconds" not in b]
        if timed:
            parts += ["## Benchmarks", "",
                      _table(["benchmark", "seconds (median)", "repeats", "machine"],
                             [[b["name"], b["seconds"], b.get("repeats"), b["machine"]]
                              for b in timed]), ""]
        if sized:
            parts += ["## Compression benchmarks", "",
                      _table(["benchmark", "ndcg@10", "relative loss", "bytes",
                              "share of float32", "machine"],
                             [[b["name"], b.get("ndcg@10"), b.get("relative_loss"), b["bytes"],
                               b.get("size_share"), b["machine"]] for b in sized]), ""]
    return "\n".join(parts)


def write_results_md(results_dir: str | os.PathLike | None = None) -> Path:
    """Render and atomically write ``results/RESULTS.md``; returns its path."""
    root = Path(results_dir) if results_dir is not None else config.results_dir()
    path = root / "RESULTS.md"
    atomic_write_text(path, render_markdown(root))
    return path


if __name__ == "__main__":
    print(f"wrote {write_results_md()}")


def tuning(notebook: str, results_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The validation runs that chose a notebook's settings, as written by
    ``benchmarks/tune_<notebook>.py`` to ``results/tuning/<notebook>.json``.

    Returns:
        DataFrame with one row per run: ``model, setting, value, val_metric, val, epochs,
        seconds``.
    """
    root = Path(results_dir) if results_dir is not None else config.results_dir()
    path = root / "tuning" / f"{notebook}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `python benchmarks/tune_{notebook}.py` "
                                "(it chooses the settings on validation)")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ValueError(f"{path} is not a tuning file ({e}); re-run "
                         f"`python benchmarks/tune_{notebook}.py`") from None
    return pd.DataFrame(rows)


def best_run(runs: pd.DataFrame, model: str) -> pd.Series:
    """``model``'s run with the highest validation metric in a :func:`tuning` table (its
    ``params``, ``val``, ``epochs`` and the rest)."""
    return _best_run(runs, model)


def _best_run(runs: pd.DataFrame, model: str) -> pd.Series:
    mine = runs[runs["model"] == model]
    if mine.empty:
        raise KeyError(f"no tuning runs for {model!r}; models: {sorted(runs['model'].unique())}")
    return mine.loc[mine["val"].idxmax()]


def best_setting(runs: pd.DataFrame, model: str):
    """The ``value`` of ``model``'s run with the highest validation metric in a
    :func:`tuning` table."""
    return _best_run(runs, model)["value"]


def best_params(runs: pd.DataFrame, model: str) -> dict:
    """The parameters (``{name: value}``) of ``model``'s best run in a :func:`tuning`
    table: its ``params`` column where present, else ``{setting: value}``."""
    row = _best_run(runs, model)
    params = row.get("params")
    return dict(params) if isinstance(params, dict) else {row["setting"]: row["value"]}
