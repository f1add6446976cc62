"""Write each notebook's measured full-mode run time into its "**Time**" line.

    python tools/stamp_times.py        # after make course (results/timings/notebook_times.json)

The line becomes ``**Time**: about 60 minutes of study; the full-mode run takes about 7
minutes on 2 CPU cores (measured by `make course`).`` in both copies (student and
solution); the study minutes come from ``rec_course.course.COURSE_MAP``. The syllabus and
exercise tables of docs/instructor.md are rewritten too. Tests check that every notebook's
line states what notebook_times.json holds, and that the tables are current.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rec_course.course import (COURSE_MAP, fill_blocks, instructor_blocks,  # noqa: E402
                               run_time_text, run_times)

TIME_LINE = re.compile(r"^\*\*Time\*\*:.*$", re.M)


def time_line(name: str, seconds: float) -> str:
    study = next(e["minutes"] for e in COURSE_MAP if e["notebook"] == name)
    return (f"**Time**: about {study} minutes of study; the full-mode run takes "
            f"{run_time_text(seconds)} on 2 CPU cores (measured by `make course`).")


def stamp(name: str, seconds: float) -> bool:
    changed = False
    for folder in ("notebooks", "solutions"):
        path = ROOT / folder / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown" and TIME_LINE.search(cell.source):
                new = TIME_LINE.sub(time_line(name, seconds), cell.source, count=1)
                changed |= new != cell.source
                cell.source = new
                break
        else:
            raise SystemExit(f"{folder}/{name}.ipynb has no '**Time**:' line")
        nbformat.write(nb, path)
    return changed


def main() -> int:
    times = run_times()
    if not times:
        raise SystemExit("no results/timings/notebook_times.json: run make course first")
    for name, seconds in times.items():
        if (ROOT / "notebooks" / f"{name}.ipynb").exists():
            print(f"{name}: {run_time_text(seconds)} ({seconds:.0f} s)"
                  f"{' (updated)' if stamp(name, seconds) else ''}")
    docs = ROOT / "docs" / "instructor.md"
    if docs.exists():
        text = docs.read_text(encoding="utf-8")
        new = fill_blocks(text, instructor_blocks())
        if new != text:
            docs.write_text(new, encoding="utf-8")
            print("docs/instructor.md: syllabus and exercise tables updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
