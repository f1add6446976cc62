"""Keep student notebooks (notebooks/) and solution notebooks (solutions/) in step.

Cells tagged ``exercise`` (cell metadata ``tags``) are the only cells allowed to differ:
the student copy holds the task and a stub, the solution copy the worked answer. Every
other cell is shared.

    python tools/nbsync.py build SRC.py        # percent-format source -> both notebooks
    python tools/nbsync.py sync NAME.ipynb     # copy shared cells notebooks/ -> solutions/
    python tools/nbsync.py check               # exit 1 if any pair has drifted
    python tools/nbsync.py derive NAME.ipynb   # executed solutions/NAME -> notebooks/NAME
    python tools/nbsync.py derive --all        # ... for every pair (make course does this)

``derive`` is the way back after ``make course`` executed a solution notebook: the
student copy keeps its own exercise cells (outputs cleared, no execution count) and
takes every other cell, outputs included, from the solution.

Percent format for ``build`` (used to draft a new notebook; the .ipynb files are the
source of truth afterwards): ``# %% [markdown]`` starts a markdown cell, ``# %%`` a code
cell, and ``# %% [exercise]`` / ``# %% [markdown exercise]`` an exercise cell whose text
holds the student version, then a line ``# --- solution ---``, then the solution version.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SPLIT = "# --- solution ---"
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def is_exercise(cell) -> bool:
    return "exercise" in cell.get("metadata", {}).get("tags", [])


def _strip_md(text: str) -> str:
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                     for line in text.splitlines())


def parse_percent(source: str) -> tuple[list, list]:
    """Percent-format text -> (student cells, solution cells)."""
    chunks = re.split(r"^# %%(.*)$", source, flags=re.M)
    student, solution = [], []
    for header, body in zip(chunks[1::2], chunks[2::2]):
        kind = header.strip().strip("[]").split()
        body = body.strip("\n")
        markdown, exercise = "markdown" in kind, "exercise" in kind
        parts = body.split(SPLIT) if exercise else [body, body]
        if len(parts) != 2:
            raise ValueError(f"exercise cell needs exactly one '{SPLIT}' line:\n{body[:200]}")
        for target, text in zip((student, solution), parts):
            text = text.strip("\n")
            text = _strip_md(text) if markdown else text
            cell = (nbformat.v4.new_markdown_cell(text) if markdown
                    else nbformat.v4.new_code_cell(text))
            if exercise:
                cell.metadata["tags"] = ["exercise"]
            target.append(cell)
    return student, solution


def _notebook(cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _ids(student, solution) -> None:
    for i, (a, b) in enumerate(zip(student, solution)):  # same ids on both sides
        a.id = b.id = f"c{i:03d}"


def build(src: Path) -> None:
    student, solution = parse_percent(src.read_text(encoding="utf-8"))
    _ids(student, solution)
    name = src.stem + ".ipynb"
    nbformat.write(_notebook(student), ROOT / "notebooks" / name)
    nbformat.write(_notebook(solution), ROOT / "solutions" / name)
    print(f"wrote notebooks/{name} and solutions/{name} ({len(student)} cells)")


def drift(name: str, root: Path = ROOT) -> list[str]:
    """Differences in shared cells between notebooks/NAME and solutions/NAME."""
    a = nbformat.read(root / "notebooks" / name, as_version=4).cells
    b = nbformat.read(root / "solutions" / name, as_version=4).cells
    problems = []
    if len(a) != len(b):
        return [f"{name}: {len(a)} cells in notebooks/, {len(b)} in solutions/"]
    for i, (x, y) in enumerate(zip(a, b)):
        if is_exercise(x) != is_exercise(y):
            problems.append(f"{name} cell {i}: tagged exercise on one side only")
        elif x.cell_type != y.cell_type:
            problems.append(f"{name} cell {i}: {x.cell_type} vs {y.cell_type}")
        elif not is_exercise(x) and x.source != y.source:
            problems.append(f"{name} cell {i}: shared cell differs ({x.source[:60]!r}...)")
    return problems


def sync(name: str) -> None:
    a = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    b = nbformat.read(ROOT / "solutions" / name, as_version=4)
    solutions = [c for c in b.cells if is_exercise(c)]
    if len(solutions) != sum(is_exercise(c) for c in a.cells):
        raise SystemExit(f"{name}: the two sides have different numbers of exercise cells")
    it = iter(solutions)
    b.cells = [next(it) if is_exercise(c) else c for c in a.cells]
    nbformat.write(b, ROOT / "solutions" / name)
    print(f"synced solutions/{name}")


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


def derived(student: nbformat.NotebookNode,
            solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook rebuilt from an executed solution (cells paired in order).

    Exercise cells come from ``student`` with outputs, execution count and execution
    metadata removed (the learner has not run them); every other cell, and the notebook
    metadata, come from ``solution``, outputs included.
    """
    out = copy.deepcopy(solution)
    out.cells = []
    for mine, theirs in zip(student.cells, solution.cells, strict=True):
        if not is_exercise(mine):
            out.cells.append(copy.deepcopy(theirs))
            continue
        cell = copy.deepcopy(mine)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        out.cells.append(cell)
    return out


def derive(name: str, root: Path = ROOT) -> None:
    """Rewrite notebooks/NAME from the executed solutions/NAME (see :func:`derived`).

    Refuses when the pair has drifted: a shared cell edited only in the student copy
    would otherwise be lost (run ``sync`` first).
    """
    problems = drift(name, root)
    if problems:
        raise SystemExit("cannot derive, the pair has drifted (run sync first):\n"
                         + "\n".join(problems))
    student = nbformat.read(root / "notebooks" / name, as_version=4)
    solution = nbformat.read(root / "solutions" / name, as_version=4)
    write_atomic(derived(student, solution), root / "notebooks" / name)
    print(f"derived notebooks/{name} from solutions/{name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build").add_argument("src", type=Path)
    sub.add_parser("sync").add_argument("name")
    sub.add_parser("check")
    derive_cmd = sub.add_parser("derive")
    derive_cmd.add_argument("names", nargs="*", metavar="NAME.ipynb")
    derive_cmd.add_argument("--all", action="store_true", help="every notebooks/*.ipynb")
    args = parser.parse_args()
    if args.cmd == "build":
        build(args.src)
    elif args.cmd == "sync":
        sync(Path(args.name).name)
    elif args.cmd == "derive":
        if args.all == bool(args.names):
            parser.error("derive takes NAME.ipynb ... or --all")
        names = ([p.name for p in sorted((ROOT / "notebooks").glob("*.ipynb"))] if args.all
                 else [Path(n).stem + ".ipynb" for n in args.names])
        for name in names:
            derive(name)
    else:
        problems = [p for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))
                    for p in drift(nb.name)]
        print("\n".join(problems) or "notebooks and solutions are in step")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
