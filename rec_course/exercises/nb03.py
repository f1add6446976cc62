"""Exercises of notebook 03_collaborative_filtering."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from rec_course import data
from rec_course.exercises._check import (Verdict, Wrong, build_learner_model, run_check,
                                         weights_by_shape)
from rec_course.models import als, knn


def _small_matrix(seed: int = 0) -> sp.csr_matrix:
    df = data.make_synthetic(num_users=40, num_items=25, num_factors=2,
                             interactions_per_user=6, seed=seed)
    return data.interaction_matrix(df, 40, 25)


def check_cosine_similarity(similarity_fn) -> Verdict:
    """Exercise 1: ``similarity_fn(X, shrinkage) -> (num_items, num_items)`` shrunk cosine
    similarity between the columns of the (num_users, num_items) sparse matrix X, with a
    zero diagonal."""
    def body():
        x = _small_matrix()
        for shrinkage in (0.0, 10.0):
            got = np.asarray(similarity_fn(x, shrinkage), dtype=np.float64)
            truth = knn.cosine_similarity(x, shrinkage)
            if got.shape != truth.shape:
                raise Wrong(f"expected shape {truth.shape} (items x items), got {got.shape}: "
                            "compare columns (items), not rows (users).")
            if np.allclose(got, truth, atol=1e-5):
                continue
            off = got.copy()
            np.fill_diagonal(off, 0.0)
            if np.allclose(off, truth, atol=1e-5):
                raise Wrong("set the diagonal to 0: an item is not its own neighbour.")
            no_shrink = knn.cosine_similarity(x, 0.0)
            if shrinkage and np.allclose(got, no_shrink, atol=1e-5):
                raise Wrong(f"with shrinkage={shrinkage} the similarities must shrink: add it "
                            "to the product of norms in the denominator.")
            raise Wrong(f"with shrinkage={shrinkage}, sim(item 0, item 1) should be "
                        f"{truth[0, 1]:.4f}, you give {got[0, 1]:.4f}: "
                        "dot(a, b) / (||a|| ||b|| + shrinkage).")
    return run_check("cosine similarity with shrinkage", body)


def check_als_user_update(update_fn) -> Verdict:
    """Exercise 2: ``update_fn(conf, item_factors, reg) -> (num_users, f)``, the exact
    implicit-ALS user step, with conf holding c_ui - 1 = alpha * r_ui."""
    def body():
        x = _small_matrix(1)
        conf = (x * 5.0).tocsr()
        y = np.random.default_rng(0).normal(size=(25, 4))
        got = np.asarray(update_fn(conf, y, 0.5), dtype=np.float64)
        truth = als.implicit_update(conf, y, 0.5)
        if got.shape != truth.shape:
            raise Wrong(f"expected shape {truth.shape} (users x factors), got {got.shape}.")
        if np.allclose(got, truth, rtol=1e-5, atol=1e-7):
            return
        # the classic slip: only the observed items in the Gram matrix (no Y^T Y)
        weights = 1.0 + conf.data
        gram = als._gram_per_row(conf, y, weights) + 0.5 * np.eye(4)
        observed_only = np.linalg.solve(gram, als._rhs_per_row(conf, y, weights)[..., None])[..., 0]
        if np.allclose(got, observed_only, rtol=1e-4, atol=1e-6):
            raise Wrong("you solved over the observed items only. Implicit ALS counts every "
                        "item: the Gram matrix is Y^T Y + Y^T (C_u - I) Y + reg I.")
        raise Wrong("x_u = (Y^T Y + Y^T (C_u - I) Y + reg I)^-1 Y^T C_u p_u, with "
                    "C_u = 1 + conf on the user's items and p_u = 1 there, 0 elsewhere.")
    return run_check("ALS user update", body)


def check_bpr_loss(loss_fn) -> Verdict:
    """Exercise 3: ``loss_fn(pos_scores, neg_scores) -> float``, the mean of
    -log sigmoid(pos - neg)."""
    def body():
        rng = np.random.default_rng(0)
        pos, neg = rng.normal(size=50), rng.normal(size=50)
        diff = pos - neg
        truth = float(np.mean(np.logaddexp(0.0, -diff)))
        got = float(loss_fn(pos, neg))
        if abs(got - truth) < 1e-5:
            big = float(loss_fn(np.array([60.0]), np.array([-60.0])))
            if not np.isfinite(big) or abs(big) > 1e-6:
                raise Wrong("for a very confident pair (x_uij = 120) the loss must be ~0, "
                            f"you give {big}: use np.logaddexp(0, -x) for a stable softplus.")
            return
        if abs(got - float(np.mean(np.logaddexp(0.0, diff)))) < 1e-5:
            raise Wrong("the sign is flipped: the loss must fall as pos - neg grows.")
        if abs(got - float(np.sum(np.logaddexp(0.0, -diff)))) < 1e-4:
            raise Wrong("take the mean over the batch, not the sum.")
        if abs(got - float(np.mean(1 / (1 + np.exp(diff))))) < 1e-5:
            raise Wrong("that is 1 - sigmoid; the loss is -log sigmoid(pos - neg).")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: mean of -log sigmoid(pos - neg).")
    return run_check("BPR loss", body)


def check_bpr_model(model_class) -> Verdict:
    """Exercise 4: ``model_class(num_users, num_items, embedding_dim)`` -> a ``keras.Model``
    whose ``call((user_ids, pos_item_ids, neg_item_ids))`` returns
    ``x_uij = (p_u . q_i + b_i) - (p_u . q_j + b_j)``, shape ``(batch,)``, from three
    ``Embedding`` tables: users ``(num_users, dim)``, items ``(num_items, dim)`` (one table
    for both i and j) and item biases ``(num_items, 1)``.

    The check copies the package's ``bpr.BPRModel`` weights into the learner's model, by
    shape, compares x_uij on random triples, then trains the model for a few epochs with
    ``fit`` and ``bpr.bpr_loss`` and checks that the loss falls.
    """
    def body():
        import keras

        from rec_course.models import bpr

        nu, ni, d = 7, 11, 4
        model = build_learner_model(model_class, nu, ni, d)
        rng = np.random.default_rng(0)
        users = rng.integers(0, nu, 60).astype(np.int32)
        pos = rng.integers(0, ni, 60).astype(np.int32)
        neg = ((pos + rng.integers(1, ni, 60)) % ni).astype(np.int32)   # never == pos
        try:
            out = np.asarray(model((users, pos, neg)))
        except NotImplementedError:
            raise
        except Exception as e:  # noqa: BLE001 - say what went wrong, with a hint
            raise Wrong(f"calling the model on (user_ids, pos_item_ids, neg_item_ids) raised "
                        f"{type(e).__name__}: {str(e).splitlines()[0][:200]} (are user ids "
                        "looked up in the user table and both item ids in the item "
                        "table?)") from None
        if out.shape == (len(users), 1):
            raise Wrong("the output has shape (batch, 1): return one x_uij per triple, shape "
                        "(batch,), e.g. keras.ops.sum(p * (q_i - q_j), axis=-1).")
        if out.shape != (len(users),):
            raise Wrong(f"return one number per triple, x_uij = score(u, i) - score(u, j), "
                        f"shape ({len(users)},); got shape {out.shape}.")
        shapes = {"user table": (nu, d), "item table": (ni, d), "item biases": (ni, 1)}
        found = weights_by_shape(model, shapes)
        all_shapes = [tuple(v.shape) for v in model.weights]
        if "user table" not in found or "item table" not in found:
            raise Wrong(f"BPR-MF has a user table (num_users, embedding_dim) = {(nu, d)} and "
                        f"an item table (num_items, embedding_dim) = {(ni, d)}: "
                        f"keras.layers.Embedding; your model's weights have shapes "
                        f"{all_shapes}.")
        if all_shapes.count((ni, d)) > 1:
            raise Wrong("use one item table for both the positive i and the negative j: an "
                        "item must get the same vector whichever role it plays.")
        if "item biases" not in found:
            raise Wrong(f"BPR scores p_u . q_i + b_i, but your model has no item-bias "
                        f"weights {(ni, 1)}: add an Embedding(num_items, 1) table and use it "
                        "in call (a layer makes its weights the first time it is called; a "
                        "user bias would cancel in the difference, so BPR has none).")
        reference = bpr.BPRModel(nu, ni, d, l2=0.0, seed=3)
        reference((users[:1], pos[:1], neg[:1]))                     # build its weights
        weights = {"user table": rng.normal(size=(nu, d)),
                   "item table": rng.normal(size=(ni, d)),
                   "item biases": rng.normal(size=(ni, 1))}
        reference.user_embedding.set_weights([weights["user table"]])
        reference.item_embedding.set_weights([weights["item table"]])
        reference.item_bias.set_weights([weights["item biases"]])
        for name, value in weights.items():
            found[name].assign(value.astype(found[name].dtype))
        truth = np.asarray(reference((users, pos, neg)), dtype=np.float64)
        got = np.asarray(model((users, pos, neg)), dtype=np.float64)
        p, q, b = weights["user table"], weights["item table"], weights["item biases"][:, 0]
        score_i = np.sum(p[users] * q[pos], -1)
        if np.allclose(got, truth, atol=1e-4):
            pass
        elif np.allclose(got, -truth, atol=1e-4):
            raise Wrong("the sign is flipped: x_uij = score(u, i) - score(u, j), positive "
                        "when the watched item i is ranked above j.")
        elif np.allclose(got, 1 / (1 + np.exp(-truth)), atol=1e-4):
            raise Wrong("return the raw difference x_uij; the log-sigmoid lives in the loss "
                        "(bpr.bpr_loss = softplus(-x_uij)).")
        elif np.allclose(got, truth - (b[pos] - b[neg]), atol=1e-4):
            raise Wrong("the item biases are missing from x_uij: add b_i - b_j.")
        elif np.allclose(got, score_i + b[pos], atol=1e-4) or np.allclose(got, score_i,
                                                                          atol=1e-4):
            raise Wrong("that is the score of the positive item only: subtract the score of "
                        "the negative item j, (p_u . q_i + b_i) - (p_u . q_j + b_j).")
        else:
            raise Wrong("with the package BPRModel's weights copied in, your x_uij differs "
                        "from (p_u . q_i + b_i) - (p_u . q_j + b_j): check which table each "
                        "id is looked up in, and the dot product over the last axis.")
        # a planted order: users prefer low item ids; train on (u, i < j) triples
        users_t = rng.integers(0, nu, 400).astype(np.int32)
        a, c = rng.integers(0, ni, 400), rng.integers(0, ni, 400)
        keep = a != c
        pos_t = np.minimum(a, c)[keep].astype(np.int32)
        neg_t = np.maximum(a, c)[keep].astype(np.int32)
        users_t = users_t[keep]
        labels = np.zeros(len(users_t), np.float32)           # unused by the loss
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss=bpr.bpr_loss)
        try:
            before = float(model.evaluate((users_t, pos_t, neg_t), labels, verbose=0))
            model.fit((users_t, pos_t, neg_t), labels, batch_size=32, epochs=5, verbose=0)
            after = float(model.evaluate((users_t, pos_t, neg_t), labels, verbose=0))
        except Exception as e:  # noqa: BLE001 - NotImplementedError too: TF raises it
            raise Wrong(f"training it with fit raised {type(e).__name__}: "
                        f"{str(e).splitlines()[0][:160]}. Inside fit the tensors are "
                        "symbolic: write call with keras.ops and layers, not NumPy.") from None
        if not after < before - 0.05:
            raise Wrong(f"trained with fit and bpr.bpr_loss for 5 epochs on pairs with a "
                        f"planted order, the loss barely moved ({before:.4f} -> {after:.4f}): "
                        "are the tables trainable, and is call written with keras.ops?")
    return run_check("BPR as a Keras model", body)


def check_popularity_bpr(model_class) -> Verdict:
    """Exercise 5: ``model_class``, a subclass of ``bpr.BPR`` whose ``epoch_data(epoch,
    seed)`` returns ``((users, pos, neg), labels)`` like ``bpr.BPR``'s, with the negatives
    drawn in proportion to item popularity (``data.sample_negatives(...,
    strategy="popularity")``), re-drawn each epoch from ``seed``, never a positive."""
    def body():
        from rec_course.models import bpr

        if not (isinstance(model_class, type) and issubclass(model_class, bpr.BPR)):
            raise Wrong("write a subclass of bpr.BPR (class PopularityBPR(bpr.BPR): ...) "
                        "that overrides epoch_data only.")
        df = data.make_synthetic(num_users=60, num_items=80, interactions_per_user=10,
                                 popularity_weight=2.0, seed=2)

        def prepared(cls):  # fitted as far as epoch_data needs (seen, the train arrays)
            class Prepared(cls):
                def _fit(self, train, valid=None):
                    self.prepare(train)
            return Prepared(embedding_dim=4, seed=0).fit(df, 60, 80)

        model, reference = prepared(model_class), prepared(bpr.BPR)
        features, labels = model.epoch_data(0, 11)
        if len(features) != 3:
            raise Wrong("epoch_data returns ((users, pos, neg), labels), as bpr.BPR's does.")
        users, pos, neg = (np.asarray(a) for a in features)
        (ref_users, ref_pos, ref_neg), _ = reference.epoch_data(0, 11)
        if not (np.array_equal(users, ref_users) and np.array_equal(pos, ref_pos)):
            raise Wrong("keep the users and positive items of bpr.BPR's epoch_data "
                        "(self._users, self._pos); change only how the negatives are drawn.")
        if neg.shape != pos.shape:
            raise Wrong(f"one negative per positive: neg must have shape {pos.shape}, got "
                        f"{neg.shape} (take column 0 of sample_negatives' (n, 1) result).")
        seen = model.seen
        if np.asarray(seen[users, neg]).ravel().any():
            raise Wrong("some negatives are items the user has interacted with: draw them "
                        "with data.sample_negatives(self.seen, ...), which rejects those.")
        again, _ = model.epoch_data(1, 12)
        if np.array_equal(np.asarray(again[2]), neg):
            raise Wrong("every epoch must draw new negatives: pass the epoch's seed to "
                        "sample_negatives (seed=seed).")
        counts = np.asarray(seen.sum(axis=0)).ravel()
        popular = data.sample_negatives(seen, users, 1, strategy="popularity", seed=11)[:, 0]
        mine, uniform, expected = (float(counts[x].mean()) for x in (neg, ref_neg, popular))
        if abs(mine - uniform) < abs(mine - expected):
            raise Wrong(f"your negatives have a mean popularity of {mine:.1f} interactions, "
                        f"like uniform draws ({uniform:.1f}); popularity draws give about "
                        f"{expected:.1f}: pass strategy=\"popularity\".")
    return run_check("BPR with popularity-sampled negatives", body)
