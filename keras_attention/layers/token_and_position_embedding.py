"""Token embedding plus position embedding.

Shape legend: B batch, T length, D `embedding_dim`.
"""

import keras
from keras import ops

from keras_attention import checks
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
class TokenAndPositionEmbedding(checks.AcceptsNestedLists, keras.layers.Layer):
    """Embeds token ids and adds an embedding of their positions.

    The input of every Transformer here. With `mask_zero=True`, id 0 is
    padding and the layer attaches a (B, T) Keras mask to its output, which
    the attention layers and blocks downstream pick up.

    Token ids and positions are checked where their values are known (a
    numpy array, an eager tensor, a Python int): an id outside
    [0, vocabulary_size) or positions from `start_index` past
    `sequence_length` raise a ValueError, on every backend. Inside
    `jax.jit`, `tf.function` or `torch.compile` they cannot be read; ids
    are then clipped to [0, vocabulary_size - 1] and learned positions to
    [0, sequence_length - 1] (sinusoidal positions need no table), the
    same on every backend, where the backends' own lookups would give NaN
    (JAX), the last row (negative ids) or an error.

    Args:
        vocabulary_size: number of token ids, a positive integer.
        sequence_length: the longest sequence accepted, a positive integer.
        embedding_dim: D, a positive integer.
        position: `"learned"` (a trainable table, `LearnedPositionEmbedding`)
            or `"sinusoidal"` (`SinusoidalPositionEncoding`).
        mask_zero: whether id 0 is padding to be masked.
        embeddings_initializer: initializer of the token table (None:
            "uniform").
        scale_embeddings: whether the token embeddings are multiplied by
            sqrt(D) before the positions are added, as in Vaswani et al.,
            "Attention Is All You Need", 2017 (section 3.4), whose table is
            shared with the output projection; use it with a table of
            entries of standard deviation about D**-0.5, e.g.
            `RandomNormal(stddev=D**-0.5)` (fairseq's). Default False.
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T) integer token ids in [0, vocabulary_size).
        start_index: position of the first token (for step-by-step
            decoding): a non-negative Python int or integer scalar tensor.

    Returns:
        (B, T, D) embeddings.

    Raises:
        ValueError: for a bad constructor argument, ids not of shape
            (B, T), known ids out of range, a sequence longer than
            `sequence_length`, or known positions past it.
        TypeError: for non-integer ids or a non-integer `start_index`.

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
        scale_embeddings=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = checks.positive_int("vocabulary_size", vocabulary_size)
        self.sequence_length = checks.positive_int("sequence_length", sequence_length)
        self.embedding_dim = checks.positive_int("embedding_dim", embedding_dim)
        self.position = checks.one_of("position", position, POSITIONS)
        self.mask_zero = checks.boolean("mask_zero", mask_zero)
        self.embeddings_initializer = checks.initializer(
            "embeddings_initializer", embeddings_initializer, "uniform"
        )
        self.scale_embeddings = checks.boolean("scale_embeddings", scale_embeddings)
        self.token_embedding = keras.layers.Embedding(
            self.vocabulary_size,
            self.embedding_dim,
            embeddings_initializer=self.embeddings_initializer,
            mask_zero=mask_zero,
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        if position == "learned":
            self.position_embedding = LearnedPositionEmbedding(
                self.sequence_length, dtype=self.dtype_policy, name="position_embedding"
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
            raise TypeError(
                "`inputs` must be integer token ids. Received: "
                f"inputs.dtype={dtype}. Tokenize the text first (or cast the ids "
                "with ops.cast(ids, 'int32'))."
            )
        if len(inputs.shape) != 2:
            raise ValueError(
                "TokenAndPositionEmbedding expects `inputs` of shape (batch, "
                f"length). Received: inputs.shape={tuple(inputs.shape)}"
            )
        # Read once here; the position layer gets the Python int (or the
        # traced tensor) and reads nothing more.
        start_index = check_sequence_length(
            inputs.shape[1], self.sequence_length, start_index
        )
        checks.token_ids_in_range("inputs", inputs, self.vocabulary_size)
        # A no-op unless traced ids are out of range (known ones raised).
        token_ids = ops.clip(inputs, 0, self.vocabulary_size - 1)
        embeddings = self.token_embedding(token_ids)  # (B, T, D)
        if self.scale_embeddings:
            scale = ops.cast(self.embedding_dim**0.5, embeddings.dtype)
            embeddings = ops.multiply(embeddings, scale)
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
                "scale_embeddings": self.scale_embeddings,
            }
        )
        return config
