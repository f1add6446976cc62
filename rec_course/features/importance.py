"""Permutation importance of feature groups for the feature models of notebook 06.

Shuffling one feature among the users (or items) breaks its link with the label while
keeping its distribution; the loss of AUC that follows is how much the model relies on
it. The permuted feature tables are put back afterwards, whatever happens.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rec_course.metrics import auc


def _lookup(recommender):
    model = getattr(recommender, "model", None)
    lookup = getattr(model, "lookup", None)
    if lookup is None:
        raise TypeError(f"{type(recommender).__name__} is not a fitted feature model "
                        "(it needs model.lookup, the FeatureLookup layer)")
    return lookup


def permutation_importance(recommender, user_ids, item_ids, labels, *,
                           groups: dict[str, list[str]] | None = None, repeats: int = 3,
                           seed: int = 0) -> pd.DataFrame:
    """AUC lost when a group of fields is shuffled among users (user fields) or items.

    Args:
        recommender: a fitted :class:`~rec_course.models.feature_base.FeatureRecommender`.
        user_ids, item_ids, labels: (n,) click examples (indices, 0/1 labels).
        groups: ``{group name: [field, ...]}``; default: one group per field. The fields
            of a group on the same side are shuffled with one permutation (they move
            together); crosses built from them follow.
        repeats: shuffles per group (different permutations).
        seed: seed of the permutations.

    Returns:
        One row per group, most important first: ``group, fields, auc_drop`` (mean over
        repeats), ``auc_drop_std`` (ddof=1, NaN for one repeat), ``base_auc``.
    """
    lookup = _lookup(recommender)
    spec = lookup.spec
    if groups is None:
        groups = {f.name: [f.name] for f in spec.fields}
    if not groups:
        raise ValueError("no feature groups to permute")
    if repeats <= 0:
        raise ValueError(f"repeats must be positive, got {repeats}")
    for name, fields in groups.items():
        if not fields:
            raise ValueError(f"group {name!r} has no fields")
        for f in fields:
            spec.field(f)  # KeyError naming the known fields
    labels = np.asarray(labels)
    base = auc(labels, recommender.logits(user_ids, item_ids))
    rng = np.random.default_rng(seed)
    rows = []
    for name, fields in groups.items():
        drops = []
        for _ in range(repeats):
            perms = {"user": rng.permutation(spec.num_users),
                     "item": rng.permutation(spec.num_items)}
            originals = {f: np.asarray(lookup.tables[f]) for f in fields}
            try:
                for f in fields:
                    lookup.tables[f].assign(originals[f][perms[spec.field(f).side]])
                drops.append(base - auc(labels, recommender.logits(user_ids, item_ids)))
            finally:
                for f in fields:
                    lookup.tables[f].assign(originals[f])
        rows.append({"group": name, "fields": ", ".join(fields),
                     "auc_drop": float(np.mean(drops)),
                     "auc_drop_std": float(np.std(drops, ddof=1)) if repeats > 1 else np.nan,
                     "base_auc": base})
    return (pd.DataFrame(rows).sort_values("auc_drop", ascending=False, kind="stable")
            .reset_index(drop=True))
