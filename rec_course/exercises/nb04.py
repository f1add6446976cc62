"""Exercises of notebook 04_neural_cf."""

from __future__ import annotations

import numpy as np

from rec_course import data
from rec_course.exercises._check import (Verdict, Wrong, build_learner_model, run_check,
                                         weights_by_shape)


def check_gmf_model(model_class) -> Verdict:
    """Exercise 1: ``model_class(num_users, num_items, embedding_dim)`` -> a ``keras.Model``
    whose ``call((user_ids, item_ids))`` returns GMF logits ``(batch,)``: an Embedding
    table for users and one for items, their element-wise product, a ``Dense(1)`` output
    (with its bias), no sigmoid.

    The check copies the weights of the package's GMF (``ncf.NCFModel(kind="gmf")``) into
    the learner's model, by shape, and compares the logits on every user-item pair; then
    it trains the model for a few steps with ``fit`` to see that the loss falls.
    """
    def body():
        import keras

        from rec_course.models import ncf

        nu, ni, d = 7, 11, 4
        model = build_learner_model(model_class, nu, ni, d)
        users = np.repeat(np.arange(nu), ni).astype(np.int32)   # every pair, (77,)
        items = np.tile(np.arange(ni), nu).astype(np.int32)
        try:
            out = np.asarray(model((users, items)))
        except NotImplementedError:
            raise
        except Exception as e:  # noqa: BLE001 - say what went wrong, with a hint
            raise Wrong(f"calling the model on (user_ids, item_ids) raised "
                        f"{type(e).__name__}: {str(e).splitlines()[0][:200]} (are user ids "
                        "looked up in the user table and item ids in the item table?)") from None
        if out.shape == (len(users), 1):
            raise Wrong("the output has shape (batch, 1): return one logit per pair, shape "
                        "(batch,), e.g. keras.ops.squeeze(x, -1).")
        if out.shape != (len(users),):
            raise Wrong(f"return one logit per pair, shape ({len(users)},), got {out.shape}.")
        shapes = {"user table": (nu, d), "item table": (ni, d), "output kernel": (d, 1),
                  "output bias": (1,)}
        found = weights_by_shape(model, shapes)
        kernels = [tuple(v.shape) for v in model.weights if len(v.shape) == 2]
        if "output kernel" not in found and (2 * d, 1) in kernels:
            raise Wrong(f"the Dense output sees {2 * d} features: that is the concatenation "
                        "[p_u; q_i] (the MLP's input). GMF multiplies the two embeddings "
                        "element-wise, p_u * q_i, which keeps embedding_dim features.")
        if "user table" not in found or "item table" not in found:
            raise Wrong(f"GMF has two Embedding tables, (num_users, embedding_dim) = "
                        f"{(nu, d)} and (num_items, embedding_dim) = {(ni, d)}; your model's "
                        f"weights have shapes {[tuple(v.shape) for v in model.weights]}.")
        if "output kernel" not in found:
            raise Wrong("GMF weighs each dimension of p_u * q_i with a Dense(1) output layer "
                        "(the weights h); summing the product is the plain dot product.")
        if "output bias" not in found:
            raise Wrong("keep the Dense layer's bias (b in the formula): Dense(1) has "
                        "use_bias=True by default.")
        if len(model.weights) != 4:
            raise Wrong(f"GMF has exactly four weight arrays (two tables, a kernel, a bias); "
                        f"yours has {len(model.weights)}: "
                        f"{[tuple(v.shape) for v in model.weights]}.")
        reference = ncf.NCFModel(nu, ni, "gmf", embedding_dim=d, seed=3)
        reference((users[:1], items[:1]))                       # build its weights
        rng = np.random.default_rng(0)
        reference.gmf_user.set_weights([rng.normal(size=(nu, d))])
        reference.gmf_item.set_weights([rng.normal(size=(ni, d))])
        reference.out.set_weights([rng.normal(size=(d, 1)), rng.normal(size=(1,))])
        for name, layer_weights in (("user table", reference.gmf_user.get_weights()[0]),
                                    ("item table", reference.gmf_item.get_weights()[0]),
                                    ("output kernel", reference.out.get_weights()[0]),
                                    ("output bias", reference.out.get_weights()[1])):
            found[name].assign(layer_weights)
        truth = np.asarray(reference((users, items)), dtype=np.float64)
        got = np.asarray(model((users, items)), dtype=np.float64)
        if np.allclose(got, 1 / (1 + np.exp(-truth)), atol=1e-4):
            raise Wrong("return logits; the sigmoid lives in the loss "
                        "(BinaryCrossentropy(from_logits=True)). Use Dense(1) without an "
                        "activation.")
        if not np.allclose(got, truth, atol=1e-4):
            raise Wrong("with the package GMF's weights copied in, your logits differ from "
                        "its logits Dense(1)(p_u * q_i): check the element-wise product, "
                        "and that the Dense layer has no activation.")
        model.compile(optimizer=keras.optimizers.Adam(0.05),
                      loss=keras.losses.BinaryCrossentropy(from_logits=True))
        labels = (truth > np.median(truth)).astype(np.float32)    # a learnable target
        try:
            before = float(model.evaluate((users, items), labels, verbose=0))
            model.fit((users, items), labels, batch_size=16, epochs=5, verbose=0)
            after = float(model.evaluate((users, items), labels, verbose=0))
        except Exception as e:  # noqa: BLE001 - NotImplementedError too: TF raises it
            raise Wrong(f"training it with fit raised {type(e).__name__}: "
                        f"{str(e).splitlines()[0][:160]}. Inside fit the tensors are "
                        "symbolic: write call with keras.ops and layers, not NumPy.") from None
        if not after < before:
            raise Wrong(f"trained with fit for 5 epochs, the log loss did not fall "
                        f"({before:.4f} -> {after:.4f}): are all four weights trainable, "
                        "and is call written with keras.ops (not NumPy)?")
    return run_check("GMF as a Keras model", body)


def check_pointwise_examples(build_fn) -> Verdict:
    """Exercise 2: ``build_fn(positives_csr, num_negatives, seed) -> (users, items,
    labels)``: every positive with label 1 plus ``num_negatives`` uniform negatives per
    positive (label 0), none of them a positive of its user."""
    def body():
        df = data.make_synthetic(30, 40, 2, 8, seed=5)
        m = data.interaction_matrix(df, 30, 40)
        users, items, labels = (np.asarray(a) for a in build_fn(m, 3, 0))
        n = m.nnz
        if not (len(users) == len(items) == len(labels) == 4 * n):
            raise Wrong(f"{n} positives and 3 negatives each make {4 * n} examples; got "
                        f"{len(users)} users, {len(items)} items, {len(labels)} labels.")
        if labels.sum() != n:
            raise Wrong(f"exactly {n} labels must be 1 (the positives), got {labels.sum()}.")
        is_pos = np.asarray(m[users, items]).ravel() > 0
        if not np.array_equal(is_pos, labels == 1):
            raise Wrong("some label-0 examples are positives of their user, or label-1 "
                        "examples are not: re-draw negatives that hit a positive.")
        per_user = np.bincount(users[labels == 0], minlength=30)
        if not np.array_equal(per_user, 3 * np.diff(m.indptr)):
            raise Wrong("each user needs 3 negatives per positive of that user.")
        other = np.asarray(build_fn(m, 3, 1)[1])
        if np.array_equal(np.sort(other), np.sort(items)):
            raise Wrong("seeds 0 and 1 gave the same negatives: draw them at random, "
                        "from a generator seeded with `seed`.")
        many_u, many_i, many_l = (np.asarray(a) for a in build_fn(m, 50, 2))
        neg_u, neg_i = many_u[many_l == 0], many_i[many_l == 0]
        counts = np.zeros(m.shape)  # (users, items): times each pair was drawn as negative
        np.add.at(counts, (neg_u, neg_i), 1)
        unseen = m.toarray() == 0
        per_item = 50 * np.diff(m.indptr) / unseen.sum(axis=1)   # expected count if uniform
        if (counts[unseen] == 0).any() or (counts.max(axis=1) > 4 * per_item).any():
            raise Wrong("with 50 negatives per positive, every item a user has not seen "
                        "should be drawn, each about equally often: draw uniformly among "
                        "all of the user's unseen items, not the first few or the popular ones.")
    return run_check("pointwise training examples", body)


def check_neumf_output_init(init_fn) -> Verdict:
    """Exercise 3: ``init_fn(w_gmf, b_gmf, w_mlp, b_mlp, alpha) -> (w, b)``: the NeuMF output
    layer built from the pretrained GMF (w_gmf (d1, 1)) and MLP (w_mlp (d2, 1)) output
    layers, mixed by alpha (He et al. 2017, eq. 12)."""
    def body():
        rng = np.random.default_rng(1)
        wg, bg = rng.normal(size=(4, 1)), rng.normal(size=(1,))
        wm, bm = rng.normal(size=(3, 1)), rng.normal(size=(1,))
        w, b = (np.asarray(a, dtype=np.float64) for a in init_fn(wg, bg, wm, bm, 0.3))
        if w.shape != (7, 1):
            raise Wrong(f"the NeuMF output sees the GMF vector then the MLP vector: shape "
                        f"(7, 1), got {w.shape}.")
        if np.allclose(w, np.concatenate([0.7 * wg, 0.3 * wm])):
            raise Wrong("alpha weighs the GMF part and 1 - alpha the MLP part, not the reverse.")
        if not np.allclose(w, np.concatenate([0.3 * wg, 0.7 * wm])):
            raise Wrong("w = [alpha * w_gmf ; (1 - alpha) * w_mlp] (concatenated).")
        if not np.allclose(b, 0.3 * bg + 0.7 * bm):
            raise Wrong("the bias mixes the same way: alpha * b_gmf + (1 - alpha) * b_mlp.")
    return run_check("NeuMF output initialisation", body)


def check_finetune_experiment(curves, optimizer_class) -> Verdict:
    """Exercise 4: the experiment "fine-tune the pretrained NeuMF with Adam instead of SGD".

    Args:
        curves: DataFrame, one row per validation check (index: the epoch) and the
            columns ``"SGD"`` and ``"Adam"``: the validation nDCG@10 of each fine-tuning.
        optimizer_class: the learner's subclass of ``ncf.NCF`` whose ``optimizer()``
            returns Adam at ``self.learning_rate``.
    """
    def body():
        import keras
        import pandas as pd

        from rec_course.models import ncf

        if curves is None or optimizer_class is None:
            raise NotImplementedError
        if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, ncf.NCF)):
            raise Wrong("subclass ncf.NCF (class AdamNeuMF(ncf.NCF): ...) and override its "
                        "optimizer() method; everything else stays the package's.")
        probe = optimizer_class(kind="neumf", learning_rate=0.0123, pretrained=(None, None))
        opt = probe.optimizer()
        if not isinstance(opt, keras.optimizers.Adam):
            raise Wrong(f"with pretrained weights, your optimizer() returns "
                        f"{type(opt).__name__}: return keras.optimizers.Adam(...) whatever "
                        "`pretrained` is (ncf.NCF itself picks SGD when it is set).")
        if not np.isclose(float(opt.learning_rate), 0.0123):
            raise Wrong(f"use the model's own learning rate, Adam(self.learning_rate); with "
                        f"learning_rate=0.0123 yours has {float(opt.learning_rate):g}.")
        if not isinstance(curves, pd.DataFrame) or not {"SGD", "Adam"} <= set(curves.columns):
            raise Wrong("put the two learning curves in a DataFrame with the columns 'SGD' "
                        "and 'Adam' (one row per validation check), e.g. "
                        "pd.DataFrame({'SGD': ..., 'Adam': ...}).")
        values = curves[["SGD", "Adam"]].to_numpy(dtype=np.float64)
        if len(values) < 2:
            raise Wrong("measure at least two validation checks of each fine-tuning to see "
                        "a trend.")
        if np.isnan(values).any() or (values <= 0).any() or (values >= 1).any():
            raise Wrong("every entry should be a validation nDCG@10, between 0 and 1, with "
                        "no missing values (keep the epochs that were checked: "
                        "history.dropna(), and the same eval_every for both runs).")
        if np.allclose(values[:, 0], values[:, 1]):
            raise Wrong("the Adam curve equals the SGD curve: did the fine-tuning run use "
                        "your subclass (AdamNeuMF(..., pretrained=...)) and its optimizer?")
    return run_check("fine-tuning experiment", body)
