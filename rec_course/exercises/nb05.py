"""Exercises of notebook 05_autoencoders."""

from __future__ import annotations

import numpy as np

from rec_course import data
from rec_course.exercises._check import Verdict, Wrong, run_check
from rec_course.exercises._check import to_numpy
from rec_course.models import ease


def _as_float(value, name: str) -> float:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise Wrong(f"return one number (the mean {name}), got an array of shape {arr.shape}.")
    return float(arr.reshape(()))


def check_masked_mse(loss_fn) -> Verdict:
    """Exercise 1: ``loss_fn(y_true, y_pred) -> float``, AutoRec's masked loss: the mean
    squared error over the observed entries of ``y_true`` only (0 marks a missing rating),
    with NumPy arrays of shape (batch, num_inputs)."""
    def body():
        rng = np.random.default_rng(0)
        y = rng.integers(1, 6, size=(6, 9)).astype(np.float64)
        y[rng.random(y.shape) < 0.6] = 0.0  # missing ratings
        pred = rng.uniform(1.0, 5.0, size=y.shape)
        mask = y != 0
        truth = float(np.sum((y - pred)[mask] ** 2) / mask.sum())
        got = _as_float(loss_fn(y, pred), "squared error")
        if abs(got - truth) <= 1e-6 * max(1.0, truth):
            return
        if abs(got - float(np.mean((y - pred) ** 2))) < 1e-6:
            raise Wrong("you count the missing entries as ratings of 0. Mask them out: "
                        "only the entries where y_true != 0 enter the loss.")
        if abs(got - float(np.sum((y - pred)[mask] ** 2) / y.size)) < 1e-6:
            raise Wrong("the mask is right, but divide by the number of observed entries, "
                        "not by the size of the whole matrix.")
        if abs(got - float(np.sum((y - pred)[mask] ** 2))) < 1e-5:
            raise Wrong("take the mean over the observed entries, not the sum.")
        if abs(got - float(np.sqrt(truth))) < 1e-6:
            raise Wrong("that is the root of the loss (an RMSE): return the mean squared error.")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: "
                    "sum over observed (y - y_hat)^2 / number of observed entries.")
    return run_check("AutoRec's masked loss", body)


def check_kl_term(kl_fn) -> Verdict:
    """Exercise 2: ``kl_fn(mu, logvar) -> float``: KL(N(mu, diag(exp(logvar))) || N(0, I)),
    summed over the latent dimensions and averaged over the batch, for NumPy arrays
    ``mu`` and ``logvar`` of shape (batch, latent_dim)."""
    def body():
        rng = np.random.default_rng(1)
        mu, logvar = rng.normal(size=(5, 4)), rng.normal(scale=0.7, size=(5, 4))
        per_dim = 0.5 * (np.exp(logvar) + mu ** 2 - 1.0 - logvar)
        truth = float(per_dim.sum(axis=1).mean())
        got = _as_float(kl_fn(mu, logvar), "KL divergence")
        if abs(got - truth) <= 1e-6 * max(1.0, truth):
            zero = _as_float(kl_fn(np.zeros((3, 4)), np.zeros((3, 4))), "KL divergence")
            if abs(zero) > 1e-9:
                raise Wrong(f"q = N(0, I) is the prior itself, so its KL must be 0; you give "
                            f"{zero:.4g}.")
            return
        if abs(got - float(per_dim.mean())) < 1e-6:
            raise Wrong("sum the KL over the latent dimensions (they are independent parts "
                        "of one distribution), then average over the users of the batch.")
        if abs(got - float(per_dim.sum())) < 1e-6:
            raise Wrong("average over the users of the batch, not the sum.")
        if abs(got - 2 * truth) < 1e-6:
            raise Wrong("you are missing the factor 1/2.")
        if abs(got + truth) < 1e-6:
            raise Wrong("the sign is flipped: a KL divergence is never negative.")
        sigma = np.exp(0.5 * logvar)  # a frequent slip: the std where the variance belongs
        slip = float((0.5 * (sigma + mu ** 2 - 1.0 - logvar)).sum(axis=1).mean())
        if abs(got - slip) < 1e-6:
            raise Wrong("exp(logvar) is the variance sigma^2; you used sigma = exp(logvar / 2).")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: "
                    "mean over users of 0.5 * sum_d (exp(logvar) + mu^2 - 1 - logvar).")
    return run_check("KL term of Mult-VAE", body)


def check_multinomial_nll(nll_fn) -> Verdict:
    """Exercise 3: ``nll_fn(x, logits) -> float``: Mult-VAE's multinomial negative
    log-likelihood, the mean over users of -sum_i x_ui log softmax(logits_u)_i, for NumPy
    arrays of shape (batch, num_items). It must stay finite for large logits."""
    def body():
        rng = np.random.default_rng(2)
        x = (rng.random((6, 12)) < 0.3).astype(np.float64)
        x[:, 0] = 1.0  # every user has an item
        logits = rng.normal(scale=2.0, size=(6, 12))

        def log_softmax(z):
            z = z - z.max(axis=1, keepdims=True)
            return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

        truth = float(-(x * log_softmax(logits)).sum(axis=1).mean())
        got = _as_float(nll_fn(x, logits), "negative log-likelihood")
        if abs(got - truth) <= 1e-6 * max(1.0, truth):
            big = _as_float(nll_fn(x[:1], logits[:1] + 1000.0), "negative log-likelihood")
            expected = float(-(x[:1] * log_softmax(logits[:1])).sum())
            if not np.isfinite(big) or abs(big - expected) > 1e-4 * max(1.0, expected):
                raise Wrong(f"with all logits shifted by +1000 the loss must not change "
                            f"({expected:.4f}); you give {big}. Subtract each row's maximum "
                            "before exponentiating (a stable log-softmax).")
            return
        if abs(got + truth) < 1e-6:
            raise Wrong("the sign is flipped: return the *negative* log-likelihood, a loss "
                        "to minimise.")
        if abs(got - float(-(x * log_softmax(logits)).sum())) < 1e-5:
            raise Wrong("average over the users of the batch, not the sum.")
        if abs(got - float(-(x * log_softmax(logits)).mean())) < 1e-6:
            raise Wrong("sum over the items of each user, then average over users.")
        p = 1.0 / (1.0 + np.exp(-logits))
        bce = float(-(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1).mean())
        if abs(got - bce) < 1e-5 or abs(got - float(-(x * np.log(p)).sum(axis=1).mean())) < 1e-5:
            raise Wrong("that is a per-item sigmoid (logistic) likelihood. The multinomial "
                        "one uses a softmax over all items of the user.")
        raise Wrong(f"expected {truth:.5f}, got {got:.5f}: "
                    "mean over users of -sum_i x_ui log softmax(logits_u)_i.")
    return run_check("multinomial log-likelihood", body)


def check_ease_weights(weights_fn) -> Verdict:
    """Exercise 4: ``weights_fn(X, lam) -> B (num_items, num_items)``: EASE's closed form
    for the dense binary (num_users, num_items) matrix X: B = I - P diag(1 / diag(P)),
    P = (X^T X + lam I)^-1, so that diag(B) = 0."""
    def body():
        df = data.make_synthetic(num_users=40, num_items=15, num_factors=2,
                                 interactions_per_user=5, seed=3)
        x = data.interaction_matrix(df, 40, 15).toarray().astype(np.float64)
        lam = 5.0
        got = np.asarray(weights_fn(x, lam), dtype=np.float64)
        gram = x.T @ x
        truth = ease.ease_weights(gram, lam)
        if got.shape != truth.shape:
            raise Wrong(f"B maps items to items: shape {truth.shape}, got {got.shape}.")
        if np.allclose(got, truth, atol=1e-6):
            return
        p = np.linalg.inv(gram + lam * np.eye(15))
        ridge = p @ gram  # the unconstrained ridge regression X -> X
        if np.allclose(got, ridge, atol=1e-6):
            raise Wrong("that is plain ridge regression, which lets every item predict "
                        "itself (its diagonal is near 1). EASE forbids that: diag(B) = 0, "
                        "which gives B = I - P diag(1 / diag(P)).")
        rows = -p / np.diag(p)[:, None]
        np.fill_diagonal(rows, 0.0)
        if np.allclose(got, rows, atol=1e-6):
            raise Wrong("divide column j by P_jj (B_ij = -P_ij / P_jj), not row i by P_ii.")
        if np.allclose(got, ease.ease_weights(gram, 1.0), atol=1e-6):
            raise Wrong(f"use the lam given as an argument ({lam}), not a fixed value.")
        if not np.allclose(np.diag(got), 0.0, atol=1e-6):
            raise Wrong("the diagonal of B must be 0: an item may not reconstruct itself.")
        raise Wrong("B = I - P diag(1 / diag(P)) with P = (X^T X + lam I)^-1; i.e. "
                    "B_ij = -P_ij / P_jj off the diagonal and 0 on it.")
    return run_check("EASE's closed form", body)


def _numpy(tensor) -> np.ndarray:
    return to_numpy(tensor).astype(np.float64)


def _kl_numpy(mu: np.ndarray, logvar: np.ndarray) -> float:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)), summed over dimensions, mean over rows."""
    return float((0.5 * (np.exp(logvar) + mu ** 2 - 1.0 - logvar)).sum(axis=1).mean())


def _added_loss(layer) -> float | None:
    """The one number ``layer`` added with ``add_loss`` in its last call (None: nothing)."""
    losses = list(layer.losses)
    if not losses:
        return None
    values = [_numpy(loss) for loss in losses]
    if len(values) > 1 or values[0].size != 1:
        raise Wrong("add one number with self.add_loss: beta times the KL averaged over the "
                    f"users of the batch (you added {len(values)} loss(es) of shape(s) "
                    f"{[v.shape for v in values]}).")
    return float(values[0].reshape(()))


def _check_kl_loss(layer_cls) -> None:
    rng = np.random.default_rng(4)
    mu = rng.normal(size=(6, 4)).astype(np.float32)
    logvar = rng.normal(scale=0.7, size=(6, 4)).astype(np.float32)
    beta = 0.3
    layer = layer_cls(beta=beta, seed=11)
    mean_path = _numpy(layer((mu, logvar), training=False))
    if mean_path.shape != mu.shape:
        raise Wrong(f"return z with the shape of mu, {mu.shape}; got {mean_path.shape}.")
    if not np.allclose(mean_path, mu, atol=1e-6):
        raise Wrong("with training=False return mu itself: users are scored with the mean "
                    "of q(z | x), no noise, so the same history always gives the same list.")
    z = _numpy(layer((mu, logvar), training=True))
    if z.shape != mu.shape:
        raise Wrong(f"return z with the shape of mu, {mu.shape}; got {z.shape}.")
    if np.allclose(z, mu, atol=1e-6):
        raise Wrong("with training=True sample z = mu + exp(logvar / 2) * eps, with eps from "
                    "keras.random.normal(ops.shape(mu), seed=self.sampler).")
    got = _added_loss(layer)
    if got is None:
        raise Wrong("no loss was added during training: compute the KL term and call "
                    "self.add_loss(self.beta * kl) when training=True.")
    per_dim = 0.5 * (np.exp(logvar) + mu ** 2 - 1.0 - logvar)
    kl = _kl_numpy(mu, logvar)
    truth = beta * kl
    if abs(got - truth) <= 1e-4 * max(1.0, abs(truth)):
        return
    slips = [
        (kl, "you added the KL itself: weight it by self.beta (the annealed KL weight)."),
        (beta * per_dim.sum(), "average the KL over the users of the batch, not the sum."),
        (beta * per_dim.mean(), "sum the KL over the latent dimensions, then average over "
                                "the users of the batch."),
        (2 * truth, "you are missing the factor 1/2 of the KL."),
        (-truth, "the sign is flipped: a KL divergence is never negative."),
        (beta * float((0.5 * (np.exp(0.5 * logvar) + mu ** 2 - 1.0 - logvar)).sum(axis=1)
                      .mean()),
         "in the KL, exp(logvar) is the variance sigma^2; you used sigma = exp(logvar / 2)."),
    ]
    for value, message in slips:
        if abs(got - value) <= 1e-4 * max(1.0, abs(value)):
            raise Wrong(message)
    raise Wrong(f"the added loss should be beta * KL = {truth:.5f} on this batch, you add "
                f"{got:.5f}: beta * mean over users of 0.5 * sum_d (exp(logvar) + mu^2 - 1 "
                "- logvar).")


def _check_sampling(layer_cls) -> None:
    mu_row = np.array([0.5, -1.0, 0.0], dtype=np.float32)
    logvar_row = np.array([-1.0, 0.0, 1.5], dtype=np.float32)
    mu = np.tile(mu_row, (4000, 1))
    logvar = np.tile(logvar_row, (4000, 1))
    noise = _numpy(layer_cls(beta=0.2, seed=11)((mu, logvar), training=True)) - mu
    sigma = np.exp(0.5 * logvar_row)
    spread, centre = noise.std(axis=0), noise.mean(axis=0)
    if not np.allclose(spread, sigma, rtol=0.1):
        if np.allclose(spread, np.exp(logvar_row), rtol=0.1):
            raise Wrong("exp(logvar) is the variance sigma^2: scale eps by the standard "
                        "deviation sigma = exp(logvar / 2).")
        if np.allclose(spread, 1.0, rtol=0.1):
            raise Wrong("z - mu has standard deviation 1 in every dimension: scale eps by "
                        "sigma = exp(logvar / 2).")
        raise Wrong(f"around mu, z should spread with sigma = exp(logvar / 2) = "
                    f"{np.round(sigma, 3).tolist()} per dimension; yours spreads with "
                    f"{np.round(spread, 3).tolist()}.")
    if np.abs(centre).max() > 0.1:
        raise Wrong(f"z - mu should average 0 (eps ~ N(0, I)); yours averages "
                    f"{np.round(centre, 3).tolist()}.")


def _check_seeds(layer_cls) -> None:
    rng = np.random.default_rng(5)
    mu = rng.normal(size=(8, 3)).astype(np.float32)
    logvar = np.zeros((8, 3), np.float32)
    first = layer_cls(beta=0.2, seed=7)
    a1 = _numpy(first((mu, logvar), training=True))
    a2 = _numpy(first((mu, logvar), training=True))
    b1 = _numpy(layer_cls(beta=0.2, seed=7)((mu, logvar), training=True))
    if not np.allclose(a1, b1):
        raise Wrong("two layers built with the same seed draw different noise: draw eps "
                    "with keras.random.normal(..., seed=self.sampler), the layer's "
                    "SeedGenerator (not NumPy, not an unseeded draw), so runs repeat.")
    if np.allclose(a1, a2):
        raise Wrong("two calls of the same layer draw the same noise: pass the "
                    "SeedGenerator self.sampler as the seed (not a fixed integer); it "
                    "advances at every call, so every training step sees new noise.")


def _check_gradient(layer_cls) -> None:
    import keras

    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    rng = np.random.default_rng(6)
    mu = tf.Variable(rng.normal(size=(5, 3)).astype(np.float32))
    logvar = tf.Variable(rng.normal(scale=0.5, size=(5, 3)).astype(np.float32))
    layer = layer_cls(beta=0.0, seed=3)  # beta = 0: only the sample carries gradients
    with tf.GradientTape() as tape:
        z = layer((mu, logvar), training=True)
        objective = tf.reduce_sum(tf.square(z))
    grad_mu, grad_logvar = tape.gradient(objective, [mu, logvar])
    for grad, name in ((grad_mu, "mu"), (grad_logvar, "logvar")):
        if grad is None or not np.any(np.abs(grad.numpy()) > 1e-8):
            raise Wrong(f"no gradient reaches {name} through z: build z from mu and logvar "
                        "with keras.ops (z = mu + ops.exp(0.5 * logvar) * eps, the "
                        "reparameterization trick), without stop_gradient or NumPy.")


def _check_in_a_model(layer_cls) -> None:
    import keras
    from keras import layers

    from rec_course.models.vae import multinomial_nll

    class TinyVAE(keras.Model):
        """Mult-DAE's shape with the learner's layer as the code."""

        def __init__(self, num_items: int):
            super().__init__()
            init = lambda s: keras.initializers.GlorotUniform(seed=s)  # noqa: E731
            self.enc = layers.Dense(8, activation="tanh", kernel_initializer=init(1))
            self.mu = layers.Dense(3, kernel_initializer=init(2))
            self.logvar = layers.Dense(3, kernel_initializer=init(3))
            self.code = layer_cls(beta=0.2, seed=4)
            self.dec = layers.Dense(num_items, kernel_initializer=init(5))

        def call(self, x, training=False):
            h = self.enc(x)  # (batch, 8)
            z = self.code((self.mu(h), self.logvar(h)), training=training)  # (batch, 3)
            return self.dec(z)  # logits (batch, num_items)

    x = (np.random.default_rng(7).random((64, 12)) < 0.3).astype(np.float32)
    x[:, 0] = 1.0
    model = TinyVAE(12)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=multinomial_nll)
    fit = model.fit(x, x, epochs=2, batch_size=16, verbose=0)
    losses = fit.history["loss"]
    if not np.all(np.isfinite(losses)):
        raise Wrong(f"inside a model the training loss is {losses}: keep every step "
                    "finite (exp(0.5 * logvar), not a square root of a variance).")
    scores = _numpy(model(x[:4], training=False))
    if not np.allclose(scores, _numpy(model(x[:4], training=False))):
        raise Wrong("scoring (training=False) is not deterministic inside a model.")


def check_gaussian_code(layer_cls) -> Verdict:
    """Exercise 5: ``layer_cls(beta=..., seed=...)``, a ``keras.layers.Layer`` whose
    ``call((mu, logvar), training)`` returns z (batch, latent_dim): with training, a
    reparameterized sample mu + exp(logvar / 2) * eps (eps from ``keras.random.normal``
    with the layer's SeedGenerator) and ``self.add_loss(beta * KL)``; without, mu. The
    checker runs it: shapes, the added loss against a NumPy KL on fixed inputs, the
    spread of the samples, seeding, gradients, and a short fit inside a small model."""
    def body():
        _check_kl_loss(layer_cls)
        _check_sampling(layer_cls)
        _check_seeds(layer_cls)
        _check_gradient(layer_cls)
        _check_in_a_model(layer_cls)
    return run_check("the Gaussian code of Mult-VAE (Keras)", body)


def check_beta_experiment(prediction, measured) -> Verdict:
    """Exercise 6: ``prediction`` (a sentence written before measuring) and ``measured``
    (``{beta_max: validation nDCG@10}`` or a Series indexed by beta_max) for at least the
    caps 0, 0.2 and 1.0. Prints the measured order."""
    def body():
        if prediction is None or measured is None:
            raise NotImplementedError
        if not isinstance(prediction, str) or not prediction.strip():
            raise Wrong("write your prediction as a sentence in `my_prediction` before you "
                        "measure (which cap wins, and by more than the noise?).")
        try:
            values = {float(k): float(v) for k, v in dict(measured).items()}
        except (TypeError, ValueError):
            raise Wrong("`beta_runs` should map each beta_max to one validation nDCG@10, "
                        "e.g. {0.0: 0.31, 0.2: 0.32, 1.0: 0.30}.") from None
        missing = [b for b in (0.0, 0.2, 1.0) if not any(abs(b - k) < 1e-9 for k in values)]
        if missing:
            raise Wrong(f"measure at least beta_max = 0, 0.2 and 1.0; missing {missing}.")
        bad = {k: v for k, v in values.items() if not (np.isfinite(v) and 0.0 <= v <= 1.0)}
        if bad:
            raise Wrong(f"an nDCG lies in [0, 1]; got {bad}.")
        if max(values.values()) - min(values.values()) < 1e-9:
            raise Wrong("every cap gave exactly the same number: did beta_max reach the "
                        "model (MultVAE(..., beta_max=b))?")
        order = sorted(values, key=values.get, reverse=True)
        print("measured, best first: " + ", ".join(f"beta_max={b:g}: {values[b]:.4f}"
                                                   for b in order))
    return run_check("the beta_max experiment", body)
