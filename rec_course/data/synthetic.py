"""Synthetic interaction data with planted structure, for tests that must show a model
learns without MovieLens.

Users and items get latent vectors from ``num_factors`` clusters; a user's affinity to
an item is the dot product of their vectors plus an item popularity term drawn from a
Zipf-like law. Each user interacts with the items of highest affinity plus noise, so
the ground truth is low-rank with a long popularity tail: a collaborative model should
beat the popularity baseline by a clear margin, and popularity should beat random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rec_course.schema import ITEM_ID, RATING, TIMESTAMP, USER_ID


def make_synthetic(
    num_users: int = 300,
    num_items: int = 200,
    num_factors: int = 4,
    interactions_per_user: int = 30,
    popularity_weight: float = 1.0,
    noise: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Draw a ratings table with planted low-rank structure and popularity skew.

    Args:
        num_users, num_items: size of the catalogue; ids are 0..n-1.
        num_factors: number of latent clusters (the planted rank).
        interactions_per_user: items per user (each user rates this many distinct items).
        popularity_weight: weight of the item popularity term (0: none).
        noise: std of Gumbel-like noise added before picking items.
        seed: seed of a local generator (global state is never touched).

    Returns:
        DataFrame (num_users * interactions_per_user, 4): user_id, item_id, rating
        (1..5, higher for higher affinity), timestamp (seconds, in random order per user).
    """
    if min(num_users, num_items, num_factors, interactions_per_user) <= 0:
        raise ValueError("num_users, num_items, num_factors and interactions_per_user "
                         "must all be positive")
    if interactions_per_user > num_items:
        raise ValueError(f"interactions_per_user={interactions_per_user} exceeds "
                         f"num_items={num_items}")
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(num_factors, num_factors)) * 2.0
    user_cluster = rng.integers(num_factors, size=num_users)
    item_cluster = rng.integers(num_factors, size=num_items)
    user_vec = centers[user_cluster] + 0.3 * rng.normal(size=(num_users, num_factors))
    item_vec = centers[item_cluster] + 0.3 * rng.normal(size=(num_items, num_factors))
    affinity = user_vec @ item_vec.T / num_factors  # (num_users, num_items)
    ranks = rng.permutation(num_items) + 1
    popularity = np.log(1.0 / ranks)  # Zipf: log p(i) ~ -log rank
    popularity = (popularity - popularity.mean()) / popularity.std()
    utility = affinity + popularity_weight * popularity
    noisy = utility + noise * rng.gumbel(size=utility.shape)
    chosen = np.argsort(-noisy, axis=1)[:, :interactions_per_user]  # (num_users, per_user)
    users = np.repeat(np.arange(num_users), interactions_per_user)
    items = chosen.ravel()
    u = utility[users, items]
    # ratings 1..5 from the within-user rank of the utility
    pct = (u - u.min()) / (u.max() - u.min() + 1e-12)
    ratings = np.clip(np.round(1 + 4 * pct), 1, 5)
    per_user_order = np.tile(np.arange(interactions_per_user), (num_users, 1))
    times = rng.permuted(per_user_order, axis=1).ravel() * 3600 + 1_000_000_000
    order = rng.permutation(len(users))  # so that file order carries no signal
    return pd.DataFrame({
        USER_ID: users[order].astype(np.int64),
        ITEM_ID: items[order].astype(np.int64),
        RATING: ratings[order].astype(np.float64),
        TIMESTAMP: times[order].astype(np.int64),
    }).reset_index(drop=True)


def make_synthetic_features(num_users: int = 200, num_items: int = 120,
                            ratings_per_user: int = 24, seed: int = 0
                            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ratings whose stars depend on an *interaction* of a user and an item feature.

    Users are ``F`` or ``M`` and items are ``Drama`` or ``Comedy``; a user gives 5 stars
    when (gender is F) XOR (genre is Drama), else 1 star. No weight per gender plus a
    weight per genre can express that (a linear model on the one-hot features is at
    chance); a cross of the two, or embeddings that interact, can. Other columns are
    filled as in MovieLens (age, occupation, zip code, release year) and carry no signal.

    Returns:
        ``(ratings, users, items)`` in the MovieLens layout (raw ids from 1).
    """
    rng = np.random.default_rng(seed)
    gender = rng.choice(["F", "M"], num_users)
    genre = rng.choice(["Drama", "Comedy"], num_items)
    users = pd.DataFrame({USER_ID: np.arange(1, num_users + 1),
                          "age": rng.integers(16, 70, num_users), "gender": gender,
                          "occupation": rng.choice(["student", "writer", "other"], num_users),
                          "zip_code": [f"{z:05d}" for z in rng.integers(0, 99999, num_users)]})
    items = pd.DataFrame({ITEM_ID: np.arange(1, num_items + 1),
                          "title": [f"Movie {i}" for i in range(1, num_items + 1)],
                          "year": pd.array(rng.integers(1950, 1999, num_items), dtype="Int64"),
                          "genres": [[g] for g in genre]})
    rows = []
    for u in range(num_users):
        for i in rng.choice(num_items, ratings_per_user, replace=False):
            liked = (gender[u] == "F") != (genre[i] == "Drama")
            rows.append((u + 1, i + 1, 5.0 if liked else 1.0, int(rng.integers(0, 10**6))))
    ratings = pd.DataFrame(rows, columns=[USER_ID, ITEM_ID, RATING, TIMESTAMP])
    return ratings, users, items


def make_synthetic_sequences(num_users: int = 300, num_items: int = 200,
                             length: int = 30, follow: float = 0.8, seed: int = 0
                             ) -> pd.DataFrame:
    """Sequences whose next item depends on the *last* item only.

    The items sit on a hidden cycle (a random permutation). Each user starts at a random
    item and, at every step, moves to the successor of the current item on the cycle
    with probability ``follow`` (when it is still unvisited), otherwise to a random
    unvisited item. A user's set of items then says little about their next one (a
    non-sequential model sees a scattered set), their last item says it all: a
    sequential model should find the successor, popularity or matrix factorization
    cannot.

    Returns:
        DataFrame (num_users * length, 4): user_id, item_id, rating (all 5.0), timestamp
        (increasing along each user's walk), indexed ids from 0, rows in random order.
    """
    if min(num_users, num_items, length) <= 0:
        raise ValueError("num_users, num_items and length must all be positive")
    if length > num_items:
        raise ValueError(f"length={length} exceeds num_items={num_items}")
    if not 0 <= follow <= 1:
        raise ValueError(f"follow must be in [0, 1], got {follow}")
    rng = np.random.default_rng(seed)
    cycle = rng.permutation(num_items)
    successor = np.empty(num_items, np.int64)
    successor[cycle] = np.roll(cycle, -1)
    rows = []
    for u in range(num_users):
        visited = np.zeros(num_items, bool)
        item = int(rng.integers(num_items))
        for t in range(length):
            if t:
                nxt = int(successor[item])
                if visited[nxt] or rng.random() >= follow:
                    nxt = int(rng.choice(np.flatnonzero(~visited)))
                item = nxt
            visited[item] = True
            rows.append((u, item, 5.0, 1_000_000_000 + 3600 * t + int(rng.integers(60))))
    frame = pd.DataFrame(rows, columns=[USER_ID, ITEM_ID, RATING, TIMESTAMP])
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
