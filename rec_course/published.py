"""Published results the course compares itself with, with their sources (MovieLens-100K
unless the protocol names another data set).

Numbers are copied from the cited page; each entry says its split, because numbers from
different protocols are not directly comparable.
"""

from __future__ import annotations

MS_RECOMMENDERS = {
    "source": "Microsoft Recommenders, README benchmark table (MovieLens-100K, 75/25 "
              "stratified split, k=10)",
    "url": "https://github.com/recommenders-team/recommenders#algorithm-comparison",
    "protocol": "stratified-75-25 (per item in the benchmark table)",
}

SURPRISE = {
    "source": "Surprise documentation, benchmark table (MovieLens-100K, 5-fold CV)",
    "url": "https://surpriselib.com/",
    "protocol": "5-fold cross-validation",
}

LIANG_2018 = {
    "source": "Liang et al. 2018, Variational Autoencoders for Collaborative Filtering "
              "(WWW), Table 2 (MovieLens-20M)",
    "url": "https://arxiv.org/abs/1802.05814",
    "protocol": "ML-20M, strong generalization (held-out users)",
}

PUBLISHED: list[dict] = [
    {**MS_RECOMMENDERS, "model": "BiVAE",
     "metrics": {"map": 0.146126, "ndcg@10": 0.475077, "precision@10": 0.411771,
                 "recall@10": 0.219145}},
    {**MS_RECOMMENDERS, "model": "BPR",
     "metrics": {"map": 0.132478, "ndcg@10": 0.441997, "precision@10": 0.388229,
                 "recall@10": 0.212522}},
    {**MS_RECOMMENDERS, "model": "LightGCN",
     "metrics": {"map": 0.088526, "ndcg@10": 0.419846, "precision@10": 0.379626,
                 "recall@10": 0.144336}},
    {**MS_RECOMMENDERS, "model": "NCF",
     "metrics": {"map": 0.107720, "ndcg@10": 0.396118, "precision@10": 0.347296,
                 "recall@10": 0.180775}},
    {**MS_RECOMMENDERS, "model": "SAR",
     "metrics": {"map": 0.110591, "ndcg@10": 0.382461, "precision@10": 0.330753,
                 "recall@10": 0.176385, "rmse": 1.253805}},
    {**MS_RECOMMENDERS, "model": "SVD (Surprise)",
     "metrics": {"map": 0.012873, "ndcg@10": 0.095930, "precision@10": 0.091198,
                 "recall@10": 0.032783, "rmse": 0.938681}},
    {**MS_RECOMMENDERS, "model": "ALS (Spark)",
     "metrics": {"map": 0.004732, "ndcg@10": 0.044239, "precision@10": 0.048462,
                 "recall@10": 0.017796, "rmse": 0.965038}},
    {**SURPRISE, "model": "SVD", "metrics": {"rmse": 0.934}},
    {**SURPRISE, "model": "SVD++", "metrics": {"rmse": 0.919}},
    {**SURPRISE, "model": "KNNBaseline", "metrics": {"rmse": 0.931}},
    # ratings >= 4 as clicks, 10,000 held-out users scored by folding in 80% of their items
    {**LIANG_2018, "model": "Mult-VAE",
     "metrics": {"recall@20": 0.395, "recall@50": 0.537, "ndcg@100": 0.426}},
    {**LIANG_2018, "model": "Mult-DAE",
     "metrics": {"recall@20": 0.387, "recall@50": 0.524, "ndcg@100": 0.419}},
]
