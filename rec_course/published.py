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
    {"source": "Microsoft Recommenders, LightGCN deep-dive notebook (MovieLens-100K, 75/25 "
               "stratified split per user, k=10; 50 epochs, learning rate 0.005, batch 1024, "
               "3 layers, dimension 64; the test set scored during training)",
     "url": "https://github.com/recommenders-team/recommenders/blob/main/examples/"
            "02_model_collaborative_filtering/lightgcn_deep_dive.ipynb",
     "protocol": "stratified-75-25 (per user)", "model": "LightGCN",
     "metrics": {"map": 0.135305, "ndcg@10": 0.453004, "precision@10": 0.399258,
                 "recall@10": 0.213203}},
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

# ---------------------------------------------------------------- feature models (06)
CHENG_2016 = {
    "source": "Cheng et al. 2016, Wide & Deep Learning for Recommender Systems (DLRS), "
              "Table 1 (Google Play, offline AUC on a holdout set)",
    "url": "https://arxiv.org/abs/1606.07792",
    "protocol": "Google Play app installs, offline holdout",
}
GUO_2017 = {
    "source": "Guo et al. 2017, DeepFM (IJCAI), Table 2 (Criteo, random 90/10 split)",
    "url": "https://arxiv.org/abs/1703.04247",
    "protocol": "Criteo display ads, random 90/10",
}
WANG_2021_CRITEO = {
    "source": "Wang et al. 2021, DCN V2 (WWW), Table 6 (Criteo: 6 days train, last day "
              "split into valid and test; mean of 5 runs)",
    "url": "https://arxiv.org/abs/2008.13535",
    "protocol": "Criteo display ads, by day",
}
WANG_2021_ML1M = {
    "source": "Wang et al. 2021, DCN V2 (WWW), Table 6 (MovieLens-1M: ratings 1-2 -> 0, "
              "4-5 -> 1, 3 removed; random 80/10/10; mean of 5 runs)",
    "url": "https://arxiv.org/abs/2008.13535",
    "protocol": "ML-1M click: ratings >= 4 vs <= 2, random 80/10/10",
}
RECBOLE_ML1M = {
    "source": "RecBole benchmark, context-aware models on MovieLens-1M (ratings 1-2 -> 0, "
              "4-5 -> 1, 3 removed; random 8:1:1; chosen on validation AUC)",
    "url": "https://github.com/RUCAIBox/RecBole/blob/master/benchmark/md/ml-1m_context.md",
    "protocol": "ML-1M click: ratings >= 4 vs <= 2, random 80/10/10",
}
KERAS_RS_DCN = {
    "source": "keras-rs DCN example, keras.io (MovieLens-100K rating regression, shuffled "
              "80k/20k split, mean ± std of 20 runs; keras-io commit 9414d37)",
    "url": "https://github.com/keras-team/keras-io/blob/9414d37f22f514efdcaac99a701529f3df55d049/templates/examples/keras_rs/dcn.md",
    "protocol": "ML-100K rating regression, random 80/20",
}

PUBLISHED += [
    {**CHENG_2016, "model": "Wide (control)", "metrics": {"auc": 0.726}},
    {**CHENG_2016, "model": "Deep", "metrics": {"auc": 0.722}},
    {**CHENG_2016, "model": "Wide & Deep", "metrics": {"auc": 0.728}},
    {**GUO_2017, "model": "LR", "metrics": {"auc": 0.7686, "log_loss": 0.47762}},
    {**GUO_2017, "model": "FM", "metrics": {"auc": 0.7892, "log_loss": 0.46077}},
    {**GUO_2017, "model": "Wide & Deep (LR & DNN)", "metrics": {"auc": 0.7981,
                                                              "log_loss": 0.46772}},
    {**GUO_2017, "model": "DeepFM", "metrics": {"auc": 0.8007, "log_loss": 0.45083}},
    {**WANG_2021_CRITEO, "model": "DCN-V2", "metrics": {"auc": 0.8115, "log_loss": 0.4406}},
    {**WANG_2021_CRITEO, "model": "DeepFM", "metrics": {"auc": 0.8099, "log_loss": 0.4420}},
    {**WANG_2021_CRITEO, "model": "DNN", "metrics": {"auc": 0.8098, "log_loss": 0.4421}},
    {**WANG_2021_ML1M, "model": "DCN-V2", "metrics": {"auc": 0.8950, "log_loss": 0.3170}},
    {**WANG_2021_ML1M, "model": "DeepFM", "metrics": {"auc": 0.8932, "log_loss": 0.3202}},
    {**WANG_2021_ML1M, "model": "DNN", "metrics": {"auc": 0.8929, "log_loss": 0.3201}},
    {**RECBOLE_ML1M, "model": "DeepFM (RecBole)", "metrics": {"auc": 0.8997,
                                                            "log_loss": 0.3150}},
    {**RECBOLE_ML1M, "model": "WideDeep (RecBole)", "metrics": {"auc": 0.8987,
                                                              "log_loss": 0.3155}},
    {**KERAS_RS_DCN, "model": "Cross network (DCN)", "metrics": {"rmse": 0.9136,
                                                                "rmse_std": 0.0030}},
    {**KERAS_RS_DCN, "model": "Low-rank DCN", "metrics": {"rmse": 0.9156,
                                                         "rmse_std": 0.0018}},
    {**KERAS_RS_DCN, "model": "Deep network (DNN)", "metrics": {"rmse": 0.9174,
                                                               "rmse_std": 0.0060}},
]

KANG_2018 = {
    "source": "Kang & McAuley 2018, Self-Attentive Sequential Recommendation (ICDM), main "
              "results table (MovieLens-1M); protocol from the authors' code (util.py)",
    "url": "https://arxiv.org/abs/1808.09781",
    "protocol": "ML-1M, leave-last-out, test item ranked among 100 sampled negatives",
}

KLENITSKIY_2023 = {
    "source": "Klenitskiy & Vasilev 2023, Turning Dross Into Gold Loss: is BERT4Rec really "
              "better than SASRec? (RecSys), MovieLens-1M table of the authors' repository "
              "README (github.com/antklen/sasrec-bert4rec-recsys23)",
    "url": "https://arxiv.org/abs/2309.07602",
    "protocol": "ML-1M, leave-last-out, full ranking with seen items removed",
}

PUBLISHED += [
    {**KANG_2018, "model": "SASRec (BCE, 1 negative)", "metrics": {"hit_rate@10": 0.8245,
                                                                   "ndcg@10": 0.5905}},
    {**KLENITSKIY_2023, "model": "SASRec (BCE, 1 negative)", "metrics": {"hit_rate@10": 0.2500,
                                                                         "ndcg@10": 0.1341}},
    {**KLENITSKIY_2023, "model": "SASRec+ (full softmax)", "metrics": {"hit_rate@10": 0.3152,
                                                                       "ndcg@10": 0.1821}},
]
