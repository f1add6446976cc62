"""Shared column names and the one rule for repeated (user, item) pairs."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd

from rec_course import data, schema
from rec_course.config import REPO_ROOT
from rec_course.models import als, autorec


def test_columns_come_from_the_schema_module():
    assert (data.USER_ID, data.ITEM_ID, data.RATING) == (schema.USER_ID, schema.ITEM_ID,
                                                         schema.RATING)
    for path in (REPO_ROOT / "rec_course").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "rec_course.data.movielens":
                names = {a.name for a in node.names}
                assert not names & {"USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"}, path.name


def test_duplicates_keep_the_last_rating_in_every_matrix():
    df = pd.DataFrame({"user_id": [0, 0, 1], "item_id": [1, 1, 0], "rating": [2.0, 5.0, 3.0],
                       "timestamp": [1, 2, 3]})
    assert schema.DUPLICATES == "last"
    r = data.interaction_matrix(df, 2, 2, values="rating")
    assert r[0, 1] == 5.0 and r.nnz == 2
    assert data.interaction_matrix(df, 2, 2)[0, 1] == 1.0
    # the rating models build their matrices with the same rule (no summing to 7)
    model = autorec.AutoRec(hidden_dim=2, epochs=1, batch_size=2).fit(df, 2, 2)
    assert model._vectors.max() == 5.0
    assert als.ExplicitALS(embedding_dim=1, iterations=1).fit(df, 2, 2).predict([0], [1]) <= 5


def test_metric_names():
    assert schema.ranking_metric(10) == "ndcg@10"
    assert schema.val_metric(schema.ranking_metric(5, "recall")) == "val_recall@5"
