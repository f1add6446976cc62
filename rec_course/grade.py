"""Grade a filled-in notebook without nbgrader: run it, score its exercises, print a table.

    python -m rec_course.grade notebooks/03_collaborative_filtering.ipynb
    python -m rec_course.grade my_copy.ipynb --full        # full mode (slower)
    python -m rec_course.grade my_copy.ipynb --json marks.json

The notebook runs top to bottom in quick mode (``REC_COURSE_QUICK=1``) in a fresh kernel,
every cell even after an error, as ``nbgrader autograde`` runs it. Each exercise's test
cell (nbgrader metadata ``grade: true``: the cell that calls the checker) earns its points
when it runs without an error and writes nothing to stderr, and nothing otherwise: the
rule nbgrader applies, so both give the same points. The test cells are first reset to
the course's own version (the notebook of ``notebooks/`` beside this package with the same
exercises, whatever the copy is called), as nbgrader resets them, so an edited test
cannot pass. Written answers (markdown answer
cells) are listed with their points, to be graded by hand.

The table shows, per exercise, the points, passed or failed, and the checker's message;
cells outside the exercises that failed are listed below it (a learner's change there can
break the exercises after it). The exit status is 0 when the notebook was graded, whatever
the score.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

try:
    import nbformat
except ImportError as e:  # a bare `pip install rec_course` (Jupyter and Colab have it)
    raise SystemExit("python -m rec_course.grade needs nbformat and nbclient: "
                     "pip install 'rec_course[grade]' (or pip install nbformat nbclient "
                     "ipykernel)") from e

COURSE_ROOT = Path(__file__).resolve().parent.parent
VERDICT_PREFIXES = ("[ok]", "[x]", "[ ]")
SLOW_CELL_S = 20.0


@dataclass
class Mark:
    """One exercise's result."""

    grade_id: str
    points: float
    score: float | None  # None: graded by hand
    message: str

    @property
    def passed(self) -> bool | None:
        return None if self.score is None else self.score >= self.points


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test(cell) -> bool:
    """An autograded test cell (grade, not solution)."""
    return bool(_meta(cell).get("grade")) and not _meta(cell).get("solution")


def is_written_answer(cell) -> bool:
    """A markdown answer graded by hand (grade and solution)."""
    return bool(_meta(cell).get("grade")) and bool(_meta(cell).get("solution"))


def cell_score(cell) -> float:
    """nbgrader's rule for a code test cell: 0 after an error or any stderr output; the
    value of a numeric last expression (partial credit); else full points."""
    points = float(_meta(cell)["points"])
    for out in cell.get("outputs", []):
        if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr"):
            return 0.0
        if out.output_type == "execute_result":
            try:
                value = float("".join(out.data.get("text/plain", "")))
            except ValueError:
                return points
            if value > points:
                raise ValueError(f"{_meta(cell)['grade_id']}: partial credit {value} is more "
                                 f"than the cell's {points} points")
            return value if value >= 0 else points
    return points


def message(cell) -> str:
    """The checker's verdict line(s) in a test cell's output, else its error."""
    lines, error = [], ""
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            lines += [line for line in out.text.splitlines()
                      if line.startswith(VERDICT_PREFIXES)]
        elif out.output_type == "error":
            error = f"{out.ename}: {out.evalue}".strip().rstrip(":")
    if lines:
        return " ".join(lines)
    if error.startswith("NameError"):
        return f"the test raised {error} (your answer cell did not define it: run it, or finish it)"
    if error:
        return f"the test raised {error}"
    return "passed"


def reset_tests(nb, reference: Path | None) -> int:
    """Replace each test cell's source by the reference notebook's cell of the same
    grade_id (as nbgrader does); returns how many were changed back."""
    if reference is None or not reference.exists():
        return 0
    ref = {_meta(c)["grade_id"]: c.source
           for c in nbformat.read(reference, as_version=4).cells if is_test(c)}
    changed = 0
    for cell in nb.cells:
        if is_test(cell) and _meta(cell).get("grade_id") in ref:
            if cell.source != ref[_meta(cell)["grade_id"]]:
                cell.source = ref[_meta(cell)["grade_id"]]
                changed += 1
    return changed


def execute(nb, path: Path, quick: bool, timeout: int) -> float:
    """Run every cell (errors do not stop the run) in a fresh kernel; returns seconds."""
    from rec_course.runner import execute_notebook

    env_before = os.environ.get("REC_COURSE_QUICK")
    os.environ["REC_COURSE_QUICK"] = "1" if quick else "0"  # the kernel inherits it
    try:
        return execute_notebook(nb, path.parent, timeout=timeout, allow_errors=True,
                                slow_s=SLOW_CELL_S, stream=sys.stderr)
    finally:
        if env_before is None:
            os.environ.pop("REC_COURSE_QUICK", None)
        else:
            os.environ["REC_COURSE_QUICK"] = env_before


def marks(nb) -> tuple[list[Mark], list[str]]:
    """The exercises' marks from an executed notebook, and the failures outside them."""
    result, others = [], []
    for index, cell in enumerate(nb.cells):
        meta = _meta(cell)
        if is_test(cell) and cell.get("execution_count") is None:
            result.append(Mark(meta["grade_id"], float(meta["points"]), 0.0,
                               "not run: run the notebook (or grade without --no-run)"))
        elif is_test(cell):
            score = cell_score(cell)
            result.append(Mark(meta["grade_id"], float(meta["points"]), score, message(cell)))
        elif is_written_answer(cell):
            result.append(Mark(meta["grade_id"], float(meta["points"]), None,
                               "written answer: graded by hand"))
        elif cell.cell_type == "code" and not meta.get("solution"):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if errors:
                others.append(f"cell {index} ({cell.source.strip().splitlines()[0][:50]!r}...) "
                              f"raised {errors[0].ename}: {errors[0].evalue}")
    return result, others


def course_notebook(nb, path: Path) -> Path | None:
    """The course's student notebook with the same exercises: ``notebooks/NAME``, else the
    one whose number the grade ids name (``nb03-...`` -> ``notebooks/03_*.ipynb``), so
    that a renamed copy is reset too; None when there is none."""
    folder = COURSE_ROOT / "notebooks"
    candidates = [folder / path.name]
    ids = [_meta(c).get("grade_id", "") for c in nb.cells if is_test(c)]
    numbers = {i[2:4] for i in ids if i.startswith("nb") and i[2:4].isdigit()}
    if len(numbers) == 1:
        candidates += sorted(folder.glob(f"{numbers.pop()}_*.ipynb"))
    for candidate in candidates:
        if candidate.exists():  # path itself: resetting from it changes nothing
            return candidate
    return None


def grade(path: Path, *, quick: bool = True, timeout: int = 1800, run: bool = True,
          reference: Path | None = None) -> tuple[list[Mark], list[str], nbformat.NotebookNode]:
    """Grade the notebook at ``path``: ``(marks, failures outside exercises, executed nb)``.

    ``run=False`` grades the outputs the notebook already holds. ``reference``: the
    notebook whose test cells are authoritative (default: :func:`course_notebook`).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no notebook at {path}")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # noqa: BLE001 - say which file is broken
        raise ValueError(f"{path} is not a readable notebook: {e}") from e
    if not any(is_test(c) or is_written_answer(c) for c in nb.cells):
        raise ValueError(f"{path} has no exercises (no nbgrader test or answer cells): is it "
                         "a course notebook from notebooks/ or solutions/?")
    if reference is None:
        reference = course_notebook(nb, path)
        if reference is None:
            print("no course notebook with these exercises beside this package: the test "
                  "cells are graded as written (--reference NOTEBOOK to reset them)",
                  file=sys.stderr)
    nb = copy.deepcopy(nb)
    changed = reset_tests(nb, reference)
    if changed:
        print(f"{changed} test cell(s) differed from the course's and were reset",
              file=sys.stderr)
    if run:
        print(f"running {path} in {'quick' if quick else 'full'} mode ...", file=sys.stderr,
              flush=True)
        seconds = execute(nb, path, quick, timeout)
        print(f"ran in {seconds:.0f} s", file=sys.stderr)
    result, others = marks(nb)
    return result, others, nb


def table(result: list[Mark]) -> str:
    """The marks as a plain-text table with a total line."""
    rows = [("exercise", "points", "result", "message")]
    for m in result:
        status = ("by hand" if m.score is None else "passed" if m.passed
                  else "partial" if m.score > 0 else "failed")
        score = "-" if m.score is None else f"{m.score:g}"
        rows.append((m.grade_id, f"{score}/{m.points:g}", status, m.message))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    auto = [m for m in result if m.score is not None]
    hand = sum(m.points for m in result if m.score is None)
    lines.append(f"total: {sum(m.score for m in auto):g} / {sum(m.points for m in auto):g} "
                 f"points auto-graded" + (f"; {hand:g} more graded by hand" if hand else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rec_course.grade",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--full", action="store_true", help="run in full mode (slow)")
    parser.add_argument("--no-run", action="store_true",
                        help="grade the outputs already in the notebook")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--reference", type=Path, default=None,
                        help="notebook whose test cells are authoritative")
    parser.add_argument("--json", type=Path, default=None, help="also write the marks here")
    args = parser.parse_args(argv)
    try:
        result, others, _ = grade(args.notebook, quick=not args.full, timeout=args.timeout,
                                  run=not args.no_run, reference=args.reference)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(table(result))
    for line in others:
        print(f"note: outside the exercises, {line}")
    if args.json:
        args.json.write_text(json.dumps([{**asdict(m), "passed": m.passed} for m in result],
                                        indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
