"""Column names and constants shared by the whole course.

Every table of interactions has the columns below; every module imports the names from
here (never from a data loader), so a new data set only has to produce these columns.
"""

from __future__ import annotations

USER_ID = "user_id"
"""Column of user ids (raw ids in loaded data, 0-based indices after ``index_ids``)."""
ITEM_ID = "item_id"
"""Column of item ids (raw or 0-based indices, as for ``USER_ID``)."""
RATING = "rating"
"""Column of explicit ratings (MovieLens: 1-5 stars)."""
TIMESTAMP = "timestamp"
"""Column of interaction times (seconds since the epoch)."""
LABEL = "label"
"""Column of 0/1 targets in pointwise (click-style) examples."""

DUPLICATES = "last"
"""The one rule for repeated (user, item) pairs when a user-item matrix is built: the
*last* row in table order wins (a re-rating replaces the old rating). Every matrix
builder of the course (:func:`rec_course.data.sparse.interaction_matrix`) applies it."""

DEFAULT_K = 10
"""Length of the recommendation lists the course reports (nDCG@10 etc.)."""


def val_metric(metric: str) -> str:
    """Name of a metric measured on the validation split: ``"ndcg@10"`` -> ``"val_ndcg@10"``."""
    return f"val_{metric}"


def ranking_metric(k: int = DEFAULT_K, name: str = "ndcg") -> str:
    """Column name of a top-k metric: ``ranking_metric(10)`` -> ``"ndcg@10"``."""
    return f"{name}@{k}"
