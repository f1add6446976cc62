"""Exercises of notebook 00_setup_and_tour."""

from __future__ import annotations

import pandas as pd

from rec_course.exercises._check import Verdict, Wrong, close, run_check


def check_density(density: float, ratings: pd.DataFrame) -> Verdict:
    """Exercise 1: the share of the user-item matrix that holds a rating."""
    def body():
        n_users, n_items = ratings.user_id.nunique(), ratings.item_id.nunique()
        truth = len(ratings) / (n_users * n_items)
        if density is None:
            raise NotImplementedError
        if close(density, 1 - truth, 1e-4):
            raise Wrong(f"{density:.4f} is the sparsity (the empty share); the density is "
                        "ratings / (users x items).")
        if close(density, 100 * truth, 1e-4):
            raise Wrong("that is a percentage; give a fraction between 0 and 1.")
        if not close(density, truth, 1e-4):
            raise Wrong(f"{density!r} is off: divide the number of ratings by the number of "
                        "cells, users x items (count distinct ids).")
    return run_check("density", body)


def check_most_rated_title(title: str, ratings: pd.DataFrame, items: pd.DataFrame) -> Verdict:
    """Exercise 2: the title of the movie with the most ratings."""
    def body():
        if title is None:
            raise NotImplementedError
        counts = ratings.item_id.value_counts()
        titles = items.set_index("item_id").title
        truth = titles[counts.index[0]]
        best_mean = ratings.groupby("item_id").rating.mean().idxmax()
        if str(title).strip() == str(titles[best_mean]):
            raise Wrong("that is a movie with the highest *mean* rating; count ratings instead.")
        if str(title).strip() != truth:
            raise Wrong(f"{title!r} is not the most-rated movie: count rows per item_id "
                        "(value_counts) and look its title up in items.")
    return run_check("most rated movie", body)


def check_median_activity(user_activity, ratings: pd.DataFrame) -> Verdict:
    """Exercise 3: ``user_activity(ratings) -> Series`` of ratings per user."""
    def body():
        tiny = pd.DataFrame({"user_id": [1, 1, 1, 2, 3, 3], "item_id": [1, 2, 3, 1, 1, 2],
                             "rating": [5, 4, 3, 2, 1, 5]})
        got = user_activity(tiny)
        if not isinstance(got, pd.Series):
            raise Wrong(f"return a pandas Series indexed by user_id, got {type(got).__name__}.")
        if got.to_dict() != {1: 3, 2: 1, 3: 2}:
            raise Wrong(f"on a table where user 1 has 3 ratings, user 2 has 1 and user 3 has 2, "
                        f"you returned {got.to_dict()}.")
        real = user_activity(ratings)
        if real.median() != ratings.user_id.value_counts().median():
            raise Wrong("the tiny table works but MovieLens does not: count rows per user.")
    return run_check("ratings per user", body)
