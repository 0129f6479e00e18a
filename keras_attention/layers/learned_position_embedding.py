"""Trainable position embedding table.

Shape legend: B batch, T length, D width, L `sequence_length`.
"""

import keras
from keras import ops

from keras_attention import checks
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class LearnedPositionEmbedding(checks.AcceptsNestedLists, keras.layers.Layer):
    """Returns learned position embeddings for the input's shape.

    An (L, D) table whose row `p` is the embedding of position `p`, as in
    BERT and GPT. Sequences longer than L cannot be embedded: a static
    length beyond L raises a `ValueError`, as do positions from a known
    `start_index` (a Python int, an eager tensor) that run past the table.
    A `start_index` traced inside `jax.jit`, `tf.function` or
    `torch.compile` cannot be checked: positions outside [0, L) are then
    clipped to it (they take the first or last row), the same on every
    backend.

    Args:
        sequence_length: L, the longest sequence the table covers, a
            positive integer.
        initializer: initializer of the table (None: "glorot_uniform").
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T, D) tensor (only its shape is used).
        start_index: position of the first token (for step-by-step
            decoding): a non-negative Python int or integer scalar tensor.

    Returns:
        (B, T, D) embeddings.

    Raises:
        ValueError: for a bad `sequence_length` or `initializer`, inputs not
            of rank 3 or of another width than the table's, a length over
            L, or known positions past the table.
        TypeError: for a `start_index` that is not an integer.

    Example:
    >>> embeddings = np.zeros((2, 6, 16), "float32")
    >>> tuple(LearnedPositionEmbedding(sequence_length=32)(embeddings).shape)
    (2, 6, 16)
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = checks.positive_int("sequence_length", sequence_length)
        self.initializer = checks.initializer(
            "initializer", initializer, "glorot_uniform"
        )
        self.supports_masking = True

    def build(self, inputs_shape):
        self.position_embeddings = self.add_weight(
            name="embeddings",
            shape=(self.sequence_length, inputs_shape[-1]),
            initializer=self.initializer,
        )

    def call(self, inputs, start_index=0):
        if len(inputs.shape) != 3:
            raise ValueError(
                "LearnedPositionEmbedding expects `inputs` of rank 3 (batch, "
                f"length, features). Received: inputs.shape={tuple(inputs.shape)}"
            )
        width = self.position_embeddings.shape[-1]
        if inputs.shape[-1] not in (None, width):
            raise ValueError(
                "`inputs` has a different width from the position table's. "
                f"Received: inputs.shape={tuple(inputs.shape)}, expected a last "
                f"dimension of {width}"
            )
        start_index = check_sequence_length(
            inputs.shape[1], self.sequence_length, start_index
        )
        shape = ops.shape(inputs)
        table = ops.convert_to_tensor(self.position_embeddings)
        length = inputs.shape[1]
        if isinstance(start_index, int) and isinstance(length, int):
            # Known and checked above: a slice, whose gradient is a pad
            # rather than the scatter of a gather's (a training step's).
            embeddings = ops.slice(table, (start_index, 0), (length, width))
        else:
            # Positions clipped to the table: a no-op unless a traced
            # start_index runs past it (the checks caught every known one).
            positions = ops.arange(shape[1]) + ops.cast(start_index, "int32")  # (T,)
            positions = ops.clip(positions, 0, self.sequence_length - 1)
            embeddings = ops.take(table, positions, axis=0)  # (T, D)
        return ops.broadcast_to(embeddings[None], shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sequence_length": self.sequence_length,
                "initializer": keras.initializers.serialize(self.initializer),
            }
        )
        return config


def check_sequence_length(length, sequence_length, start_index=0):
    """Raises a ValueError if a static `length` exceeds `sequence_length`, or
    if positions from a known `start_index` run past the end of the table
    (see `checks.known_start_index` for the errors of `start_index` itself).

    Returns:
        `start_index` as `checks.start_index` gives it: a Python int when
        known (read once), else the traced tensor.
    """
    start = checks.known_start_index(start_index)
    if length is not None and length > sequence_length:
        raise ValueError(
            f"The input sequence is longer than `sequence_length`. Received: "
            f"length {length}, expected at most sequence_length={sequence_length}. "
            "Truncate the inputs or build the layer with a longer sequence_length."
        )
    if length is not None and start is not None and start + length > sequence_length:
        raise ValueError(
            "Positions `start_index` to `start_index + length` run past the "
            f"position table. Received: start_index={start} and length "
            f"{length}, expected start_index >= 0 and start_index + length "
            f"at most sequence_length={sequence_length}"
        )
    return start_index if start is None else start
