"""Hyperparameter search on a validation split carved from train (never on test)."""

from __future__ import annotations

import itertools
import numbers
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from rec_course.evaluation import Evaluator, evaluate_ratings


def grid(**values: list) -> list[dict]:
    """All combinations: ``grid(a=[1, 2], b=[3])`` -> ``[{"a": 1, "b": 3}, {"a": 2, "b": 3}]``."""
    if not values or any(len(v) == 0 for v in values.values()):
        raise ValueError("grid needs at least one value for every parameter")
    keys = list(values)
    return [dict(zip(keys, combo)) for combo in itertools.product(*values.values())]


@dataclass
class SearchResult:
    """What :func:`grid_search` found: the table of candidates and the best fitted model.

    Attributes:
        table: one row per candidate (its parameters, the metric, fit seconds), best first.
        params: the best candidate's parameters (``{name: value}``, Python scalars).
        model: the best candidate, fitted on the search's train split (its ``history``
            is the learning curve of the chosen configuration).
        candidates: the parameter dicts that were searched.
        metric: the column that ranked them.
        value: the chosen candidate's metric (the best one's, or what
            :func:`cheapest_within` chose: not always the table's first row).
        models, values: with ``grid_search(..., keep_all=True)``, every fitted candidate
            and its metric, in the order of ``candidates`` (else empty);
            :func:`cheapest_within` needs them.

    It reads like its table (``search.head()``, ``search.iloc[0]``, ``search["rmse"]``),
    so it can be shown directly in a notebook.
    """

    table: pd.DataFrame
    params: dict
    model: object
    candidates: list[dict]
    metric: str
    models: list = field(default_factory=list)
    values: list = field(default_factory=list)
    value: float | None = None

    def __post_init__(self):
        if self.value is None and len(self.table):
            self.value = float(self.table[self.metric].iloc[0])

    def __getattr__(self, name):  # table-like reading: head(), iloc, round(), ...
        if name.startswith("__") or name in ("table", "params", "model", "candidates",
                                             "metric", "models", "values", "value"):
            raise AttributeError(name)
        return getattr(self.table, name)

    def __getitem__(self, key):
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    def _repr_html_(self):
        return self.table._repr_html_()

    def __repr__(self) -> str:
        return repr(self.table)


def _fmt_params(params: dict) -> str:
    return " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in params.items())


def grid_search(make_model: Callable[..., object], candidates: list[dict],
                train: pd.DataFrame, valid: pd.DataFrame, num_users: int, num_items: int,
                *, metric: str = "ndcg@10", k: int = 10, fit_valid: bool = False,
                keep_all: bool = False, verbose: bool = True, name: str = "") -> SearchResult:
    """Fit ``make_model(**params)`` on ``train`` for each candidate, score it on ``valid``.

    The validation protocol (seen and relevant matrices) is prepared once for all
    candidates; only the best fitted model is kept.

    Args:
        make_model: the model class, or any ``(**params) -> model`` (e.g. a
            ``functools.partial`` that fixes ``epochs`` and ``seed``).
        metric: a column of :func:`rec_course.evaluation.evaluate` (higher is better) or
            ``"rmse"`` (lower is better, via ``evaluate_ratings``).
        fit_valid: also pass ``valid`` to ``fit`` (for early stopping).
        keep_all: keep every fitted candidate (``SearchResult.models``), not only the best.
        verbose: print one line per candidate (parameters, metric, seconds) as it goes.
        name: prefix of those lines.

    Returns:
        :class:`SearchResult` (table best first, best parameters, best fitted model).
    """
    if not candidates:
        raise ValueError("no candidates to search")
    lower = metric == "rmse"
    evaluator = None if lower else Evaluator.shared(train, valid, k=k, num_users=num_users,
                                                    num_items=num_items)
    if evaluator is not None and metric not in evaluator(
            lambda u: np.zeros((len(u), num_items), np.float32)).columns:
        raise ValueError(f"unknown metric {metric!r}: use a column of evaluate() or 'rmse'")
    rows, best, best_value, kept = [], None, None, []
    for n, params in enumerate(candidates, 1):
        model = make_model(**params)
        start = time.perf_counter()
        model.fit(train, num_users, num_items, **({"valid": valid} if fit_valid else {}))
        seconds = time.perf_counter() - start
        if lower:
            value = float(evaluate_ratings(model, valid).iloc[0]["rmse"])
        else:
            value = float(evaluator(model).iloc[0][metric])
        rows.append({**params, metric: value, "fit_seconds": round(seconds, 2)})
        better = best_value is None or (value < best_value if lower else value > best_value)
        if better:
            best, best_value = (params, model), value
        if keep_all:
            kept.append(model)
        if verbose:
            print(f"{name}[{n}/{len(candidates)}] {_fmt_params(params)}: {metric} "
                  f"{value:.4f}{' *' if better else ''} ({seconds:.1f} s)", flush=True)
        del model
    table = pd.DataFrame(rows).sort_values(metric, ascending=lower, kind="stable"
                                           ).reset_index(drop=True)
    params = {key: (value.item() if hasattr(value, "item") else value)
              for key, value in best[0].items()}
    return SearchResult(table, params, best[1], list(candidates), metric, kept,
                        [row[metric] for row in rows] if keep_all else [])


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except ValueError:  # arrays
        return False


def cheapest_within(searches: list[SearchResult], tolerance: float,
                    cost: Callable[[dict], object], *, verbose: bool = True,
                    name: str = "") -> SearchResult:
    """Among the candidates of ``searches`` whose metric is within ``tolerance`` of the
    best one's, the cheapest by ``cost(params)`` (ties: the better metric).

    A gain smaller than the noise does not pay for a model that costs twice as much to
    train or serve (the "one standard error" rule of Hastie et al.): pass the noise (the
    yardstick of notebook 02) as ``tolerance`` and, for ``cost``, what makes a candidate
    slower, e.g. ``lambda p: (p["num_negatives"], p["embedding_dim"])``.

    Args:
        searches: results of :func:`grid_search` with ``keep_all=True``, on the same
            metric and validation split.

    Returns:
        A :class:`SearchResult` over all their candidates: the table (best first, with a
        ``chosen`` column), the chosen parameters and fitted model.
    """
    if not searches:
        raise ValueError("no searches to choose from")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    metric = searches[0].metric
    if any(s.metric != metric for s in searches):
        raise ValueError("the searches rank by different metrics")
    if any(not len(s.models) == len(s.values) == len(s.candidates) for s in searches):
        raise ValueError("cheapest_within needs grid_search(..., keep_all=True)")
    lower = metric == "rmse"
    pool = [c for s in searches for c in zip(s.candidates, s.models, s.values)]
    best_value = min(v for *_, v in pool) if lower else max(v for *_, v in pool)
    close = [c for c in pool if abs(c[2] - best_value) <= tolerance]
    params, model, value = min(close, key=lambda c: (cost(c[0]), c[2] if lower else -c[2]))
    table = pd.concat([s.table for s in searches], ignore_index=True).sort_values(
        metric, ascending=lower, kind="stable").reset_index(drop=True)
    table["chosen"] = [all(_same(row.get(key), value) for key, value in params.items())
                       for row in table.to_dict("records")]
    params = {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}
    if verbose:
        print(f"{name}chosen: {_fmt_params(params)}, {metric} {value:.4f}: the cheapest of the "
              f"{len(close)} candidate(s) within {tolerance:.4f} of the best "
              f"({best_value:.4f})", flush=True)
    return SearchResult(table, params, model, [c[0] for c in pool], metric,
                        [c[1] for c in pool], [c[2] for c in pool], float(value))


def best_params(search: "SearchResult | pd.DataFrame", candidates: list[dict] | None = None
                ) -> dict:
    """The parameters of the best row of :func:`grid_search` (its first row), as a dict.

    Args:
        search: what :func:`grid_search` returned, or its table (best first).
        candidates: the list of parameter dicts that was searched (names the columns;
            optional for a :class:`SearchResult`).

    Returns:
        ``{parameter: value}`` with Python scalars, ready for ``Model(**params)``.
    """
    if isinstance(search, SearchResult):
        candidates = candidates or search.candidates
        search = search.table
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
