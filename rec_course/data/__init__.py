"""Data layer: MovieLens loading, synthetic data, preprocessing, splits, matrices, sampling.

    from rec_course import data
    ratings, items, users = data.load_movielens_100k()
"""

from rec_course.data import explore
from rec_course.data.movielens import (
    GENRES, ML_100K, CorruptDataError, DataUnavailableError, MovieLens, load_movielens_100k,
    ratings_sha256,
)
from rec_course.data.preprocessing import (
    IdMap, dataset_stats, index_ids, k_core, to_implicit, validate_interactions,
)
from rec_course.data.sampling import sample_negatives
from rec_course.data.sparse import interaction_matrix
from rec_course.data.splits import (
    ColdStartSplit, cold_start_split, leave_last_out, stratified_split, temporal_split, train_validation_split,
)
from rec_course.data.sequences import (
    PAD, SequenceSplit, next_item_examples, pad_sequences, sequence_split, to_tokens, user_sequences,
)
from rec_course.data.synthetic import make_synthetic, make_synthetic_features, make_synthetic_sequences
from rec_course.schema import ITEM_ID, RATING, TIMESTAMP, USER_ID

__all__ = [
    "GENRES", "ITEM_ID", "ColdStartSplit", "cold_start_split", "explore", "ML_100K", "RATING", "TIMESTAMP", "USER_ID", "CorruptDataError",
    "DataUnavailableError", "IdMap", "MovieLens", "dataset_stats", "index_ids",
    "interaction_matrix", "k_core", "leave_last_out", "load_movielens_100k",
    "make_synthetic", "make_synthetic_features", "make_synthetic_sequences", "PAD", "SequenceSplit",
    "next_item_examples", "pad_sequences", "sequence_split", "to_tokens", "user_sequences", "ratings_sha256", "sample_negatives", "stratified_split",
    "temporal_split", "to_implicit", "train_validation_split", "validate_interactions",
]
