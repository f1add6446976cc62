"""GRU4Rec (Hidasi et al. 2016): a recurrent network over a user's recent items.

Item embeddings go through a GRU that returns its state at every position; the state
after position t scores the next item against the same item embeddings (tied input and
output, trained here with the full-softmax or one-negative loss of
:mod:`rec_course.models.sequential`, not the paper's session-parallel mini-batches).
Padding (token 0, on the left) is masked, so the GRU starts at each user's first item.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from rec_course.models.sequential import NextItemModel, SequentialRecommender


@keras.saving.register_keras_serializable(package="rec_course")
class GRU4RecModel(NextItemModel):
    """Tokens (batch, L) -> GRU states (batch, L, dim).

    Args:
        num_items, embedding_dim, max_len, seed: as for ``NextItemModel``.
        dropout: on the embeddings and on the states.
    """

    def __init__(self, num_items: int, embedding_dim: int = 64, max_len: int = 50,
                 dropout: float = 0.2, seed: int = 0, **kwargs):
        super().__init__(num_items, embedding_dim, max_len, seed, **kwargs)
        self.dropout_rate = dropout
        self.gru = layers.GRU(embedding_dim, return_sequences=True,
                              kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1),
                              recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 2))
        self.input_dropout = layers.Dropout(dropout, seed=seed + 3)
        self.output_dropout = layers.Dropout(dropout, seed=seed + 4)

    def encode(self, tokens, training=False):
        mask = ops.not_equal(tokens, 0)  # (batch, L): padding steps keep the state
        x = self.input_dropout(self.item_embedding(tokens), training=training)
        h = self.gru(x, mask=mask, training=training)  # (batch, L, dim)
        return self.output_dropout(h, training=training)


class GRU4Rec(SequentialRecommender):
    """GRU4Rec trained as the other sequence models (see ``SequentialRecommender``).

    Args:
        dropout: embedding and state dropout.
        max_len, embedding_dim, loss and the rest: see
            :class:`~rec_course.models.sequential.SequentialRecommender`.
    """

    def __init__(self, *, dropout: float = 0.2, **kwargs):
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        super().__init__(**kwargs)
        self.dropout = dropout

    def build_model(self) -> GRU4RecModel:
        return GRU4RecModel(self.num_items, self.embedding_dim, self.max_len, self.dropout,
                            seed=self.seed)
