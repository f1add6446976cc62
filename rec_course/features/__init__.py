"""Features for the feature-based models of notebook 06 (Wide&Deep, DeepFM, DCN-v2).

    from rec_course import features
    spec = features.FeatureSpec.fit(train, users, items, ids)

One specification, fitted on the train split only, turns the user and item tables into
integer feature indices with Keras preprocessing layers; every model of the chapter
reuses it. :func:`click_examples` builds the click-style task (rating >= 4 positive,
sampled unobserved items negative); :func:`permutation_importance` measures what each
group of fields is worth to a trained model.
"""

from rec_course.features.importance import permutation_importance
from rec_course.features.spec import (
    OOV, PAD, Cross, FeatureSpec, Field, bucket_labels, click_examples,
)

__all__ = ["OOV", "PAD", "Cross", "FeatureSpec", "Field", "bucket_labels", "click_examples",
           "permutation_importance"]
