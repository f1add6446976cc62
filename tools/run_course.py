"""Execute the solution notebooks once each, derive the student copies, time every run.

    python tools/run_course.py                              # every solutions/*.ipynb
    python tools/run_course.py 03_collaborative_filtering   # one (or more) by name
    python tools/run_course.py --timeout 1800 ...           # seconds per cell

``make course`` calls this with ``REC_COURSE_QUICK=0``. Each solution notebook runs in
place (its results go to ``results/``), then ``notebooks/NAME`` is generated from it
(``assignments.write_student``: nbgrader's student version, outputs included) and its
wall-clock seconds are merged into
``results/timings/notebook_times.json`` (quick mode: ``results/quick/timings/``; the
subfolder keeps the file out of ``rec_course.results``' ``results/*.json`` records).
A student copy that is not the generated one (``tools/assignments.py check``: edited by
hand, say) stops the run before anything executes, so that no edit is lost; the first
failing notebook stops it and is left unwritten.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from rec_course import config
from rec_course.results import atomic_write_text
from rec_course.runner import execute_notebook

sys.path.insert(0, str(Path(__file__).resolve().parent))
import assignments  # noqa: E402

ROOT = assignments.ROOT
SLOW_CELL_S = 10.0  # cells slower than this are reported as they finish


def times_path() -> Path:
    """Where the per-notebook seconds of this mode (``REC_COURSE_QUICK``) are recorded."""
    folder = config.results_dir() / "quick" if config.quick() else config.results_dir()
    return folder / "timings" / "notebook_times.json"


def record_time(path: Path, name: str, seconds: float) -> None:
    """Merge ``{name: seconds}`` into the JSON file at ``path``, written atomically."""
    times = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    times[name] = round(seconds, 1)
    atomic_write_text(path, json.dumps(dict(sorted(times.items())), indent=2) + "\n")


def execute(path: Path, timeout: int) -> float:
    """Run the notebook at ``path`` in place (kernel cwd: its folder); returns seconds."""
    nb = nbformat.read(path, as_version=4)
    seconds = execute_notebook(nb, path.parent, timeout=timeout, slow_s=SLOW_CELL_S)
    assignments.write_atomic(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    names = ([Path(n).stem for n in args.names] if args.names
             else [p.stem for p in sorted((ROOT / "solutions").glob("*.ipynb"))])
    missing = [n for n in names if not (ROOT / "solutions" / f"{n}.ipynb").exists()]
    if missing:
        parser.error(f"no solutions/{missing[0]}.ipynb")
    drifted = [p for n in names for p in assignments.drift(f"{n}.ipynb", ROOT)]
    if drifted:  # checked before hours of execution, not after
        parser.error("student copies differ from their solutions (edit solutions/ and run "
                     "tools/assignments.py student NAME):\n" + "\n".join(drifted))
    times = times_path()
    total = time.monotonic()
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] solutions/{name}.ipynb ...", flush=True)
        try:
            seconds = execute(ROOT / "solutions" / f"{name}.ipynb", args.timeout)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
            print(f"[{i}/{len(names)}] {name} FAILED (notebook left unchanged):\n{e}",
                  file=sys.stderr)
            return 1
        record_time(times, name, seconds)
        print(f"[{i}/{len(names)}] {name}: {seconds:.1f} s", flush=True)
        assignments.write_student(f"{name}.ipynb", ROOT)
    print(f"ran {len(names)} notebook(s) in {time.monotonic() - total:.0f} s; "
          f"times in {times.relative_to(ROOT) if times.is_relative_to(ROOT) else times}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
