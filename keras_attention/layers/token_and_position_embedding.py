"""Token embedding plus position embedding.

Shape legend: B batch, T length, D `embedding_dim`.
"""

import keras
from keras import ops

from keras_attention.api_export import keras_attention_export
from keras_attention.layers.learned_position_embedding import (
    LearnedPositionEmbedding,
    check_sequence_length,
)
from keras_attention.layers.sinusoidal_position_encoding import (
    SinusoidalPositionEncoding,
)

POSITIONS = ("learned", "sinusoidal")


@keras_attention_export
class TokenAndPositionEmbedding(keras.layers.Layer):
    """Embeds token ids and adds an embedding of their positions.

    The input of every Transformer here. With `mask_zero=True`, id 0 is
    padding and the layer attaches a (B, T) Keras mask to its output, which
    the attention layers and blocks downstream pick up.

    Args:
        vocabulary_size: number of token ids.
        sequence_length: the longest sequence accepted.
        embedding_dim: D.
        position: `"learned"` (a trainable table, `LearnedPositionEmbedding`)
            or `"sinusoidal"` (`SinusoidalPositionEncoding`).
        mask_zero: whether id 0 is padding to be masked.
        embeddings_initializer: initializer of the token table.
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T) integer token ids.
        start_index: position of the first token (for step-by-step decoding).

    Returns:
        (B, T, D) embeddings.

    Example:
    >>> token_ids = np.array([[5, 9, 2, 0, 0]])
    >>> embed = TokenAndPositionEmbedding(100, 16, 8, mask_zero=True)
    >>> tuple(embed(token_ids).shape)
    (1, 5, 8)
    """

    def __init__(
        self,
        vocabulary_size,
        sequence_length,
        embedding_dim,
        position="learned",
        mask_zero=False,
        embeddings_initializer="uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if position not in POSITIONS:
            raise ValueError(
                f"`position` must be one of {POSITIONS}. "
                f"Received: position={position!r}"
            )
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.position = position
        self.mask_zero = mask_zero
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size,
            embedding_dim,
            embeddings_initializer=self.embeddings_initializer,
            mask_zero=mask_zero,
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        if position == "learned":
            self.position_embedding = LearnedPositionEmbedding(
                sequence_length, dtype=self.dtype_policy, name="position_embedding"
            )
        else:
            self.position_embedding = SinusoidalPositionEncoding(
                dtype=self.dtype_policy, name="position_embedding"
            )
        self.supports_masking = mask_zero

    def build(self, inputs_shape):
        self.token_embedding.build(inputs_shape)
        self.position_embedding.build(tuple(inputs_shape) + (self.embedding_dim,))

    def call(self, inputs, start_index=0):
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        if "int" not in dtype:
            raise ValueError(
                "TokenAndPositionEmbedding expects integer token ids. Received: "
                f"inputs.dtype={dtype}. Tokenize the text first (or cast the ids "
                "with ops.cast(ids, 'int32'))."
            )
        if len(inputs.shape) != 2:
            raise ValueError(
                "TokenAndPositionEmbedding expects inputs of shape (batch, length). "
                f"Received: inputs.shape={tuple(inputs.shape)}"
            )
        check_sequence_length(inputs.shape[1], self.sequence_length, start_index)
        embeddings = self.token_embedding(inputs)
        positions = self.position_embedding(embeddings, start_index=start_index)
        return embeddings + positions

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.embedding_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "sequence_length": self.sequence_length,
                "embedding_dim": self.embedding_dim,
                "position": self.position,
                "mask_zero": self.mask_zero,
                "embeddings_initializer": keras.initializers.serialize(
                    self.embeddings_initializer
                ),
            }
        )
        return config
