"""Hyperparameter search on a validation split carved from train (never on test)."""

from __future__ import annotations

import itertools
import numbers
import time
from typing import Callable

import pandas as pd

from rec_course.evaluation import evaluate, evaluate_ratings


def grid(**values: list) -> list[dict]:
    """All combinations: ``grid(a=[1, 2], b=[3])`` -> ``[{"a": 1, "b": 3}, {"a": 2, "b": 3}]``."""
    if not values or any(len(v) == 0 for v in values.values()):
        raise ValueError("grid needs at least one value for every parameter")
    keys = list(values)
    return [dict(zip(keys, combo)) for combo in itertools.product(*values.values())]


def grid_search(make_model: Callable[..., object], candidates: list[dict],
                train: pd.DataFrame, valid: pd.DataFrame, num_users: int, num_items: int,
                *, metric: str = "ndcg@10", k: int = 10, fit_valid: bool = False
                ) -> pd.DataFrame:
    """Fit ``make_model(**params)`` on ``train`` for each candidate, score it on ``valid``.

    Args:
        metric: a column of :func:`rec_course.evaluation.evaluate` (higher is better) or
            ``"rmse"`` (lower is better, via ``evaluate_ratings``).
        fit_valid: also pass ``valid`` to ``fit`` (for early stopping).

    Returns:
        One row per candidate (its parameters, the metric, fit seconds), best first.
    """
    if not candidates:
        raise ValueError("no candidates to search")
    rows = []
    for params in candidates:
        model = make_model(**params)
        start = time.perf_counter()
        model.fit(train, num_users, num_items, **({"valid": valid} if fit_valid else {}))
        seconds = time.perf_counter() - start
        if metric == "rmse":
            value = float(evaluate_ratings(model, valid).iloc[0]["rmse"])
        else:
            value = float(evaluate(model, train, valid, k=k).iloc[0][metric])
        rows.append({**params, metric: value, "fit_seconds": round(seconds, 2)})
    out = pd.DataFrame(rows)
    return out.sort_values(metric, ascending=(metric == "rmse")).reset_index(drop=True)


def best_params(search: pd.DataFrame, candidates: list[dict]) -> dict:
    """The parameters of the best row of :func:`grid_search` (its first row), as a dict.

    Args:
        search: the table returned by :func:`grid_search` (best first).
        candidates: the list of parameter dicts that was searched; it names the columns.

    Returns:
        ``{parameter: value}`` with Python scalars, ready for ``Model(**params)``.
    """
    if search.empty or not candidates:
        raise ValueError("best_params needs a non-empty search table and its candidates")
    missing = [name for name in candidates[0] if name not in search.columns]
    if missing:
        raise ValueError(f"the search table has no column for {missing}")
    return search[list(candidates[0])].head(1).to_dict("records")[0]


def best_epoch(history: pd.DataFrame, metric: str, *, lowest: bool = False) -> int:
    """The epoch with the best validation value in a training history.

    Args:
        history: one row per epoch with an ``epoch`` column and ``metric`` (NaN on epochs
            without a validation check), like a fitted model's ``history``.
        metric: for example ``"val_ndcg@10"`` (higher is better) or ``"val_rmse"``
            (pass ``lowest=True``).

    Returns:
        The ``epoch`` value (1-based as recorded) of the best check; ties: the earliest.
    """
    if metric not in history.columns:
        raise ValueError(f"history has no column {metric!r}; it has {list(history.columns)}")
    checked = history.dropna(subset=[metric])
    if checked.empty:
        raise ValueError(f"history has no value of {metric!r}: was the model fitted with "
                         "a validation split?")
    best = checked[metric].idxmin() if lowest else checked[metric].idxmax()
    return int(checked.loc[best, "epoch"])


def at_edge(params: dict, candidates: list[dict], *,
            limits: dict[str, tuple] | None = None) -> dict[str, str]:
    """Which chosen values are the smallest or largest the search tried.

    A best value on the edge of its grid means the optimum may lie outside it: the grid
    should be extended before the choice is trusted. Only ordered parameters count
    (numbers, and tuples such as layer sizes, compared element by element); booleans,
    strings and parameters with a single value are skipped.

    Args:
        params: the chosen parameters (for example from :func:`best_params`).
        candidates: the parameter dicts that were searched.
        limits: ``{name: (low, high)}``, the range a parameter can take (``None`` for no
            bound). A choice at a limit, such as ``shrinkage=0``, cannot be extended and
            is not reported.

    Returns:
        ``{name: "smallest tried" | "largest tried"}``, empty when every choice is inside.
    """
    if not candidates:
        raise ValueError("at_edge needs the list of searched candidates")
    unknown = [name for name in params if name not in candidates[0]]
    if unknown:
        raise ValueError(f"{unknown} were not searched; candidates have {list(candidates[0])}")
    limits = limits or {}
    edges = {}
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (numbers.Number, tuple)):
            continue  # booleans and strings have no order to extend (numpy bools are no Number)
        tried = sorted({c[name] for c in candidates})
        if len(tried) < 2:
            continue
        low, high = limits.get(name, (None, None))
        if value == tried[0] and value != low:
            edges[name] = "smallest tried"
        elif value == tried[-1] and value != high:
            edges[name] = "largest tried"
    return edges


_SHORT = {"smallest tried": "min", "largest tried": "max"}


def edge_report(searches: dict[str, tuple[dict, list[dict]]], *,
                limits: dict[str, tuple] | None = None) -> pd.DataFrame:
    """:func:`at_edge` for several models at once, as a table to print under the results.

    Args:
        searches: ``{model name: (chosen params, searched candidates)}``.
        limits: as for :func:`at_edge`.

    Returns:
        One row per model: ``candidates`` (how many were fitted), ``searched`` (the
        parameters given more than one value, or ``"-"``) and ``on the edge``
        (``"dim=32 (max)"``: the largest value tried, ``(min)`` the smallest;
        comma-separated, or ``"-"`` when every searched choice is inside its grid).
    """
    rows = {}
    for name, (params, candidates) in searches.items():
        edges = at_edge(params, candidates, limits=limits)
        searched = [p for p in params if len({repr(c[p]) for c in candidates}) > 1]
        rows[name] = {"candidates": len(candidates), "searched": ", ".join(searched) or "-",
                      "on the edge": ", ".join(f"{p}={params[p]} ({_SHORT[where]})"
                                              for p, where in edges.items()) or "-"}
    return pd.DataFrame.from_dict(rows, orient="index")
