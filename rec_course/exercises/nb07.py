"""Exercises of notebook 07_attention."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rec_course.exercises._check import Verdict, Wrong, build_learner_layer, run_check
from rec_course.exercises._check import to_numpy as _numpy


def check_attention_mask(mask_fn) -> Verdict:
    """Exercise 1: ``mask_fn(tokens) -> (batch, L, L) bool`` in ``keras.ops`` for
    left-padded tokens (batch, L) (0 = padding): entry (b, i, j) is True where position i
    may attend to position j, that is j <= i (causal) and token j is not padding."""
    def body():
        from rec_course.models.sasrec import attention_mask

        tokens = np.array([[0, 0, 4, 9, 2], [3, 1, 5, 7, 8], [0, 0, 0, 0, 6]], np.int32)
        out = mask_fn(tokens)
        if out is None:
            raise NotImplementedError
        got = _numpy(out)
        if got.shape != (3, 5, 5):
            raise Wrong(f"return one (L, L) mask per sequence, shape (3, 5, 5) for 3 "
                        f"sequences of 5; got {got.shape}.")
        if got.dtype != bool:
            got = got.astype(bool) if set(np.unique(got)) <= {0, 1} else got
            if got.dtype != bool:
                raise Wrong(f"return booleans (True = may attend); got values {np.unique(got)[:5]}.")
        expected = np.asarray(attention_mask(tokens))
        full = got[1]
        if full[0, 1] or full[2, 4]:
            raise Wrong("position 0 may attend to position 1 in a sequence without padding: "
                        "the mask lets a position see the future. Keep j <= i (a lower "
                        "triangle: compare ops.arange(L)[:, None] >= ops.arange(L)[None, :]).")
        if not full[4, 0] or not full[3, 3]:
            raise Wrong("in a sequence without padding, position 4 must see positions "
                        "0..4 (itself included); your mask hides some of them.")
        if got[0][4, 0] or got[0][4, 1]:
            raise Wrong("the last position of [0, 0, 4, 9, 2] may attend to the padding "
                        "positions 0 and 1: no position should look at a padding key "
                        "(compare tokens with 0 and combine with the causal mask).")
        if (got != expected).any():
            b, i, j = np.argwhere(got != expected)[0]
            raise Wrong(f"entry (sequence {b}, query {i}, key {j}) is {bool(got[b, i, j])}, "
                        f"expected {bool(expected[b, i, j])} for tokens {tokens[b].tolist()}.")
        print("causal and padding mask: every entry of 3 test sequences matches")
    return run_check("the causal attention mask", body)


def check_attention_head(layer_cls) -> Verdict:
    """Exercise 2: ``layer_cls(dim)``, a ``keras.layers.Layer`` for one attention head:
    ``call(x, mask)`` with x (batch, L, dim) and a (batch, L, L) bool mask returns
    ``(output (batch, L, dim), weights (batch, L, L))`` with queries, keys and values
    from three ``Dense`` layers (made in that order) and softmax(q k^T / sqrt(dim))
    weights."""
    def body():
        import keras

        from rec_course.models.sasrec import causal_mask

        layer = build_learner_layer(layer_cls, 8, signature="8")
        rng = np.random.default_rng(0)
        x = rng.normal(size=(2, 6, 8)).astype(np.float32)
        mask = np.broadcast_to(causal_mask(6), (2, 6, 6)).copy()
        out = layer(x, mask)
        if out is None or not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Wrong("call(x, mask) must return a pair (output, weights).")
        output, weights = _numpy(out[0]), _numpy(out[1])
        if output.shape != (2, 6, 8) or weights.shape != (2, 6, 6):
            raise Wrong(f"shapes: output (2, 6, 8) and weights (2, 6, 6) expected; got "
                        f"{output.shape} and {weights.shape}.")
        if not np.allclose(weights.sum(-1), 1.0, atol=1e-4):
            raise Wrong("each row of the weights must sum to 1 (a softmax over the keys, "
                        "axis=-1).")
        if np.abs(weights[~mask]).max() > 1e-6:
            raise Wrong("masked keys get weight: set their logits to a large negative "
                        "number (ops.where(mask, logits, -1e9)) before the softmax.")
        if len(layer.trainable_weights) < 3:
            raise Wrong("queries, keys and values come from learned projections (three "
                        "Dense layers); the layer has "
                        f"{len(layer.trainable_weights)} trainable weights.")
        changed = x.copy()
        changed[:, 4:] = rng.normal(size=(2, 2, 8))
        later = _numpy(layer(changed, mask)[0])
        if not np.allclose(later[:, :4], output[:, :4], atol=1e-5):
            raise Wrong("changing positions 4 and 5 changed the output at positions 0..3: "
                        "with a causal mask the past must not depend on the future. Use "
                        "the mask inside the softmax.")
        dense = [lyr for lyr in layer._flatten_layers(include_self=False)
                 if isinstance(lyr, keras.layers.Dense)]
        if len(dense) >= 2:  # the scale, with the learner's own query and key layers
            q, k = _numpy(dense[0](x)), _numpy(dense[1](x))
            z = np.where(mask, q @ k.transpose(0, 2, 1), -1e9)  # logits without the scale
            unscaled = np.exp(z - z.max(-1, keepdims=True))
            unscaled /= unscaled.sum(-1, keepdims=True)
            if np.allclose(unscaled, weights, atol=1e-4) and not np.allclose(
                    unscaled, 1 / np.maximum(mask.sum(-1, keepdims=True), 1), atol=1e-3):
                raise Wrong("the logits are q k^T without dividing by sqrt(dim): scale "
                            "them, or the softmax saturates as dim grows.")
        print("one attention head: shapes, softmax rows, masking and causality hold")
    return run_check("one attention head as a Keras layer", body)


def check_leave_last_out(split_fn) -> Verdict:
    """Exercise 3: ``split_fn(df) -> (fit, valid, test)``: each user's last interaction
    by time (ties broken by item id) is test, the one before it valid, the rest fit."""
    def body():
        from rec_course.data.sequences import sequence_split

        df = pd.DataFrame({"user_id": [0, 0, 0, 0, 1, 1, 1, 2, 2, 2],
                           "item_id": [5, 3, 8, 1, 4, 2, 6, 9, 7, 0],
                           "rating": 4.0,
                           "timestamp": [40, 10, 40, 20, 7, 5, 9, 3, 3, 3]})
        df = df.iloc[[3, 7, 0, 5, 9, 2, 4, 1, 8, 6]].reset_index(drop=True)  # unordered
        out = split_fn(df.copy())
        if out is None:
            raise NotImplementedError
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise Wrong("return three DataFrames: (fit, valid, test).")
        expected = sequence_split(df)
        pairs = lambda frame: sorted((int(u), int(i)) for u, i in frame[["user_id", "item_id"]].to_numpy())
        names = ("fit", "valid", "test")
        want = dict(zip(names, (expected.fit, expected.valid, expected.test)))
        got = dict(zip(names, out))
        if len(got["test"]) != 3 or len(got["valid"]) != 3:
            raise Wrong(f"one test and one valid row per user (3 users); got "
                        f"{len(got['test'])} test and {len(got['valid'])} valid rows.")
        if pairs(got["test"]) != pairs(want["test"]):
            wrong_users = {u for u, _ in set(pairs(got["test"])) ^ set(pairs(want["test"]))}
            latest = df.groupby("user_id")["timestamp"].transform("max") == df["timestamp"]
            tied = df[latest].groupby("user_id").size()
            if all(tied.get(u, 0) > 1 for u in wrong_users):
                raise Wrong(f"user(s) {sorted(int(u) for u in wrong_users)} have several "
                            "items at their latest timestamp: break ties by item id (sort "
                            "by user, timestamp, item id with a stable sort) so the split "
                            "does not depend on the file's row order.")
            raise Wrong(f"test should hold each user's latest item {pairs(want['test'])}, "
                        f"got {pairs(got['test'])}.")
        if pairs(got["valid"]) != pairs(want["valid"]):
            raise Wrong(f"valid should hold each user's second-to-last item "
                        f"{pairs(want['valid'])}, got {pairs(got['valid'])}.")
        if pairs(got["fit"]) != pairs(want["fit"]):
            raise Wrong("fit should hold everything else (every row in exactly one part).")
        print("fit / valid / test: each user's items split by time, ties by item id")
    return run_check("leave-last-out by time", body)
