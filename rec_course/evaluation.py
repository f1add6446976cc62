"""One evaluation protocol for every model in the course.

:func:`evaluate` ranks the *full* catalogue for each test user, removes the items the
user has in train, keeps the top k and averages the per-user metrics of
:mod:`rec_course.metrics`. A model is anything with ``score(user_ids) -> (n, num_items)``
or a plain function of the same shape. Work is vectorized over batches of users.

:func:`evaluate_sampled` is the *sampled* protocol (rank each test item among a few
random negatives), kept to show in notebook 02 why it misleads (Krichene & Rendle 2020).

:class:`Evaluator` holds the protocol for one (train, test) pair, validated once, for
repeated use (validation during training, grid searches). :func:`evaluate` also takes
ranked lists (an ANN index's or a two-stage pipeline's top items) through the same metric
code; :func:`evaluate_pointwise` gives AUC and log loss for click models.

:func:`fit_and_evaluate` is the final step of every model in notebooks 03 onwards: fit on
the whole train split (timed) and evaluate once on test.
"""

from __future__ import annotations

import time
from typing import Callable, Protocol, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rec_course import metrics as M
from rec_course.schema import ITEM_ID, RATING, USER_ID
from rec_course.data.preprocessing import validate_interactions
from rec_course.data.sampling import sample_negatives
from rec_course.data.sparse import check_ids, interaction_matrix
from rec_course.ranking import top_k


class Scorer(Protocol):
    def score(self, user_ids: np.ndarray) -> np.ndarray: ...


ScoreFn = Callable[[np.ndarray], np.ndarray]
ModelLike = Union[Scorer, ScoreFn]

TOP_K_METRICS = ("ndcg", "precision", "recall", "map@k", "map", "hit_rate", "mrr",
                 "coverage", "novelty")


def _score_fn(model: ModelLike) -> ScoreFn:
    if hasattr(model, "score") and callable(model.score):
        return model.score
    if callable(model):
        return model
    raise TypeError(f"model must have a score(user_ids) method or be callable, got "
                    f"{type(model).__name__}")


def _scores(fn: ScoreFn, users: np.ndarray, num_items: int) -> np.ndarray:
    scores = np.asarray(fn(users), dtype=np.float32)
    if scores.shape != (len(users), num_items):
        raise ValueError(f"score(user_ids) must return shape ({len(users)}, {num_items}) "
                         f"(users x items), got {scores.shape}")
    if np.isnan(scores).any():
        raise ValueError("score(user_ids) returned NaN scores: check the model's training "
                         "(exploding loss?) before evaluating")
    return scores


def top_k_items(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None = None
                ) -> np.ndarray:
    """Indices of the k highest scores per row, best first.

    Args:
        scores: (n, num_items) float.
        exclude: optional (n, num_items) CSR; its nonzero entries are never returned
            (unless a row has fewer than k other items).

    Returns:
        (n, k) int64 item indices; among tied scores the lower item id comes first.
    """
    M._check_k(k)
    scores = np.array(scores, dtype=np.float32, copy=True)
    n, num_items = scores.shape
    if k > num_items:
        raise ValueError(f"k={k} exceeds the catalogue size {num_items}")
    if exclude is not None:
        coo = sp.coo_matrix(exclude)
        scores[coo.row, coo.col] = -np.inf
    return top_k(scores, k)  # ties: the lower item id first, on every machine


def _catalogue(train: pd.DataFrame, test: pd.DataFrame, model, num_users, num_items):
    num_users = num_users or getattr(model, "num_users", None) or int(
        max(train[USER_ID].max(), test[USER_ID].max()) + 1)
    num_items = num_items or getattr(model, "num_items", None) or int(
        max(train[ITEM_ID].max(), test[ITEM_ID].max()) + 1)
    check_ids(train, num_users, num_items, "train")
    check_ids(test, num_users, num_items, "test")
    return int(num_users), int(num_items)


def _is_ranked_lists(model) -> bool:
    return isinstance(model, np.ndarray) and model.ndim == 2 and np.issubdtype(
        model.dtype, np.integer)


class Evaluator:
    """The course's protocol for one (train, test) pair, prepared once.

    The frames are validated and the seen / relevant matrices built when the evaluator is
    made; each call then only scores. Validation during training and grid searches reuse
    one evaluator, so nothing is re-checked at every epoch.

    Args:
        train: indexed interactions the model was fit on (their items are removed from
            each user's ranking when ``remove_seen``).
        test: indexed interactions; every test row is a relevant item for its user.
        k: list length (> 0).
        num_users, num_items: catalogue size (default: largest index + 1, or ``model``'s).
        remove_seen: remove the user's train items before taking the top k.
        model: optional, only to read ``num_users`` / ``num_items`` from.
    """

    def __init__(self, train: pd.DataFrame, test: pd.DataFrame, *, k: int = 10,
                 num_users: int | None = None, num_items: int | None = None,
                 remove_seen: bool = True, model=None):
        M._check_k(k)
        validate_interactions(train, name="train")
        validate_interactions(test, name="test")
        self.num_users, self.num_items = _catalogue(train, test, model, num_users, num_items)
        self.k, self.remove_seen = int(k), remove_seen
        self.seen = interaction_matrix(train, self.num_users, self.num_items)
        self.relevant = interaction_matrix(test, self.num_users, self.num_items)
        self.users = np.flatnonzero(np.diff(self.relevant.indptr))  # users with test items
        if self.users.size == 0:
            raise ValueError("test has no interactions to evaluate")
        self.item_user_counts = np.diff(self.seen.tocsc().indptr)
        self.train_users = int((np.diff(self.seen.indptr) > 0).sum())

    _last: "tuple | None" = None

    @classmethod
    def shared(cls, train: pd.DataFrame, test: pd.DataFrame, *, k: int, num_users: int,
               num_items: int) -> "Evaluator":
        """An evaluator for these very frames, reused while the same objects come back
        (every candidate of a grid search validates on the same split): the frames are
        validated and the matrices built once. Do not modify a frame in place after
        evaluating with it."""
        key = (k, num_users, num_items)
        last = cls._last
        if last is not None and last[0] is train and last[1] is test and last[2] == key:
            return last[3]
        evaluator = cls(train, test, k=k, num_users=num_users, num_items=num_items)
        cls._last = (train, test, key, evaluator)
        return evaluator

    def __call__(self, model: ModelLike, *, batch_size: int = 1024) -> pd.DataFrame:
        """Metrics of ``model`` (``score(user_ids)`` or a function) or of ranked lists
        (an integer array, see :meth:`ranked`): one row, columns as :func:`evaluate`."""
        if _is_ranked_lists(model):
            return self.ranked(model)
        fn = _score_fn(model)
        tops = []
        for start in range(0, len(self.users), batch_size):
            batch = self.users[start:start + batch_size]
            scores = _scores(fn, batch, self.num_items)
            tops.append(top_k_items(scores, self.k, self.seen[batch] if self.remove_seen
                                    else None))
        return self._metrics(np.concatenate(tops))

    def ranked(self, top_items: np.ndarray, user_ids: np.ndarray | None = None
               ) -> pd.DataFrame:
        """Metrics of precomputed ranked lists (from an ANN index, a retrieval layer, a
        two-stage pipeline), through the same metric code as score matrices.

        Args:
            top_items: (n, m) int item ids, best first, ``-1`` for an empty slot; m may
                exceed k (lists are cut after the user's train items are removed).
            user_ids: (n,) the user of each row; default ``0..n-1`` (then n must be
                ``num_users``). Test users without a row count as all misses.

        Returns:
            One row, the columns of :func:`evaluate`.
        """
        top_items = np.asarray(top_items)
        if top_items.ndim != 2 or not np.issubdtype(top_items.dtype, np.integer):
            raise ValueError(f"ranked lists must be a 2-D integer array (users, k), got "
                             f"{top_items.dtype} of shape {top_items.shape}")
        if user_ids is None:
            if len(top_items) != self.num_users:
                raise ValueError(f"{len(top_items)} ranked lists for {self.num_users} users: "
                                 "pass user_ids to say whose lists they are")
            user_ids = np.arange(self.num_users)
        user_ids = np.asarray(user_ids)
        if user_ids.shape != (len(top_items),):
            raise ValueError(f"user_ids must have shape ({len(top_items)},), got "
                             f"{user_ids.shape}")
        if len(np.unique(user_ids)) != len(user_ids):
            raise ValueError("user_ids holds a user twice: one ranked list per user")
        bad = top_items[(top_items < -1) | (top_items >= self.num_items)]
        if bad.size:
            raise KeyError(f"ranked lists hold unknown item index(es) {bad[:5].tolist()}: "
                           f"valid range is 0..{self.num_items - 1} (-1 = empty slot)")
        bad_users = user_ids[(user_ids < 0) | (user_ids >= self.num_users)]
        if bad_users.size:
            raise KeyError(f"unknown user index(es) {bad_users[:5].tolist()}")
        row_of = np.full(self.num_users, -1)
        row_of[user_ids] = np.arange(len(user_ids))
        lists = np.full((len(self.users), self.k), -1, dtype=np.int64)
        rows = row_of[self.users]
        has = rows >= 0
        cand = top_items[rows[has]].astype(np.int64)  # (n_has, m)
        if self.remove_seen:
            seen = self.seen[self.users[has]]
            valid = cand >= 0
            mark = np.zeros(cand.shape, dtype=bool)
            r, c = np.nonzero(valid)
            mark[r, c] = np.asarray(seen[r, cand[r, c]]).ravel() > 0
            cand = np.where(mark, -1, cand)
        # compact each row: keep the non-empty slots in order, then cut at k
        order = np.argsort(cand < 0, axis=1, kind="stable")
        cand = np.take_along_axis(cand, order, axis=1)[:, :self.k]
        lists[has, :cand.shape[1]] = cand
        return self._metrics(lists)

    def _metrics(self, top: np.ndarray) -> pd.DataFrame:
        """The metric row from (len(self.users), k) lists, -1 for an empty slot."""
        k, n = self.k, len(self.users)
        rel = self.relevant[self.users]
        filled = top >= 0
        dense_rel = rel.toarray() > 0
        hits = np.take_along_axis(dense_rel, np.where(filled, top, 0), axis=1) & filled
        n_rel = np.diff(rel.indptr)
        shown = top[filled]
        row = {
            f"ndcg@{k}": M.ndcg_at_k(hits, n_rel).mean(),
            f"precision@{k}": M.precision_at_k(hits).mean(),
            f"recall@{k}": M.recall_at_k(hits, n_rel).mean(),
            f"map@{k}": M.average_precision(hits, n_rel, normalize="min").mean(),
            "map": M.average_precision(hits, n_rel, normalize="all").mean(),
            f"hit_rate@{k}": M.hit_rate_at_k(hits).mean(),
            f"mrr@{k}": M.reciprocal_rank_at_k(hits).mean(),
            f"coverage@{k}": M.catalogue_coverage(shown, self.num_items),
            f"novelty@{k}": (M.novelty(shown, self.item_user_counts, self.train_users)
                             if shown.size else float("nan")),
            "users": n,
        }
        return pd.DataFrame([row])


def evaluate(model: ModelLike | np.ndarray, train: pd.DataFrame, test: pd.DataFrame, *,
             k: int = 10, num_users: int | None = None, num_items: int | None = None,
             remove_seen: bool = True, batch_size: int = 1024,
             user_ids: np.ndarray | None = None) -> pd.DataFrame:
    """Full-catalogue top-k evaluation, the course's one protocol.

    Args:
        model: ``score(user_ids) -> (len(user_ids), num_items)`` scores, higher is better
            (a model or a plain function), or ranked lists: a (n, m) integer array of item
            ids, best first, ``-1`` for an empty slot (see :meth:`Evaluator.ranked`).
        train: indexed interactions the model was fit on (their items are removed from
            each user's ranking when ``remove_seen``).
        test: indexed interactions; every test row is a relevant item for its user.
        k: list length (> 0).
        num_users, num_items: catalogue size; defaults: the model's attributes, else the
            largest index in train/test plus one.
        batch_size: users scored at once (bounds memory: batch_size x num_items floats).
        user_ids: with ranked lists, the user of each row (default ``0..num_users-1``).

    Returns:
        One-row DataFrame: ``ndcg@k, precision@k, recall@k, map@k, map, hit_rate@k,
        mrr@k, coverage@k, novelty@k, users`` (users = number of test users evaluated).
    """
    ev = Evaluator(train, test, k=k, num_users=num_users, num_items=num_items,
                   remove_seen=remove_seen, model=None if _is_ranked_lists(model) else model)
    if _is_ranked_lists(model):
        return ev.ranked(model, user_ids)
    return ev(model, batch_size=batch_size)


def evaluate_pointwise(y_true, y_score, *, from_logits: bool = False) -> pd.DataFrame:
    """Pointwise (click-style) evaluation: AUC and log loss of predicted probabilities.

    Args:
        y_true: (n,) 0/1 labels.
        y_score: (n,) predicted probabilities of a 1 (or logits with ``from_logits``).

    Returns:
        One-row DataFrame ``auc, log_loss, examples, positive_rate``.
    """
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_score = np.asarray(y_score, dtype=np.float64).ravel()
    if y_true.size and not np.isin(y_true, (0.0, 1.0)).all():
        raise ValueError("y_true must hold 0/1 labels")
    prob = M.sigmoid(y_score) if from_logits else y_score
    return pd.DataFrame([{"auc": M.auc(y_true, prob), "log_loss": M.log_loss(y_true, prob),
                          "examples": int(y_true.size), "positive_rate": float(y_true.mean())}])


def evaluate_ratings(model, test: pd.DataFrame) -> pd.DataFrame:
    """RMSE and MAE of ``model.predict(user_ids, item_ids)`` on the test ratings.

    Returns:
        One-row DataFrame ``rmse, mae, ratings``.
    """
    validate_interactions(test, require=(USER_ID, ITEM_ID, RATING), name="test")
    if not hasattr(model, "predict"):
        raise TypeError(f"{type(model).__name__} has no predict(user_ids, item_ids): it "
                        "ranks but does not predict ratings")
    pred = np.asarray(model.predict(test[USER_ID].to_numpy(), test[ITEM_ID].to_numpy()))
    y = test[RATING].to_numpy()
    return pd.DataFrame([{"rmse": M.rmse(y, pred), "mae": M.mae(y, pred), "ratings": len(y)}])


def fit_and_evaluate(model, train: pd.DataFrame, test: pd.DataFrame, num_users: int,
                     num_items: int, *, k: int = 10, ratings_too: bool = False,
                     extra_seconds: float = 0.0) -> pd.DataFrame:
    """The last step for every model of the course: fit on all of train (timed), then
    evaluate once on test with :func:`evaluate` (and :func:`evaluate_ratings`).

    Args:
        model: a recommender with ``fit(train, num_users, num_items)`` and ``score``
            (and ``predict`` when ``ratings_too``); it is fitted in place.
        train, test: indexed interactions of one split.
        k: list length (> 0).
        ratings_too: also report ``rmse, mae, ratings`` on the test ratings.
        extra_seconds: added to the measured fit time, for work the model needs that
            happened before (for example pretraining NeuMF's two towers).

    Returns:
        One-row DataFrame: the columns of :func:`evaluate` (then those of
        :func:`evaluate_ratings`) and ``train_seconds``.
    """
    M._check_k(k)
    if extra_seconds < 0:
        raise ValueError(f"extra_seconds must be >= 0, got {extra_seconds}")
    evaluator = Evaluator(train, test, k=k, num_users=num_users, num_items=num_items)
    start = time.perf_counter()
    model.fit(train, num_users, num_items)
    seconds = time.perf_counter() - start + extra_seconds
    row = evaluator(model)
    if ratings_too:
        row = pd.concat([row, evaluate_ratings(model, test)], axis=1)
    return row.assign(train_seconds=seconds)


def evaluate_by_group(model: ModelLike, train: pd.DataFrame, test: pd.DataFrame,
                      groups: pd.Series, *, k: int = 10, **kwargs) -> pd.DataFrame:
    """:func:`evaluate` separately for groups of users (for example activity buckets).

    Args:
        groups: ``(users,)`` Series, index = user id, value = the user's group label (a
            categorical keeps its order). Test users without a label are left out.
        k, kwargs: as for :func:`evaluate`.

    Returns:
        One row per group that has test users (index: the label as a string), with the
        columns of :func:`evaluate`.
    """
    if len(groups) == 0:
        raise ValueError("evaluate_by_group needs at least one user with a group label")
    rows = {}
    for label, members in groups.groupby(groups, observed=True, sort=True):
        part = test[test[USER_ID].isin(members.index)]
        if len(part):
            rows[str(label)] = evaluate(model, train, part, k=k, **kwargs).iloc[0]
    if not rows:
        raise ValueError("no test user has a group label: is `groups` indexed by user id?")
    return pd.DataFrame.from_dict(rows, orient="index")


def evaluate_sampled(model: ModelLike, train: pd.DataFrame, test: pd.DataFrame, *,
                     num_negatives: int = 100, k: int = 10, seed: int = 0,
                     num_users: int | None = None, num_items: int | None = None,
                     batch_size: int = 1024) -> pd.DataFrame:
    """Sampled-negative protocol: each test item ranked among ``num_negatives`` distinct
    items the user has in neither train nor test. Shown for contrast; the course reports
    :func:`evaluate`.

    Averages are over test *rows* (user-item pairs), as in the NCF-style protocol, while
    :func:`evaluate` averages over *users* and counts a hit on any of the user's test
    items: the two are not comparable number for number.

    Returns:
        One-row DataFrame ``hit_rate@k, ndcg@k, pairs`` averaged over test rows.
    """
    M._check_k(k)
    validate_interactions(train, name="train")
    validate_interactions(test, name="test")
    num_users, num_items = _catalogue(train, test, model, num_users, num_items)
    fn = _score_fn(model)
    known = interaction_matrix(pd.concat([train, test]), num_users, num_items)
    users = test[USER_ID].to_numpy()
    items = test[ITEM_ID].to_numpy()
    negatives = sample_negatives(known, users, num_negatives, distinct=True,
                                 seed=seed)  # (n, neg)
    ranks = np.empty(len(users), dtype=np.int64)
    for u_batch in np.array_split(np.unique(users), max(1, len(np.unique(users)) // batch_size)):
        scores = _scores(fn, u_batch, num_items)
        row_of = np.full(num_users, -1)
        row_of[u_batch] = np.arange(len(u_batch))
        sel = np.flatnonzero(row_of[users] >= 0)
        r = row_of[users[sel]]
        pos = scores[r, items[sel]]
        neg = scores[r[:, None], negatives[sel]]
        # rank 1 = best; ties count against the positive (pessimistic)
        ranks[sel] = 1 + (neg >= pos[:, None]).sum(axis=1)
    hit = ranks <= k
    ndcg = np.where(hit, 1.0 / np.log2(ranks + 1), 0.0)
    return pd.DataFrame([{f"hit_rate@{k}": hit.mean(), f"ndcg@{k}": ndcg.mean(),
                          "pairs": len(users)}])
