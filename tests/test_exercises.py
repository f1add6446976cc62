"""Every exercise checker rejects typical wrong answers and accepts a correct one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rec_course import data
from rec_course.exercises import nb00, nb01, nb02
from rec_course.exercises._check import Verdict


@pytest.fixture(scope="module")
def ml_like():
    """Synthetic stand-in for the MovieLens tables (the checkers only need the columns)."""
    ratings = data.make_synthetic(num_users=80, num_items=60, interactions_per_user=12, seed=4)
    ratings = ratings.assign(user_id=ratings.user_id + 1, item_id=ratings.item_id + 1)
    items = pd.DataFrame({"item_id": np.arange(1, 61), "title": [f"Movie {i}" for i in range(1, 61)]})
    return ratings, items


def passes(verdict) -> bool:
    assert isinstance(verdict, Verdict)
    return bool(verdict)


# ---------------------------------------------------------------- notebook 00
def test_nb00_density(ml_like, capsys):
    ratings, _ = ml_like
    truth = len(ratings) / (ratings.user_id.nunique() * ratings.item_id.nunique())
    assert passes(nb00.check_density(truth, ratings))
    assert not passes(nb00.check_density(1 - truth, ratings))
    assert "sparsity" in capsys.readouterr().out
    assert not passes(nb00.check_density(100 * truth, ratings))
    assert not passes(nb00.check_density(None, ratings))
    assert "not attempted" in capsys.readouterr().out


def test_nb00_most_rated(ml_like, capsys):
    ratings, items = ml_like
    top = ratings.item_id.value_counts().index[0]
    assert passes(nb00.check_most_rated_title(f"Movie {top}", ratings, items))
    best_mean = ratings.groupby("item_id").rating.mean().idxmax()
    if best_mean != top:
        assert not passes(nb00.check_most_rated_title(f"Movie {best_mean}", ratings, items))
        assert "mean" in capsys.readouterr().out
    assert not passes(nb00.check_most_rated_title("Nope", ratings, items))


def test_nb00_activity(ml_like):
    ratings, _ = ml_like
    assert passes(nb00.check_median_activity(lambda r: r.groupby("user_id").size(), ratings))
    assert not passes(nb00.check_median_activity(lambda r: r.groupby("item_id").size(), ratings))
    assert not passes(nb00.check_median_activity(lambda r: r.user_id.nunique(), ratings))


# ---------------------------------------------------------------- notebook 01
def good_k_core(df, k):
    while True:
        keep = (df.user_id.map(df.user_id.value_counts()) >= k) & \
               (df.item_id.map(df.item_id.value_counts()) >= k)
        if keep.all():
            return df
        df = df[keep]


def one_pass_k_core(df, k):
    df = df[df.user_id.map(df.user_id.value_counts()) >= k]
    return df[df.item_id.map(df.item_id.value_counts()) >= k]


def test_nb01_k_core(capsys):
    assert passes(nb01.check_k_core(good_k_core))
    assert not passes(nb01.check_k_core(one_pass_k_core))
    assert "filtered once" in capsys.readouterr().out
    assert not passes(nb01.check_k_core(lambda df, k: df))


def good_leave_last_out(df):
    last = df.sort_values("timestamp").groupby("user_id").tail(1)
    return df.drop(last.index), last


def test_nb01_leave_last_out(capsys):
    assert passes(nb01.check_leave_last_out(good_leave_last_out))
    first = lambda df: (df.drop(df.sort_values("timestamp").groupby("user_id").head(1).index),
                        df.sort_values("timestamp").groupby("user_id").head(1))
    assert not passes(nb01.check_leave_last_out(first))
    assert "first" in capsys.readouterr().out
    assert not passes(nb01.check_leave_last_out(lambda df: (df, df.iloc[:0])))


def good_sampler(positives, user_ids, n, seed):
    rng = np.random.default_rng(seed)
    out = rng.integers(positives.shape[1], size=(len(user_ids), n))
    while True:
        bad = np.asarray(positives[np.repeat(user_ids, n), out.ravel()]).reshape(out.shape) > 0
        if not bad.any():
            return out
        out[bad] = rng.integers(positives.shape[1], size=int(bad.sum()))


def test_nb01_negative_sampler(capsys):
    assert passes(nb01.check_negative_sampler(good_sampler))
    naive = lambda p, u, n, s: np.random.default_rng(s).integers(p.shape[1], size=(len(u), n))
    assert not passes(nb01.check_negative_sampler(naive))
    assert "positives" in capsys.readouterr().out
    unseeded = lambda p, u, n, s: good_sampler(p, u, n, np.random.randint(1 << 30))
    assert not passes(nb01.check_negative_sampler(unseeded))
    assert not passes(nb01.check_negative_sampler(lambda p, u, n, s: np.zeros((len(u), n), int)))


# ---------------------------------------------------------------- notebook 02
def good_ndcg(ranked, relevant, k):
    dcg = sum(1 / np.log2(r + 2) for r, i in enumerate(ranked[:k]) if i in relevant)
    idcg = sum(1 / np.log2(r + 2) for r in range(min(len(relevant), k)))
    return dcg / idcg


def test_nb02_ndcg(capsys):
    assert passes(nb02.check_ndcg(good_ndcg))
    idcg_all = lambda ranked, rel, k: good_ndcg(ranked, rel, k) * sum(
        1 / np.log2(r + 2) for r in range(min(len(rel), k))) / sum(
        1 / np.log2(r + 2) for r in range(len(rel)))
    assert not passes(nb02.check_ndcg(idcg_all))
    assert "min(#relevant, k)" in capsys.readouterr().out
    rank0 = lambda ranked, rel, k: sum(1 / np.log2(r + 1.0001) for r, i in
                                       enumerate(ranked[:k]) if i in rel) / 1.0
    assert not passes(nb02.check_ndcg(rank0))
    assert "discount" in capsys.readouterr().out


def good_ap(ranked, relevant, k):
    hits, total = 0, 0.0
    for r, item in enumerate(ranked[:k], start=1):
        if item in relevant:
            hits += 1
            total += hits / r
    return total / min(len(relevant), k)


def test_nb02_average_precision(capsys):
    assert passes(nb02.check_average_precision(good_ap))
    ms_map = lambda ranked, rel, k: good_ap(ranked, rel, k) * min(len(rel), k) / len(rel)
    assert not passes(nb02.check_average_precision(ms_map))
    assert "Microsoft" in capsys.readouterr().out
    assert not passes(nb02.check_average_precision(lambda ranked, rel, k: 0.5))


def test_nb02_positive_popularity(synthetic_split):
    train, test, nu, ni = synthetic_split

    def good(train, num_items, threshold):
        counts = np.bincount(train[train.rating >= threshold].item_id, minlength=num_items)
        return lambda users: np.tile(counts.astype(float), (len(users), 1))

    def all_ratings(train, num_items, threshold):
        counts = np.bincount(train.item_id, minlength=num_items)
        return lambda users: np.tile(counts.astype(float), (len(users), 1))

    assert passes(nb02.check_positive_popularity(good, train, test, nu, ni))
    assert not passes(nb02.check_positive_popularity(all_ratings, train, test, nu, ni))
    wrong_shape = lambda tr, n, t: (lambda users: np.zeros(n))
    assert not passes(nb02.check_positive_popularity(wrong_shape, train, test, nu, ni))


# ---------------------------------------------------------------- notebook 03
from rec_course.exercises import nb03  # noqa: E402  (notebook 04: test_exercises_nb04.py)


def good_cosine(x, shrinkage):
    x = x.toarray().astype(float)
    dots = x.T @ x
    norms = np.sqrt(np.diag(dots))
    sim = dots / (np.outer(norms, norms) + shrinkage + 1e-12)
    np.fill_diagonal(sim, 0.0)
    return sim


def test_nb03_cosine(capsys):
    assert passes(nb03.check_cosine_similarity(good_cosine))
    with_diag = lambda x, s: good_cosine(x, s) + np.eye(x.shape[1])
    assert not passes(nb03.check_cosine_similarity(with_diag))
    assert "diagonal" in capsys.readouterr().out
    assert not passes(nb03.check_cosine_similarity(lambda x, s: good_cosine(x, 0.0)))
    assert "shrink" in capsys.readouterr().out
    assert not passes(nb03.check_cosine_similarity(lambda x, s: good_cosine(x.T.tocsr(), s)))


def good_als_update(conf, y, reg):
    f = y.shape[1]
    out = np.zeros((conf.shape[0], f))
    for u in range(conf.shape[0]):
        c = 1 + conf[u].toarray().ravel()
        p = (conf[u].toarray().ravel() > 0).astype(float)
        out[u] = np.linalg.solve(y.T @ (c[:, None] * y) + reg * np.eye(f), y.T @ (c * p))
    return out


def observed_only_update(conf, y, reg):
    f = y.shape[1]
    out = np.zeros((conf.shape[0], f))
    for u in range(conf.shape[0]):
        idx = conf[u].indices
        c = 1 + conf[u].data
        yu = y[idx]
        out[u] = np.linalg.solve(yu.T @ (c[:, None] * yu) + reg * np.eye(f), yu.T @ c)
    return out


def test_nb03_als_update(capsys):
    assert passes(nb03.check_als_user_update(good_als_update))
    assert not passes(nb03.check_als_user_update(observed_only_update))
    assert "observed items only" in capsys.readouterr().out
    assert not passes(nb03.check_als_user_update(lambda conf, y, reg: np.zeros((5, 4))))


def test_nb03_bpr_loss(capsys):
    assert passes(nb03.check_bpr_loss(lambda p, n: np.mean(np.logaddexp(0, -(p - n)))))
    assert not passes(nb03.check_bpr_loss(lambda p, n: np.mean(np.logaddexp(0, p - n))))
    assert "sign" in capsys.readouterr().out
    assert not passes(nb03.check_bpr_loss(lambda p, n: np.sum(np.logaddexp(0, -(p - n)))))
    unstable = lambda p, n: np.mean(-np.log(1 / (1 + np.exp(-(p - n)))))
    with np.errstate(all="ignore"):
        assert passes(nb03.check_bpr_loss(unstable)) or "stable" in capsys.readouterr().out
