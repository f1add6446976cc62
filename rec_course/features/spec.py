"""The feature specification: user and item tables -> integer feature indices.

Each *field* is a categorical feature of the user or of the item, stored as a table of
indices ``(num_users or num_items, length)``: length 1 for single-valued fields (age
bucket, occupation), more for multi-valued ones (an item's genres), padded with
:data:`PAD`. Index :data:`OOV` is the out-of-vocabulary bucket: a value never seen in
train (a new user's id, a test-only zip prefix) lands there. Vocabularies come from the
train split only, through Keras preprocessing layers (``StringLookup`` for ids and
categories, ``Discretization`` for age and release year). *Crosses* pair two fields
(occupation x genre, item x gender); the models hash them inside the graph with
``keras.layers.HashedCrossing``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rec_course.data.sampling import sample_negatives
from rec_course.data.sparse import interaction_matrix
from rec_course.schema import ITEM_ID, LABEL, RATING, USER_ID

PAD = 0
"""Index of padding (no value) in every field."""
OOV = 1
"""Index of the out-of-vocabulary bucket in every field."""

AGE_BOUNDARIES = (18, 25, 35, 45, 50, 56)       # MovieLens-1M's age groups
YEAR_BOUNDARIES = (1950, 1970, 1980, 1990, 1995)  # release year buckets
USER_COLUMNS = (USER_ID, "age", "gender", "occupation", "zip_code")
ITEM_COLUMNS = (ITEM_ID, "year", "genres")


@dataclass(frozen=True)
class Field:
    """One categorical feature: ``vocab_size`` indices (PAD and OOV included), ``length``
    values per row, of the user (``side="user"``) or of the item. ``vocabulary[i - 2]``
    is the value (or bucket, e.g. ``"25-34"``) that index ``i`` stands for."""

    name: str
    side: str
    vocab_size: int
    length: int = 1
    vocabulary: tuple = ()


@dataclass(frozen=True)
class Cross:
    """A hashed cross of two fields (``first`` x ``second``, e.g. occupation x genres)
    into ``bins`` buckets; at most one of the two may be multi-valued."""

    name: str
    first: str
    second: str
    bins: int


def _lookup(values: np.ndarray, vocabulary: np.ndarray) -> np.ndarray:
    """Strings -> indices with a Keras StringLookup: "" -> PAD, unseen -> OOV, vocab from 2."""
    import keras

    layer = keras.layers.StringLookup(vocabulary=list(vocabulary), mask_token="",
                                      num_oov_indices=1)
    return np.asarray(layer(values.astype(str)), dtype=np.int32)


def _bucketize(values: np.ndarray, boundaries) -> np.ndarray:
    """Numbers -> bucket indices with a Keras Discretization (NaN -> OOV), shifted by 2."""
    import keras

    layer = keras.layers.Discretization(bin_boundaries=list(boundaries))
    missing = np.isnan(values)
    out = np.asarray(layer(np.where(missing, 0.0, values).astype(np.float32)), np.int32) + 2
    return np.where(missing, OOV, out).astype(np.int32)


def bucket_labels(boundaries) -> tuple[str, ...]:
    """Names of the buckets of ``Discretization(boundaries)``: ``("<18", "18-24", ...,
    "56+")`` for integer boundaries."""
    b = [int(x) for x in boundaries]
    return (f"<{b[0]}",) + tuple(f"{lo}-{hi - 1}" for lo, hi in zip(b, b[1:])) + (f"{b[-1]}+",)


def _check_columns(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it needs {list(columns)}")


class FeatureSpec:
    """Feature tables for every user and item, with vocabularies fitted on train only.

    Build with :meth:`fit`. Attributes:
        fields: the :class:`Field` s, user fields first.
        crosses: the :class:`Cross` es the models hash.
        user_table: ``{field: (num_users, length) int32}``.
        item_table: ``{field: (num_items, length) int32}``.
    """

    def __init__(self, fields: list[Field], crosses: list[Cross],
                 user_table: dict[str, np.ndarray], item_table: dict[str, np.ndarray]):
        self.fields, self.crosses = list(fields), list(crosses)
        self.user_table, self.item_table = user_table, item_table

    @classmethod
    def fit(cls, train: pd.DataFrame, users: pd.DataFrame, items: pd.DataFrame, ids,
            *, zip_digits: int = 1, cross_bins: int = 1000,
            crosses: tuple[tuple[str, str], ...] = (("occupation", "genres"),
                                                     ("age", "genres"),
                                                     ("gender", "genres"))
            ) -> "FeatureSpec":
        """Fit vocabularies on ``train`` and encode every user and item.

        Args:
            train: indexed interactions (vocabularies of ids and categories are taken from
                the users and items that occur here only).
            users: MovieLens users table (raw ``user_id``, age, gender, occupation, zip_code).
            items: MovieLens items table (raw ``item_id``, year, genres list).
            ids: the :class:`~rec_course.data.IdMap` that indexed ``train``.
            zip_digits: leading characters of the zip code kept.
            cross_bins: buckets of each hashed cross.
            crosses: pairs of fields to cross (any two fields, at most one of them
                multi-valued).
        """
        _check_columns(users, USER_COLUMNS, "users")
        _check_columns(items, ITEM_COLUMNS, "items")
        if len(train) == 0:
            raise ValueError("train is empty: there is nothing to fit vocabularies on")
        if users["age"].isna().any():
            raise ValueError("users.age holds NaN: every numeric feature needs a value "
                             "(fill or drop those users first)")
        u = users.set_index(USER_ID).reindex(ids.user_ids)
        it = items.set_index(ITEM_ID).reindex(ids.item_ids)
        if u["age"].isna().any():
            raise ValueError("users lacks rows for some indexed users: pass the full table")
        train_users = np.unique(train[USER_ID].to_numpy())
        train_items = np.unique(train[ITEM_ID].to_numpy())
        user_cats = {
            "user": np.arange(ids.num_users).astype(str),
            "gender": u["gender"].to_numpy(str),
            "occupation": u["occupation"].to_numpy(str),
            "zip": u["zip_code"].astype(str).str[:zip_digits].to_numpy(str),
        }
        user_table, item_table, fields = {}, {}, []
        for name, values in user_cats.items():
            vocab = np.unique(values[train_users])
            user_table[name] = _lookup(values, vocab)[:, None]
            fields.append(Field(name, "user", len(vocab) + 2, 1, tuple(vocab)))
        user_table["age"] = _bucketize(u["age"].to_numpy(np.float64), AGE_BOUNDARIES)[:, None]
        fields.append(Field("age", "user", len(AGE_BOUNDARIES) + 3, 1,
                            bucket_labels(AGE_BOUNDARIES)))
        item_values = np.arange(ids.num_items).astype(str)
        vocab = np.unique(item_values[train_items])
        item_table["item"] = _lookup(item_values, vocab)[:, None]
        fields.append(Field("item", "item", len(vocab) + 2, 1, tuple(vocab)))
        years = pd.to_numeric(it["year"], errors="coerce").astype("float64").to_numpy()
        item_table["year"] = _bucketize(years, YEAR_BOUNDARIES)[:, None]
        fields.append(Field("year", "item", len(YEAR_BOUNDARIES) + 3, 1,
                            bucket_labels(YEAR_BOUNDARIES)))
        genre_lists = [list(g) if isinstance(g, (list, tuple, np.ndarray)) else []
                       for g in it["genres"]]
        length = max(1, max(len(g) for g in genre_lists))
        padded = np.array([g + [""] * (length - len(g)) for g in genre_lists], dtype=object)
        vocab = np.unique([g for i in train_items for g in genre_lists[i]])
        item_table["genres"] = _lookup(padded.astype(str), vocab)
        fields.append(Field("genres", "item", len(vocab) + 2, length, tuple(vocab)))
        if cross_bins <= 0:
            raise ValueError(f"cross_bins must be positive, got {cross_bins}")
        by_name = {f.name: f for f in fields}
        cross_list = []
        for a, b in crosses:
            for name in (a, b):
                if name not in by_name:
                    raise KeyError(f"unknown feature {name!r} in a cross; fields: "
                                   f"{sorted(by_name)}")
            if a == b:
                raise ValueError(f"a cross needs two different fields, got {a!r} twice")
            if by_name[a].length > 1 and by_name[b].length > 1:
                raise ValueError(f"cannot cross two multi-valued fields ({a!r} x {b!r})")
            cross_list.append(Cross(f"{a}_x_{b}", a, b, cross_bins))
        return cls(fields, cross_list, user_table, item_table)

    # ------------------------------------------------------------------ reading
    def field(self, name: str) -> Field:
        """The field called ``name`` (KeyError naming the known fields otherwise)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"unknown feature {name!r}; fields: {[f.name for f in self.fields]}")

    @property
    def num_users(self) -> int:
        if not self.user_table:
            raise ValueError("this spec has no user field: keep at least one (e.g. 'user')")
        return len(next(iter(self.user_table.values())))

    @property
    def num_items(self) -> int:
        if not self.item_table:
            raise ValueError("this spec has no item field: keep at least one (e.g. 'item')")
        return len(next(iter(self.item_table.values())))

    def without(self, *names: str) -> "FeatureSpec":
        """A copy without the given fields (and the crosses that use them)."""
        for name in names:
            self.field(name)
        keep = [f for f in self.fields if f.name not in names]
        crosses = [c for c in self.crosses if c.first not in names
                   and c.second not in names]
        return FeatureSpec(keep, crosses,
                           {k: v for k, v in self.user_table.items() if k not in names},
                           {k: v for k, v in self.item_table.items() if k not in names})

    def only(self, *names: str) -> "FeatureSpec":
        """A copy with only the given fields (no crosses unless both parts are kept)."""
        for name in names:
            self.field(name)
        return self.without(*[f.name for f in self.fields if f.name not in names])

    def labels(self, name: str) -> list[str]:
        """Readable value of every index of field ``name``: ``["PAD", "OOV", value, ...]``."""
        f = self.field(name)
        return ["PAD", "OOV"] + [str(v) for v in f.vocabulary]

    def table(self, name: str) -> np.ndarray:
        """(num_users or num_items, length) indices of field ``name``."""
        side = self.field(name).side
        return (self.user_table if side == "user" else self.item_table)[name]

    def features(self, user_ids: np.ndarray, item_ids: np.ndarray) -> dict[str, np.ndarray]:
        """Feature indices of (user, item) pairs: ``{field: (n, length) int32}``."""
        user_ids, item_ids = np.asarray(user_ids), np.asarray(item_ids)
        for ids_, n, kind in ((user_ids, self.num_users, "user"), (item_ids, self.num_items, "item")):
            bad = ids_[(ids_ < 0) | (ids_ >= n)]
            if bad.size:
                raise KeyError(f"unknown {kind} index(es) {np.unique(bad)[:5].tolist()}: "
                               f"valid range is 0..{n - 1}")
        return {f.name: self.table(f.name)[user_ids if f.side == "user" else item_ids]
                for f in self.fields}


def click_examples(interactions: pd.DataFrame, known: "object", num_items: int, *,
                   num_negatives: int = 1, threshold: float = 4.0, seed: int = 0,
                   candidates: np.ndarray | None = None) -> pd.DataFrame:
    """Click-style examples: each rating >= ``threshold`` is a positive (label 1), paired
    with ``num_negatives`` sampled items the user has not interacted with (label 0).

    Args:
        interactions: indexed ratings (user_id, item_id, rating).
        known: (num_users, num_items) CSR of every interaction that must not be sampled
            as a negative (e.g. train and test together), or a DataFrame to build it from.
        num_negatives: negatives per positive (uniform, the sampler of notebook 01).
        candidates: optional item ids the negatives are drawn from (e.g. only the
            held-out items of a cold-start split); default: every item.

    Returns:
        DataFrame ``user_id, item_id, label`` (positives first, then negatives).
    """
    if RATING not in interactions.columns:
        raise ValueError("click_examples needs a rating column (positives are ratings >= "
                         f"{threshold})")
    if isinstance(known, pd.DataFrame):
        num_users = int(max(known[USER_ID].max(), interactions[USER_ID].max()) + 1)
        known = interaction_matrix(known, num_users, num_items)
    pos = interactions[interactions[RATING] >= threshold]
    if pos.empty:
        raise ValueError(f"no rating >= {threshold}: no positive examples")
    if candidates is not None:  # every other item counts as known: it is never drawn
        candidates = np.unique(np.asarray(candidates, dtype=np.int64))
        if candidates.size == 0 or candidates.min() < 0 or candidates.max() >= num_items:
            raise ValueError(f"candidates must be item ids in 0..{num_items - 1}")
        others = np.setdiff1d(np.arange(num_items), candidates)
        block = sp.csr_matrix((np.ones(known.shape[0] * others.size, np.float32),
                               np.tile(others, known.shape[0]),
                               np.arange(known.shape[0] + 1) * others.size),
                              shape=known.shape)
        known = ((sp.csr_matrix(known) != 0) + block).tocsr()
    users = pos[USER_ID].to_numpy()
    neg = sample_negatives(known, users, num_negatives, seed=seed)
    return pd.DataFrame({
        USER_ID: np.concatenate([users, np.repeat(users, num_negatives)]),
        ITEM_ID: np.concatenate([pos[ITEM_ID].to_numpy(), neg.ravel()]),
        LABEL: np.concatenate([np.ones(len(users)), np.zeros(len(users) * num_negatives)]
                              ).astype(np.float32),
    })
