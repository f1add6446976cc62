"""Train/test splits. Every split is seeded through a local generator.

- :func:`stratified_split`: per-user (default) or per-item random split, the split of
  Microsoft Recommenders' deep-dive notebooks (per user, 75/25); their benchmark table
  stratifies per item (``by="item"``), so say which one when numbers are compared.
- :func:`leave_last_out`: each user's last ``n`` interactions by time (sequences).
- :func:`temporal_split`: one global time cut-off; the test is entirely in the future.
- :func:`cold_start_split`: a fraction of users and of items held out entirely (no row
  in train), for models that must score users and items they never saw.

A validation split for tuning is carved from *train* with the same functions
(:func:`train_validation_split`): never tune on test.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from rec_course.schema import ITEM_ID, TIMESTAMP, USER_ID
from rec_course.data.preprocessing import validate_interactions


def _check_fraction(test_size: float) -> None:
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1), got {test_size!r}")


def stratified_split(df: pd.DataFrame, test_size: float = 0.25, *, by: str = "user",
                     seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random split within each user (``by="user"``) or each item (``by="item"``).

    Each group's rows are shuffled and the first ``max(1, round_half_up(n * (1 -
    test_size)))`` go to train, so every group keeps at least one train row and about
    ``1 - test_size`` of its rows in train.

    Returns:
        (train, test): two DataFrames with the columns of ``df``, original row order.
    """
    validate_interactions(df)
    _check_fraction(test_size)
    if by not in ("user", "item"):
        raise ValueError(f"by must be 'user' or 'item', got {by!r}")
    key = USER_ID if by == "user" else ITEM_ID
    rng = np.random.default_rng(seed)
    shuffled = df.assign(_r=rng.random(len(df)))
    rank = shuffled.groupby(key)["_r"].rank(method="first") - 1  # 0-based position
    size = shuffled.groupby(key)[key].transform("size")
    # round half up (np.round rounds halves to even), and keep at least one train row
    n_train = np.maximum(1, np.floor(size * (1.0 - test_size) + 0.5))
    in_train = (rank < n_train).to_numpy()
    return df[in_train].reset_index(drop=True), df[~in_train].reset_index(drop=True)


def leave_last_out(df: pd.DataFrame, n: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each user's last ``n`` interactions (by timestamp, ties by item id) go to test.

    Users with ``n`` or fewer interactions stay wholly in train.
    """
    validate_interactions(df, require=(USER_ID, ITEM_ID, TIMESTAMP))
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    ordered = df.sort_values([USER_ID, TIMESTAMP, ITEM_ID], kind="stable")
    from_end = ordered.groupby(USER_ID).cumcount(ascending=False)
    size = ordered.groupby(USER_ID)[USER_ID].transform("size")
    in_test = (from_end < n) & (size > n)
    return (ordered[~in_test].reset_index(drop=True),
            ordered[in_test].reset_index(drop=True))


def temporal_split(df: pd.DataFrame, test_size: float = 0.25
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Global cut-off: the latest ``test_size`` fraction of interactions is test.

    Rows are ordered by (timestamp, user, item) and cut at one position, so train holds
    no interaction later than any test interaction.
    """
    validate_interactions(df, require=(USER_ID, ITEM_ID, TIMESTAMP))
    _check_fraction(test_size)
    ordered = df.sort_values([TIMESTAMP, USER_ID, ITEM_ID], kind="stable")
    cut = int(round(len(ordered) * (1.0 - test_size)))
    return ordered.iloc[:cut].reset_index(drop=True), ordered.iloc[cut:].reset_index(drop=True)


class ColdStartSplit(NamedTuple):
    """The parts of :func:`cold_start_split` (indexed interactions, original row order)."""

    warm: pd.DataFrame        # neither the user nor the item is held out: train on this
    cold_users: pd.DataFrame  # held-out users x warm items
    cold_items: pd.DataFrame  # warm users x held-out items
    both_cold: pd.DataFrame   # held-out users x held-out items (usually left out)
    users: np.ndarray         # (n_cold_users,) held-out user ids, sorted
    items: np.ndarray         # (n_cold_items,) held-out item ids, sorted


def cold_start_split(df: pd.DataFrame, *, user_fraction: float = 0.1,
                     item_fraction: float = 0.1, seed: int = 42) -> ColdStartSplit:
    """Hold out ``user_fraction`` of the users and ``item_fraction`` of the items
    entirely, drawn uniformly at random with ``seed``.

    Every interaction lands in exactly one part: ``warm`` (train on it; no held-out user
    or item appears there), ``cold_users``, ``cold_items`` or ``both_cold``.
    """
    validate_interactions(df)
    for name, fraction in (("user_fraction", user_fraction), ("item_fraction", item_fraction)):
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"{name} must be in (0, 1), got {fraction!r}")
    rng = np.random.default_rng(seed)
    all_users, all_items = np.unique(df[USER_ID]), np.unique(df[ITEM_ID])
    users = np.sort(rng.choice(all_users, max(1, round(user_fraction * len(all_users))),
                               replace=False))
    items = np.sort(rng.choice(all_items, max(1, round(item_fraction * len(all_items))),
                               replace=False))
    cold_u, cold_i = df[USER_ID].isin(users).to_numpy(), df[ITEM_ID].isin(items).to_numpy()
    part = lambda mask: df[mask].reset_index(drop=True)
    split = ColdStartSplit(part(~cold_u & ~cold_i), part(cold_u & ~cold_i),
                           part(~cold_u & cold_i), part(cold_u & cold_i), users, items)
    if split.warm.empty:
        raise ValueError("no interaction is left for training: lower the fractions")
    return split


def train_validation_split(train: pd.DataFrame, valid_size: float = 0.1, *,
                           method: str = "stratified", seed: int = 7
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Carve a validation split from ``train`` for tuning, with the test's protocol.

    ``method`` is ``"stratified"`` (per user), ``"leave-last-out"`` (one per user) or
    ``"temporal"``. The default seed differs from the test split's on purpose.
    """
    if method == "stratified":
        return stratified_split(train, valid_size, by="user", seed=seed)
    if method == "leave-last-out":
        return leave_last_out(train, n=1)
    if method == "temporal":
        return temporal_split(train, valid_size)
    raise ValueError(f"method must be 'stratified', 'leave-last-out' or 'temporal', "
                     f"got {method!r}")
