"""Student notebooks and nbgrader assignments, made from the solution notebooks.

The solution notebooks in ``solutions/`` are the source. Their exercises are marked the
way nbgrader expects (cell metadata ``nbgrader``, schema 3):

- an answer cell (``solution: true``) holds the worked answer between ``### BEGIN
  SOLUTION`` and ``### END SOLUTION`` lines (in markdown: ``<!-- BEGIN SOLUTION -->`` and
  ``<!-- END SOLUTION -->``, invisible when rendered); a markdown answer is graded by hand
  (``grade: true`` with ``points``);
- a test cell (``grade: true``, ``points``) calls the exercise's checker,
  ``assert ex.check_...(...)``: it passes, and earns its points, when it runs without an
  error.

The student copy in ``notebooks/`` is what nbgrader's own preprocessors make of a solution
(``ClearSolutions``: each region becomes ``# YOUR CODE HERE`` / ``raise
NotImplementedError()``, or ``YOUR ANSWER HERE``), keeping the outputs of every other cell
so that it reads well on GitHub and in Colab. ``check`` proves that the committed copies
are exactly that; ``course`` builds an nbgrader course folder and runs ``nbgrader
generate_assignment`` on it.

    python tools/assignments.py student NAME.ipynb ...   # solutions/NAME -> notebooks/NAME
    python tools/assignments.py student --all
    python tools/assignments.py check                    # exit 1 if a student copy differs
    python tools/assignments.py course DIR [NAME ...]    # nbgrader course folder at DIR
    python tools/assignments.py draft SRC.py             # percent source -> both notebooks

nbgrader is an instructor's install (``requirements-instructor.txt``); ``make test`` and
``make course`` install it.

Percent format for ``draft`` (to write a new notebook; the .ipynb files are the source
afterwards): ``# %% [markdown]`` starts a markdown cell, ``# %%`` a code cell; an
exercise's cells carry their nbgrader role in the header: ``# %% [answer ID]`` (code with
solution regions), ``# %% [test ID POINTS]`` (the checker call) and ``# %% [markdown
answer ID POINTS]`` (a written answer, graded by hand).
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
INSTALL_HINT = ("nbgrader is not installed: pip install -r requirements-instructor.txt "
                "(make test and make assignments do it)")


# ------------------------------------------------------------------ exercise cells
def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer(cell) -> bool:
    """An exercise's answer cell (nbgrader solution cell)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_test(cell) -> bool:
    """An autograded test cell: grade, not solution (it calls a checker)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def is_exercise(cell) -> bool:
    """Answer or test cell: the cells a learner's copy differs in, or runs for points."""
    return is_answer(cell) or is_test(cell)


def answer_meta(grade_id: str, points: float | None = None) -> dict:
    """nbgrader metadata of an answer cell (``points``: graded by hand, markdown)."""
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": False,
            "schema_version": 3, "solution": True, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def test_meta(grade_id: str, points: float) -> dict:
    """nbgrader metadata of an autograded test cell."""
    return {"grade": True, "grade_id": grade_id, "locked": True, "points": points,
            "schema_version": 3, "solution": False, "task": False}


def student_version(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What nbgrader's generation step makes of a solution notebook's sources, with the
    outputs of every cell that is not an exercise kept.

    Runs nbgrader's ``ClearSolutions``, ``ClearHiddenTests`` and ``ClearMarkScheme``
    preprocessors. Answer and test cells lose their outputs, execution count and
    execution metadata (the learner has not run them yet).
    """
    try:
        from nbgrader.nbgraderformat import MetadataValidator
        from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearSolutions
    except ImportError as e:
        raise SystemExit(INSTALL_HINT) from e
    nb = copy.deepcopy(solution)
    MetadataValidator().validate_nb(nb)
    resources: dict = {}
    for step in (ClearSolutions(), ClearHiddenTests(), ClearMarkScheme()):
        nb, resources = step.preprocess(nb, resources)
    for cell in nb.cells:
        if is_exercise(cell) and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    return nb


def drift(name: str, root: Path = ROOT) -> list[str]:
    """How notebooks/NAME differs from the student version of solutions/NAME (cell
    types, sources and nbgrader metadata; outputs are not compared)."""
    student = root / "notebooks" / name
    if not student.exists():
        return [f"{name}: no notebooks/{name} (run: python tools/assignments.py student {name})"]
    mine = nbformat.read(student, as_version=4).cells
    want = student_version(nbformat.read(root / "solutions" / name, as_version=4)).cells
    if len(mine) != len(want):
        return [f"{name}: {len(mine)} cells in notebooks/, {len(want)} generated from solutions/"]
    problems = []
    for i, (a, b) in enumerate(zip(mine, want)):
        if a.cell_type != b.cell_type:
            problems.append(f"{name} cell {i}: {a.cell_type} vs {b.cell_type}")
        elif a.source != b.source:
            problems.append(f"{name} cell {i}: differs from the generated student cell "
                            f"({a.source[:60]!r}...)")
        elif nbgrader_meta(a) != nbgrader_meta(b):
            problems.append(f"{name} cell {i}: nbgrader metadata differs")
    return problems


def write_atomic(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook through a temporary file and a rename (never half-written);
    an existing file keeps its permissions."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_student(name: str, root: Path = ROOT) -> None:
    """Rewrite notebooks/NAME as the student version of solutions/NAME."""
    solution = nbformat.read(root / "solutions" / name, as_version=4)
    write_atomic(student_version(solution), root / "notebooks" / name)
    print(f"wrote notebooks/{name} from solutions/{name}")


# ------------------------------------------------------------------ nbgrader course
CONFIG = '''\
"""nbgrader configuration of the course folder made by tools/assignments.py course."""
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "dl-recsys-course"
# No CourseDirectory.root: nbgrader uses the folder it runs in, so this one can be moved.
# The released notebooks keep only the answer cells editable.
c.LockCells.lock_all_cells = True
# Notebooks 03-05 train models: give a cell time (quick mode: REC_COURSE_QUICK=1).
c.ExecutePreprocessor.timeout = 1800
'''


def build_course(dest: Path, names: list[str], root: Path = ROOT,
                 generate: bool = True) -> list[Path]:
    """An nbgrader course folder at ``dest``: ``nbgrader_config.py`` and, for each
    notebook NAME, ``source/NAME/NAME.ipynb`` (the solution, outputs cleared); then
    ``nbgrader generate_assignment`` makes ``release/NAME/NAME.ipynb``.

    Returns the source notebooks' paths.
    """
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    written = []
    for name in names:
        stem = Path(name).stem
        nb = nbformat.read(root / "solutions" / f"{stem}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        folder = dest / "source" / stem
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(nb, folder / f"{stem}.ipynb")
        written.append(folder / f"{stem}.ipynb")
        if generate:
            nbgrader(["generate_assignment", stem, "--force"], cwd=dest)
    return written


def nbgrader(args: list[str], cwd: Path, env: dict | None = None) -> None:
    """Run ``nbgrader ARGS`` (this Python's) in ``cwd``; raise with its log if it fails."""
    try:
        import nbgrader  # noqa: F401
    except ImportError as e:
        raise SystemExit(INSTALL_HINT) from e
    env = dict(os.environ if env is None else env)
    bindir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from PATH
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}")


# ------------------------------------------------------------------ drafting
def parse_percent(source: str) -> list:
    """Percent-format text -> the solution notebook's cells (see the module docstring)."""
    chunks = re.split(r"^# %%(.*)$", source, flags=re.M)
    cells = []
    for header, body in zip(chunks[1::2], chunks[2::2]):
        words = header.strip().strip("[]").split()
        body = body.strip("\n")
        markdown = bool(words) and words[0] == "markdown"
        role = words[1:] if markdown else words
        if markdown:
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                             for line in body.splitlines())
        cell = nbformat.v4.new_markdown_cell(body) if markdown else nbformat.v4.new_code_cell(body)
        if role:
            kind, grade_id, *points = role
            if kind == "answer":
                cell.metadata["nbgrader"] = answer_meta(
                    grade_id, float(points[0]) if points else None)
            elif kind == "test" and points and not markdown:
                cell.metadata["nbgrader"] = test_meta(grade_id, float(points[0]))
            else:
                raise ValueError(f"unknown cell header '# %%{header}' (answer ID [POINTS], "
                                 "test ID POINTS)")
        cells.append(cell)
    return cells


def draft(src: Path, root: Path = ROOT) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = parse_percent(src.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:03d}"
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    name = src.stem + ".ipynb"
    write_atomic(nb, root / "solutions" / name)
    write_student(name, root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    student = sub.add_parser("student", help="write notebooks/NAME from solutions/NAME")
    student.add_argument("names", nargs="*", metavar="NAME.ipynb")
    student.add_argument("--all", action="store_true", help="every solutions/*.ipynb")
    sub.add_parser("check", help="exit 1 if a student copy is not the generated one")
    course = sub.add_parser("course", help="an nbgrader course folder")
    course.add_argument("dest", type=Path)
    course.add_argument("names", nargs="*", metavar="NAME", help="default: every notebook")
    sub.add_parser("draft").add_argument("src", type=Path)
    args = parser.parse_args(argv)
    every = [p.name for p in sorted((ROOT / "solutions").glob("*.ipynb"))]
    if args.cmd == "student":
        if args.all == bool(args.names):
            parser.error("student takes NAME.ipynb ... or --all")
        for name in every if args.all else [Path(n).stem + ".ipynb" for n in args.names]:
            write_student(name)
    elif args.cmd == "check":
        problems = [p for name in every for p in drift(name)]
        print("\n".join(problems) or f"all {len(every)} student notebooks are generated "
              "from their solutions")
        return 1 if problems else 0
    elif args.cmd == "course":
        names = args.names or [Path(n).stem for n in every]
        build_course(args.dest, names)
        print(f"nbgrader course folder {args.dest}: source/ and release/ for "
              f"{len(names)} assignment(s); see docs/instructor.md")
    else:
        draft(args.src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
