"""Small plotting helpers shared by the notebooks (matplotlib, modest sizes)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def pca_2d(x: np.ndarray) -> np.ndarray:
    """Project rows of ``x`` (n, d) onto their first two principal components: (n, 2)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"need a 2-D array with at least 2 rows, got shape {x.shape}")
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T


def plot_history(history: pd.DataFrame, metric: str, title: str = "", ax=None):
    """Training loss (left axis) and a validation metric (right axis) per epoch.

    Args:
        history: a model's ``history`` DataFrame with ``epoch``, ``loss`` and ``metric``.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    lines = ax.plot(history["epoch"], history["loss"], color="tab:blue", lw=2,
                    label="train loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("train loss", color="tab:blue")
    if metric in history.columns:
        valid = history.dropna(subset=[metric])
        ax2 = ax.twinx()
        marker = "o" if len(valid) <= 30 else None    # markers would hide a long curve
        lines += ax2.plot(valid["epoch"], valid[metric], marker=marker, ms=4, ls="--",
                          color="tab:orange", label=metric)
        ax2.set_ylabel(metric, color="tab:orange")
    ax.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)
    ax.set_title(title)
    return ax


def item_titles(item_index, id_map, items: pd.DataFrame) -> np.ndarray:
    """Titles of items given by index (as used by the models): (n,) array of str."""
    raw = id_map.item_ids[np.asarray(item_index)]
    return items.set_index("item_id").loc[raw, "title"].to_numpy()


def with_titles(recommendations: pd.DataFrame, id_map, items: pd.DataFrame) -> pd.DataFrame:
    """Add a ``title`` column to a frame with an ``item_id`` column of indices."""
    return recommendations.assign(title=item_titles(recommendations["item_id"], id_map, items))


def show_code(*objects) -> None:
    """Display the source code of package functions or classes in the notebook (syntax
    highlighted), so the Keras code a notebook trains is in view and never copied."""
    import inspect

    from IPython.display import Code, display

    for obj in objects:
        display(Code(inspect.getsource(obj), language="python"))
