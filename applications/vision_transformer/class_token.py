"""The learned class token the Vision Transformer classifies from.

Shape legend: B batch, N sequence length, E width.
"""

import keras
from keras import ops

from keras_attention.api_export import keras_attention_export


@keras_attention_export
class ClassToken(keras.layers.Layer):
    """Prepends one learned E-wide vector to every sequence of the batch.

    The `[class]` token of Dosovitskiy et al. (2021, eq. 1), like BERT's
    `[CLS]`: its output vector after the encoder represents the image.

    Reference: Dosovitskiy et al., "An Image is Worth 16x16 Words:
    Transformers for Image Recognition at Scale", ICLR 2021.

    Args:
        initializer: initializer of the token (zeros, as in the reference
            implementation).
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, N, E) sequence.

    Returns:
        (B, 1 + N, E): the token, then the inputs.

    Example:
    >>> tuple(ClassToken()(np.ones((2, 16, 8), "float32")).shape)
    (2, 17, 8)
    """

    def __init__(self, initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, inputs_shape):
        if len(inputs_shape) != 3 or inputs_shape[-1] is None:
            raise ValueError(
                "ClassToken expects inputs of shape (batch, length, features) "
                f"with known features. Received: shape={tuple(inputs_shape)}"
            )
        self.token = self.add_weight(
            name="token", shape=(inputs_shape[-1],), initializer=self.initializer
        )

    def call(self, inputs):
        width = inputs.shape[-1]
        token = ops.cast(ops.reshape(self.token, (1, 1, width)), inputs.dtype)
        token = ops.broadcast_to(token, (ops.shape(inputs)[0], 1, width))  # (B, 1, E)
        return ops.concatenate([token, inputs], axis=1)  # (B, 1 + N, E)

    def compute_output_shape(self, inputs_shape):
        length = None if inputs_shape[1] is None else inputs_shape[1] + 1
        return (inputs_shape[0], length, inputs_shape[2])

    def get_config(self):
        config = super().get_config()
        config["initializer"] = keras.initializers.serialize(self.initializer)
        return config
