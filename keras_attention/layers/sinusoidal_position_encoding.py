"""Fixed sine/cosine position encoding of "Attention Is All You Need".

Shape legend: B batch, T length, D width.
"""

import keras
from keras import ops

from keras_attention import checks
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class SinusoidalPositionEncoding(checks.AcceptsNestedLists, keras.layers.Layer):
    """Returns the sinusoidal position encoding for the input's shape.

    Interleaved exactly as in the paper, for position `pos` and feature
    index `2i` / `2i + 1`:
    PE(pos, 2i) = sin(pos / max_wavelength^(2i / D)),
    PE(pos, 2i + 1) = cos(pos / max_wavelength^(2i / D)).
    The layer has no weights and works for any length. Add its output to
    the token embeddings.

    Reference: Vaswani et al., "Attention Is All You Need", 2017, section 3.5.

    Args:
        max_wavelength: the base of the geometric progression of
            wavelengths, a positive number.
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T, D) tensor (only its shape is used).
        start_index: position of the first token (for step-by-step
            decoding): a non-negative Python int or integer scalar tensor. A
            known negative one raises a ValueError; a traced one is used as
            it is (the formula holds at every position).

    Returns:
        (B, T, D) encoding, in the layer's compute dtype.

    Raises:
        ValueError: for a bad `max_wavelength`, inputs not of rank 3, or a
            known negative `start_index`.
        TypeError: for a `start_index` that is not an integer.

    Example:
    >>> embeddings = np.zeros((2, 6, 16), "float32")
    >>> tuple(SinusoidalPositionEncoding()(embeddings).shape)
    (2, 6, 16)
    """

    def __init__(self, max_wavelength=10000, **kwargs):
        super().__init__(**kwargs)
        self.max_wavelength = checks.positive_number("max_wavelength", max_wavelength)
        self.supports_masking = True

    def call(self, inputs, start_index=0):
        if len(inputs.shape) != 3:
            raise ValueError(
                "SinusoidalPositionEncoding expects `inputs` of rank 3 (batch, "
                f"length, features). Received: inputs.shape={tuple(inputs.shape)}"
            )
        start_index = checks.start_index(start_index)  # read once
        shape = ops.shape(inputs)
        length, depth = shape[1], inputs.shape[-1]
        positions = ops.arange(length) + ops.cast(start_index, "int32")
        positions = ops.cast(positions, "float32")  # (T,)
        features = ops.arange(depth)  # (D,)
        even_index = ops.cast(features - features % 2, "float32")  # 2i, twice
        timescales = ops.power(float(self.max_wavelength), even_index / depth)
        angles = positions[:, None] / timescales[None, :]  # (T, D)
        encoding = ops.where(features % 2 == 0, ops.sin(angles), ops.cos(angles))
        encoding = ops.cast(encoding, self.compute_dtype)
        return ops.broadcast_to(encoding[None], shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_wavelength": self.max_wavelength})
        return config
