"""Trainable position embedding table.

Shape legend: B batch, T length, D width, L `sequence_length`.
"""

import keras
from keras import ops

from keras_attention.api_export import keras_attention_export


@keras_attention_export
class LearnedPositionEmbedding(keras.layers.Layer):
    """Returns learned position embeddings for the input's shape.

    An (L, D) table whose row `p` is the embedding of position `p`, as in
    BERT and GPT. Sequences longer than L cannot be embedded: a static
    length beyond L raises a `ValueError`.

    Args:
        sequence_length: L, the longest sequence the table covers.
        initializer: initializer of the table.
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T, D) tensor (only its shape is used).
        start_index: position of the first token (for step-by-step decoding).

    Returns:
        (B, T, D) embeddings.

    Example:
    >>> embeddings = np.zeros((2, 6, 16), "float32")
    >>> tuple(LearnedPositionEmbedding(sequence_length=32)(embeddings).shape)
    (2, 6, 16)
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(sequence_length, int) or sequence_length <= 0:
            raise ValueError(
                "`sequence_length` must be a positive integer. "
                f"Received: sequence_length={sequence_length!r}"
            )
        self.sequence_length = sequence_length
        self.initializer = keras.initializers.get(initializer)
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
                "LearnedPositionEmbedding expects inputs of rank 3 (batch, "
                f"length, features). Received: inputs.shape={tuple(inputs.shape)}"
            )
        check_sequence_length(inputs.shape[1], self.sequence_length, start_index)
        shape = ops.shape(inputs)
        table = ops.convert_to_tensor(self.position_embeddings)
        positions = ops.slice(table, (start_index, 0), (shape[1], inputs.shape[-1]))
        return ops.broadcast_to(positions[None], shape)

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
    if positions from a static `start_index` run past the end of the table."""
    if length is not None and length > sequence_length:
        raise ValueError(
            f"The input sequence is longer than `sequence_length`. Received: "
            f"length {length}, expected at most sequence_length={sequence_length}. "
            "Truncate the inputs or build the layer with a longer sequence_length."
        )
    if length is not None and isinstance(start_index, int):
        if start_index < 0 or start_index + length > sequence_length:
            raise ValueError(
                "Positions `start_index` to `start_index + length` run past the "
                f"position table. Received: start_index={start_index} and length "
                f"{length}, expected start_index >= 0 and start_index + length "
                f"at most sequence_length={sequence_length}"
            )
