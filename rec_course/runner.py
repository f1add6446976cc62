"""Execute a notebook in a fresh kernel, reporting each slow cell as it finishes.

Shared by ``tools/run_course.py`` (``make course``) and ``python -m rec_course.grade``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO


def execute_notebook(nb, folder: Path, *, timeout: int, allow_errors: bool = False,
                     slow_s: float = 10.0, stream: TextIO | None = None) -> float:
    """Run ``nb`` (an nbformat notebook, changed in place) with the kernel's working
    directory at ``folder``; print a line to ``stream`` (default stdout) for each code
    cell that takes ``slow_s`` seconds or more. Returns the seconds of the whole run.

    ``allow_errors``: run every cell even after an error (as a grader does); else the
    first failing cell raises ``nbclient``'s ``CellExecutionError``.
    """
    from nbclient import NotebookClient

    stream = sys.stdout if stream is None else stream
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    ordinal = {index: n for n, index in enumerate(code, 1)}
    start = cell_start = time.monotonic()

    def started(cell_index: int, **_) -> None:
        nonlocal cell_start
        cell_start = time.monotonic()

    def finished(cell_index: int, **_) -> None:
        took = time.monotonic() - cell_start
        if took >= slow_s:
            print(f"    code cell {ordinal[cell_index]}/{len(code)}: {took:.0f} s "
                  f"(notebook so far {time.monotonic() - start:.0f} s)", file=stream,
                  flush=True)

    NotebookClient(nb, timeout=timeout, allow_errors=allow_errors, kernel_name="python3",
                   on_cell_start=started, on_cell_executed=finished,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return time.monotonic() - start
