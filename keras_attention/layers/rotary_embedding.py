"""Rotary position embedding (RoPE).

Shape legend: B batch, T length, H heads, D head size (even).
"""

import keras
from keras import ops

from keras_attention import checks
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class RotaryEmbedding(checks.AcceptsNestedLists, keras.layers.Layer):
    """Rotates query/key features by angles proportional to their position.

    Feature pairs (i, i + D/2) of the token at position p are rotated by the
    angle p * max_wavelength^(-2i/D), so the dot product of a rotated query
    and key depends only on their relative position. Uses the "rotate half"
    pairing of GPT-NeoX, Llama and keras-hub. `MultiHeadAttention` applies
    it to queries and keys when built with `use_rotary_embedding=True`.

    Reference: Su et al., "RoFormer: Enhanced Transformer with Rotary
    Position Embedding", 2021.

    Args:
        max_wavelength: the longest wavelength of the rotations, a positive
            number.
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T, H, D) or (B, T, D) floating-point tensor.
        start_index: position of the first token (the cache index when
            decoding step by step): a non-negative Python int or integer
            scalar tensor. A known negative one raises a ValueError; a
            traced one is used as it is (every position has its rotation).

    Returns:
        The rotated tensor, of the shape of `inputs`.

    Raises:
        ValueError: for a bad `max_wavelength`, inputs not of rank 3 or 4,
            an odd or unknown last dimension, or a known negative
            `start_index`.
        TypeError: for non-floating inputs or a non-integer `start_index`.

    Example:
    >>> query = np.random.rand(2, 5, 4, 16).astype("float32")
    >>> tuple(RotaryEmbedding()(query).shape)
    (2, 5, 4, 16)
    """

    def __init__(self, max_wavelength=10000, **kwargs):
        super().__init__(**kwargs)
        self.max_wavelength = checks.positive_number("max_wavelength", max_wavelength)
        self.supports_masking = True

    def call(self, inputs, start_index=0):
        checks.floating("inputs", inputs)
        checks.rank("inputs", inputs, (3, 4), "(batch, length, [heads,] features)")
        depth = inputs.shape[-1]
        if depth is None or depth % 2:
            raise ValueError(
                "RotaryEmbedding needs `inputs` with an even, known last "
                f"dimension. Received: inputs.shape={tuple(inputs.shape)}"
            )
        start_index = checks.start_index(start_index)  # read once
        half = depth // 2
        inverse_frequencies = ops.power(
            float(self.max_wavelength), -ops.arange(half, dtype="float32") / half
        )  # (D/2,)
        positions = ops.arange(ops.shape(inputs)[1]) + ops.cast(start_index, "int32")
        positions = ops.cast(positions, "float32")  # (T,)
        angles = positions[:, None] * inverse_frequencies[None, :]  # (T, D/2)
        angles = ops.concatenate([angles, angles], axis=-1)  # (T, D)
        if len(inputs.shape) == 4:
            angles = angles[:, None, :]  # (T, 1, D): same for every head
        cos = ops.cast(ops.cos(angles), inputs.dtype)
        sin = ops.cast(ops.sin(angles), inputs.dtype)
        first, second = inputs[..., :half], inputs[..., half:]
        rotated_half = ops.concatenate([-second, first], axis=-1)
        return inputs * cos + rotated_half * sin

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_wavelength": self.max_wavelength})
        return config
