# Draft of notebook 07_attention, in the percent format of `tools/assignments.py draft`
# (`python tools/assignments.py draft drafts/07_attention.py` writes solutions/ and
# notebooks/). Not yet part of the course: its first full-mode run took 12 minutes (over
# the 10-minute budget), GRU4Rec stopped barely above popularity, and the summary and
# the reading answer are still to be written from a full run. See the note.
# %% [markdown]
# # 07 · Sequences and attention: GRU4Rec, SASRec and DIN
#
# Every model so far saw a user as a *set* of items. But people watch in an order, and
# what they watched last says most about what they watch next. This notebook reads each
# user as a sequence: a recurrent network (GRU4Rec, Hidasi et al. 2016) and a causal
# transformer (SASRec, Kang & McAuley 2018) predict the next movie from the previous
# ones, and target attention (DIN, Zhou et al. 2018) weighs a user's past items by how
# much they say about the item being scored. Attention is derived by hand on a toy
# example first, then built from Keras layers, trained two ways (the paper's binary
# cross-entropy with one sampled negative, and a full softmax over the catalogue), and
# opened up: which past movies drove a recommendation.
#
# **Learning objectives**
# - Turn interactions into per-user sequences (time order, left padding, next-item
#   targets) and evaluate them with leave-last-out by time and full-catalogue ranking.
# - Compute scaled dot-product attention by hand, with the causal and the padding mask,
#   and check it against `keras.layers.MultiHeadAttention`.
# - Read the Keras code of GRU4Rec and SASRec, and of the two losses: BCE with one
#   sampled negative and the full softmax cross-entropy.
# - Compare sequential and set-based models (popularity, implicit ALS, EASE) on one
#   protocol, with the seed noise, and see again how far the sampled metrics are from
#   full ranking.
# - Explain a recommendation with SASRec's attention weights, and score a click with
#   DIN's target attention against its mean-pooling twin.
#
# **Time**: about 75 minutes of study.
#
# **Prerequisites**: `02_evaluation_and_baselines` (the protocol, sampled metrics),
# `03_collaborative_filtering` (implicit ALS), `05_autoencoders` (EASE) and
# `06_wide_and_deep` (the feature specification and the click task, for DIN).

# %%
# Colab only: install the course's helper package (skipped everywhere else).
import sys
if "google.colab" in sys.modules:
    COURSE_REPO = "https://github.com/rec-course/dl-recsys-course"  # set to your fork's URL
    !git clone --quiet --depth 1 {COURSE_REPO} /content/course
    %pip install --quiet -e /content/course
    sys.path.insert(0, "/content/course")

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rec_course import config, data, evaluation, features, metrics, noise, results, viz
from rec_course.exercises import nb07 as ex
from rec_course.models import als, baselines, din, ease, gru4rec, sasrec, sequential
from rec_course.published import PUBLISHED

import keras  # after rec_course, which keeps TensorFlow's start-up log quiet
from keras import layers, ops

# %% [markdown]
# ## Parameters

# %%
QUICK = config.quick()        # REC_COURSE_QUICK=1 in tests: fewer epochs and seeds
SEED = config.SEED            # the course's one default seed
SEEDS = [SEED, SEED + 1] if QUICK else [SEED, SEED + 1, SEED + 2]  # the headline model's
OTHER_SEEDS = SEEDS[:1] if QUICK else SEEDS  # the models compared with it
TOP_K = 10                    # length of every recommendation list
NOTEBOOK = "07_attention"     # name under which results are recorded
PROTOCOL = "leave-last-out"   # each user's last item by time is test
MAX_LEN = 50                  # past items a sequence model reads
EPOCHS = 8 if QUICK else 30   # upper bound; early stopping on validation nDCG@10
SEQ = dict(max_len=MAX_LEN, embedding_dim=64, windows="latest", learning_rate=2e-3,
           batch_size=128, epochs=EPOCHS, eval_every=2, patience=2)  # every sequence model
MAX_LEN_GRID = [10, 25] if not QUICK else [10]   # besides MAX_LEN, one seed each
BLOCKS_GRID = [1]                                 # besides 2 blocks
DIN_EPOCHS = 2 if QUICK else 6
DIN_HISTORY = 20              # past items DIN reads
CLICK_PROTOCOL = "click: ratings >= 4 vs 1 unobserved item, stratified-75-25"

# %% [markdown]
# ## Data: one sequence per user
#
# `data.user_sequences` orders each user's ratings by timestamp, ties broken by item id
# (MovieLens stores seconds, and a user often rates several movies in the same second).
# `data.sequence_split` holds out each user's last item as **test** and the one before
# it as **valid**: `fit` is what the sequence models learn from, `train = fit + valid` is
# what the test item is predicted from.

# %%
ratings, items, users = data.load_movielens_100k()
df, ids = data.index_ids(ratings)
NU, NI = ids.num_users, ids.num_items
split = data.sequence_split(df)
sequences = data.user_sequences(split.train, NU)
lengths = np.array([len(s) for s in sequences])
title = dict(zip(ids.item_index(items.item_id), items.title))
print(f"{NU} users x {NI} items; train {len(split.train):,} = fit {len(split.fit):,} "
      f"+ valid {len(split.valid):,}; test {len(split.test):,} (one per user)")
print(f"history length: median {np.median(lengths):.0f}, min {lengths.min()}, "
      f"max {lengths.max()}; {np.mean(lengths > MAX_LEN):.0%} of users have more than "
      f"MAX_LEN = {MAX_LEN} past items")

# %%
someone = 0
print("user 0's latest five movies, oldest first:")
for item in sequences[someone][-5:]:
    print("  ", title[item])
print("their test movie:", title[split.test.set_index("user_id").loc[someone, "item_id"]])

# %% [markdown]
# A sequence model reads a fixed-width window of *tokens*: item i becomes token i + 1,
# token 0 is padding, and short histories are padded on the left so that the latest item
# is always in the last column.

# %%
data.pad_sequences([np.array([4, 7]), np.array([1, 2, 3, 0])], 3)

# %% [markdown]
# ## The set-based models on the same protocol
#
# Popularity, implicit ALS (notebook 03) and EASE (notebook 05) see a user's items as a
# set. They are fitted on `train` (so they even see the validation item as a training
# interaction, which the sequence models only read as history) and ranked over the whole
# catalogue with the user's train items removed, as every model of the course.

# %%
evaluator = evaluation.Evaluator(split.train, split.test, k=TOP_K, num_users=NU, num_items=NI)
COLUMNS = [f"ndcg@{TOP_K}", f"hit_rate@{TOP_K}", f"mrr@{TOP_K}"]
final = {}
for name, model in [("Popularity", baselines.PopularityRecommender()),
                    ("Implicit ALS", als.ImplicitALS()),
                    ("EASE", ease.EASE())]:
    final[name] = evaluation.fit_and_evaluate(model, split.train, split.test, NU, NI, k=TOP_K)
pd.concat(final).droplevel(1)[COLUMNS + ["train_seconds"]].round(4)

# %% [markdown]
# ## Attention by hand
#
# A query $q$ looks at keys $k_1..k_n$ and returns a weighted mean of values
# $v_1..v_n$: weight $w_j \propto \exp(q \cdot k_j / \sqrt{d})$. Stack the queries in
# $Q$ and the keys and values in $K$, $V$:
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt d} + M\right) V$$
#
# where the mask $M$ is $0$ where a query may look and $-\infty$ where it may not. Three
# positions, two dimensions:

# %%
x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)  # (L=3, d=2)
logits = x @ x.T / np.sqrt(2)                   # queries = keys = values = x here
weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
print("weights (rows: queries, columns: keys)\n", weights.round(3))
print("output = weights @ values\n", (weights @ x).round(3))

# %% [markdown]
# In a sequence, position t must not look at positions after it (it would see the item
# it is asked to predict): the **causal mask** keeps the lower triangle. And no position
# should look at padding: the **padding mask** hides key columns whose token is 0.

# %%
causal = sasrec.causal_mask(3)
masked = np.where(causal, logits, -np.inf)
causal_weights = np.exp(masked) / np.exp(masked).sum(-1, keepdims=True)
print("causal weights\n", causal_weights.round(3))
out, package_weights = sasrec.scaled_dot_product_attention(x, x, x, causal)
assert np.allclose(np.asarray(package_weights), causal_weights, atol=1e-6)
print("padding + causal mask for tokens [0, 0, 5, 6]:\n",
      np.asarray(sasrec.attention_mask(np.array([[0, 0, 5, 6]])))[0].astype(int))

# %% [markdown]
# The course's attention layer is that formula with learned projections: queries, keys
# and values come from three `Dense` layers, and a fourth mixes the heads. It computes
# exactly what `keras.layers.MultiHeadAttention` computes (checked below with the same
# weights); the course writes its own because it builds a graph with fewer operations,
# which makes every fit's first epoch faster on a CPU.

# %%
viz.show_code(sasrec.scaled_dot_product_attention, sasrec.SelfAttention.call)

# %%
ours = sasrec.SelfAttention(8, num_heads=2, seed=SEED)
xs = np.random.default_rng(SEED).normal(size=(2, 5, 8)).astype(np.float32)
mask = np.broadcast_to(sasrec.causal_mask(5), (2, 5, 5))
ours_out, _ = ours(xs, xs, mask)
mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
mha(xs, xs, attention_mask=mask)
per_head = lambda d: [np.asarray(d.kernel).reshape(8, 2, 4), np.asarray(d.bias).reshape(2, 4)]
mha.set_weights(per_head(ours.query) + per_head(ours.key) + per_head(ours.value)
                + [np.asarray(ours.output_dense.kernel).reshape(2, 4, 8),
                   np.asarray(ours.output_dense.bias)])
gap = np.abs(np.asarray(ours_out) - np.asarray(mha(xs, xs, attention_mask=mask))).max()
print(f"largest difference from keras.layers.MultiHeadAttention: {gap:.1e}")
assert gap < 1e-5

# %% [markdown]
# ## Next-item models and their two losses
#
# Both sequence models map a window of tokens (batch, L) to one hidden vector per
# position, $h_t$ (batch, L, d), and score item $i$ after position $t$ by $h_t \cdot e_i$
# with the model's own item embeddings. Training asks every position for the item that
# came next. Two losses:
#
# - **BCE with one sampled negative** (SASRec's paper): $-\log\sigma(h_t \cdot e_{pos}) -
#   \log(1 - \sigma(h_t \cdot e_{neg}))$, a random other item as the negative;
# - **full softmax**: $-\log \mathrm{softmax}(h_t E^\top)_{pos}$ over all 1,682 items
#   (Klenitskiy & Vasilev 2023 found it much better for SASRec).
#
# Padding positions carry no target and add nothing.

# %%
viz.show_code(sequential.softmax_loss, sequential.bce_loss, sequential.NextItemModel.call)

# %% [markdown]
# The recommender around them (`SequentialRecommender`) cuts each user's history into
# training windows (here each user's latest `MAX_LEN` items, as in the paper), stops on
# validation nDCG@10, and scores the test item from the user's whole train history with
# `with_history(split.train)`. Every model below is fitted, seed by seed, with this one
# function:

# %%
def fit_sequence_model(name: str, make, seeds=OTHER_SEEDS) -> "sequential.SequentialRecommender":
    """Fit ``make(seed)`` on ``split.fit`` (early stopping on ``split.valid``) for each
    seed, score the test item from ``split.train``; keep the mean row in ``final``.
    Returns the first seed's model."""
    runs, first = [], None
    for seed in seeds:
        model = make(seed).fit(split.fit, NU, NI, valid=split.valid).with_history(split.train)
        row = evaluator(model).assign(train_seconds=model.train_seconds,
                                      epochs=len(model.history))
        runs.append(row)
        print(f"{name} seed {seed}: nDCG@10 {row.iloc[0][COLUMNS[0]]:.4f} after "
              f"{len(model.history)} epochs ({model.train_seconds:.0f} s)", flush=True)
        first = first or model
    table = pd.concat(runs)
    final[name] = table.mean().to_frame().T.assign(
        ndcg_std=table[COLUMNS[0]].std(ddof=1) if len(runs) > 1 else np.nan, seeds=len(runs))
    return first

# %% [markdown]
# ## GRU4Rec
#
# A GRU reads the item embeddings left to right; Keras masks the padding, so each user's
# GRU starts at their first item. The state after position t is $h_t$.

# %%
viz.show_code(gru4rec.GRU4RecModel.encode)

# %%
gru = fit_sequence_model("GRU4Rec", lambda s: gru4rec.GRU4Rec(**SEQ, seed=s, verbose=True),
                         seeds=[SEED])  # one seed: the 10-minute budget

# %% [markdown]
# ## SASRec
#
# SASRec adds a learned position embedding to the item embeddings and stacks blocks of
# causal self-attention and a small feed-forward network, each with layer normalization,
# dropout and a residual connection. Padding positions are zeroed after every block.

# %%
viz.show_code(sasrec.SASRecBlock.call, sasrec.SASRecModel.encode)

# %%
sas = fit_sequence_model("SASRec (full softmax)",
                         lambda s: sasrec.SASRec(**SEQ, seed=s, verbose=True), seeds=SEEDS)

# %%
sas_bce = fit_sequence_model("SASRec (BCE, 1 negative)",
                             lambda s: sasrec.SASRec(**SEQ, loss="bce", seed=s))

# %% [markdown]
# ### Against the noise
#
# There is one leave-last-out split, so the yardstick here is the seed spread: the
# standard deviation of nDCG@10 over the seeds of each model.

# %%
table = pd.concat(final).droplevel(1)
table[COLUMNS + ["ndcg_std", "train_seconds"]].round(4)

# %%
best_set = max(["Popularity", "Implicit ALS", "EASE"], key=lambda n: table.loc[n, COLUMNS[0]])
spread = float(table.loc["SASRec (full softmax)", "ndcg_std"])
for other in [best_set, "SASRec (BCE, 1 negative)", "GRU4Rec"]:
    print(noise.compare(table.loc["SASRec (full softmax)", COLUMNS[0]],
                        table.loc[other, COLUMNS[0]], spread,
                        names=("SASRec (full softmax)", other)))

# %%
# every sequence model learns something the set-based popularity ranking does not
for name in ["GRU4Rec", "SASRec (full softmax)", "SASRec (BCE, 1 negative)"]:
    assert table.loc[name, COLUMNS[0]] > table.loc["Popularity", COLUMNS[0]], name

# %% [markdown]
# ### Sampled metrics, once more
#
# SASRec's paper ranks the test item among 100 random unseen items. The same models,
# measured that way:

# %%
sampled = pd.DataFrame({name: evaluation.evaluate_sampled(model, split.train, split.test,
                                                          num_negatives=100, k=TOP_K,
                                                          seed=SEED).iloc[0]
                        for name, model in [("Popularity", baselines.PopularityRecommender()
                                             .fit(split.train, NU, NI)),
                                            ("SASRec (full softmax)", sas)]}).T
sampled.join(table[[COLUMNS[0], COLUMNS[1]]].add_suffix(" (full)")).round(4)

# %% [markdown]
# ## What drove a recommendation
#
# SASRec's last block tells how much the last position (the one that makes the
# recommendation) attended to each past item.

# %%
user = someone
top = sas.recommend(user, k=3)
weights_last = sas.attention_weights([user])[-1][0, 0, -1]    # (max_len,) of the last row
tokens = sas.tokens([user])[0]
past = pd.DataFrame({"movie": [title[t - 1] for t in tokens[tokens > 0]],
                     "weight": weights_last[tokens > 0]})
print("recommended:", "; ".join(title[i] for i in top.item_id))
fig, ax = plt.subplots(figsize=(7, 4))
shown = past.tail(15)
ax.barh(shown.movie, shown.weight)
ax.set_xlabel("attention of the last position (last block)")
ax.set_title(f"user {user}: the 15 most recent past movies, latest at the bottom")
ax.invert_yaxis()
plt.tight_layout()
plt.show()

# %%
fig, ax = plt.subplots(figsize=(5, 4))
full = sas.attention_weights([user])[-1][0, 0]
ax.imshow(full[-15:, -15:], cmap="viridis")
ax.set_xlabel("key position (last 15)")
ax.set_ylabel("query position (last 15)")
ax.set_title("causal attention: nothing above the diagonal")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## How long a memory, how deep a model
#
# One seed each, so read these against the seed spread above.

# %%
sweep = []
for max_len in MAX_LEN_GRID:
    model = sasrec.SASRec(**{**SEQ, "max_len": max_len}, seed=SEED).fit(
        split.fit, NU, NI, valid=split.valid).with_history(split.train)
    sweep.append({"max_len": max_len, "blocks": 2, "ndcg@10": evaluator(model).iloc[0][COLUMNS[0]],
                  "seconds": model.train_seconds})
    print(sweep[-1], flush=True)
for blocks in BLOCKS_GRID:
    model = sasrec.SASRec(**SEQ, num_blocks=blocks, seed=SEED).fit(
        split.fit, NU, NI, valid=split.valid).with_history(split.train)
    sweep.append({"max_len": MAX_LEN, "blocks": blocks,
                  "ndcg@10": evaluator(model).iloc[0][COLUMNS[0]], "seconds": model.train_seconds})
    print(sweep[-1], flush=True)
headline = float(evaluation.Evaluator(split.train, split.test, k=TOP_K, num_users=NU,
                                      num_items=NI)(sas).iloc[0][COLUMNS[0]])
sweep.append({"max_len": MAX_LEN, "blocks": 2, "ndcg@10": headline, "seconds": sas.train_seconds})
sweep = pd.DataFrame(sweep)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for ax, key, other in [(axes[0], "max_len", "blocks"), (axes[1], "blocks", "max_len")]:
    part = sweep[sweep[other] == (2 if other == "blocks" else MAX_LEN)].sort_values(key)
    ax.plot(part[key], part["ndcg@10"], "o-")
    ax.set_xlabel(key)
axes[0].set_ylabel("test nDCG@10 (seed 0)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## DIN: target attention for the click task
#
# Back to notebook 06's click task (ratings >= 4 against unobserved items, per-user
# stratified split). DIN adds the user's latest past items to the feature model: an
# *activation unit* scores each past item against the candidate, and the softmax of
# those scores weighs the past items into one interest vector. Its twin pools the same
# vectors with equal weights.

# %%
viz.show_code(din.ActivationUnit.call, din.DINModel.interest)

# %%
click_train, click_test = data.stratified_split(df, 0.25, seed=SEED)
click_fit, click_valid = data.train_validation_split(click_train, 0.1)
spec = features.FeatureSpec.fit(click_fit, users, items, ids)
test_clicks = features.click_examples(click_test, pd.concat([click_train, click_test]), NI,
                                      seed=SEED + 1)
tu, ti, ty = (test_clicks[c].to_numpy() for c in ("user_id", "item_id", "label"))
din_runs, din_models = [], {}
for pooling in ["attention", "mean"]:
    for seed in OTHER_SEEDS:
        model = din.DIN(spec, pooling=pooling, max_history=DIN_HISTORY, epochs=DIN_EPOCHS,
                        learning_rate=3e-3, batch_size=1024, seed=seed).fit(
            click_fit, NU, NI, valid=click_valid)
        din_runs.append({"pooling": pooling, "seed": seed,
                         "auc": metrics.auc(ty, model.logits(tu, ti)),
                         "train_seconds": model.train_seconds})
        din_models.setdefault(pooling, model)
        print(din_runs[-1], flush=True)
din_table = pd.DataFrame(din_runs).groupby("pooling").agg(
    auc=("auc", "mean"), auc_std=("auc", "std"), seconds=("train_seconds", "mean"))
din_table.round(4)

# %%
din_spread = float(din_table["auc_std"].max()) if len(OTHER_SEEDS) > 1 else float("nan")
if np.isfinite(din_spread):
    print(noise.compare(din_table.loc["attention", "auc"], din_table.loc["mean", "auc"],
                        din_spread, names=("DIN", "mean pooling")))
else:
    print("one seed per model (quick mode): no spread to compare against")

# %%
candidate = int(ti[0])
w = din_models["attention"].attention_weights(int(tu[0]), candidate)
w = w.assign(movie=[title[i] for i in w.item_id]).sort_values("weight", ascending=False)
print(f"user {tu[0]}, candidate {title[candidate]!r}: the past movies DIN weighed most")
w.head(5)[["movie", "weight"]].round(3)

# %% [markdown]
# ## Results

# %%
for name, row in final.items():
    kept = {c: float(row.iloc[0][c]) for c in COLUMNS + ["ndcg_std"]
            if c in row.columns and np.isfinite(row.iloc[0][c])}
    results.record(NOTEBOOK, name, kept, protocol=PROTOCOL,
                   train_seconds=float(row.iloc[0]["train_seconds"]))
for pooling, row in din_table.iterrows():
    results.record(NOTEBOOK, "DIN" if pooling == "attention" else "DIN, mean pooling",
                   {k: float(v) for k, v in {"auc": row.auc, "auc_std": row.auc_std}.items()
                    if np.isfinite(v)}, protocol=CLICK_PROTOCOL,
                   train_seconds=float(row.seconds))
print(f"SASRec: {sas.train_seconds / len(sas.history):.2f} s per epoch, "
      f"{sas.train_seconds:.0f} s in all (seed {SEED})")
pd.DataFrame([p for p in PUBLISHED if "SASRec" in p["model"] or "GRU4Rec" in p["model"]])

# %% [markdown]
# ## Summary
#
# (written after the full-mode run)
#
# **Where to go next**: `08_graph_neural_networks`.
#
# ## Exercises
# A checker tests each answer and, if it is wrong, says what to look at. Completed
# versions are in `solutions/07_attention.ipynb`.

# %% [markdown]
# **Exercise 1 (Keras).** Write `my_attention_mask(tokens)`: for left-padded tokens of
# shape (batch, L) (0 = padding), the boolean mask of shape (batch, L, L) whose entry
# (b, i, j) is True where position i may attend to position j: j <= i, and token j is not
# padding. Use `keras.ops` only.

# %% [answer nb07-ex1-answer]
def my_attention_mask(tokens):
    ### BEGIN SOLUTION
    length = ops.shape(tokens)[-1]
    positions = ops.arange(length)
    causal = positions[:, None] >= positions[None, :]                # (L, L): j <= i
    keys = ops.expand_dims(ops.not_equal(tokens, 0), 1)             # (batch, 1, L)
    return ops.logical_and(causal[None, :, :], keys)
    ### END SOLUTION

# %% [test nb07-ex1-test 1]
assert ex.check_attention_mask(my_attention_mask)

# %% [markdown]
# **Exercise 2 (Keras).** Write `MyAttentionHead(dim)`, one attention head as a Keras
# layer: create three `Dense(dim)` layers (queries, keys, values, in that order) and in
# `call(x, mask)` return `(output, weights)`: the weights softmax(q k^T / sqrt(dim)) with
# masked entries set to -1e9 before the softmax, shape (batch, L, L), and the output
# weights @ v, shape (batch, L, dim).

# %% [answer nb07-ex2-answer]
class MyAttentionHead(keras.layers.Layer):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim
        ### BEGIN SOLUTION
        self.query, self.key, self.value = (layers.Dense(dim) for _ in range(3))
        ### END SOLUTION

    def call(self, x, mask):
        ### BEGIN SOLUTION
        q, k, v = self.query(x), self.key(x), self.value(x)           # (batch, L, dim)
        logits = ops.matmul(q, ops.swapaxes(k, -1, -2)) / self.dim ** 0.5
        weights = ops.softmax(ops.where(mask, logits, -1e9), axis=-1)  # (batch, L, L)
        return ops.matmul(weights, v), weights
        ### END SOLUTION

# %% [test nb07-ex2-test 2]
assert ex.check_attention_head(MyAttentionHead)

# %% [markdown]
# **Exercise 3 (leave-last-out).** Write `my_split(df)` returning `(fit, valid, test)`:
# each user's last interaction by time is test, the one before it valid, the rest fit.
# Break ties in timestamp by item id, so the split does not depend on the row order.

# %% [answer nb07-ex3-answer]
def my_split(df: pd.DataFrame):
    ### BEGIN SOLUTION
    ordered = df.sort_values(["user_id", "timestamp", "item_id"], kind="stable")
    from_end = ordered.groupby("user_id").cumcount(ascending=False)  # 0 = the last item
    return ordered[from_end >= 2], ordered[from_end == 1], ordered[from_end == 0]
    ### END SOLUTION

# %% [test nb07-ex3-test 1]
assert ex.check_leave_last_out(my_split)

# %% [markdown answer nb07-ex4-reading 1]
# **Exercise 4 (reading).** In the sweep above, how much did a longer memory (`max_len`)
# and more blocks change nDCG@10, measured against the seed spread of SASRec? What does
# that say about how far back MovieLens users' next movie depends on?
#
# <!-- BEGIN SOLUTION -->
# (written after the full-mode run)
# <!-- END SOLUTION -->
