"""Output projection sharing its weights with a token embedding."""

import keras
from keras import ops


class TiedOutputProjection(keras.layers.Layer):
    """Logits from the transposed token embedding table: x E^T.

    Vaswani et al. (2017, section 3.4) share one matrix between the target
    embedding and the pre-softmax linear transformation (Press & Wolf
    2017). The layer has no weights of its own: it reads the `embeddings`
    of the `keras.layers.Embedding` it is given.

    Args:
        embedding: the `keras.layers.Embedding` whose (V, E) table is used.
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T, E) vectors.

    Returns:
        (B, T, V) logits.

    Example:
    >>> embedding = keras.layers.Embedding(100, 16)
    >>> embedding.build((None,))
    >>> tuple(TiedOutputProjection(embedding)(np.ones((2, 3, 16))).shape)
    (2, 3, 100)
    """

    def __init__(self, embedding, **kwargs):
        super().__init__(**kwargs)
        self.embedding = embedding

    def build(self, inputs_shape):
        if not self.embedding.built:
            self.embedding.build((None,))
        width = self.embedding.output_dim
        if inputs_shape[-1] != width:
            raise ValueError(
                "Tied output projection needs inputs as wide as the embedding. "
                f"Received: inputs.shape={tuple(inputs_shape)}, embedding width "
                f"{width}"
            )

    def call(self, inputs):
        table = ops.cast(self.embedding.embeddings, inputs.dtype)  # (V, E)
        return ops.matmul(inputs, ops.transpose(table))  # (B, T, V)

    def compute_output_shape(self, inputs_shape):
        return tuple(inputs_shape[:-1]) + (self.embedding.input_dim,)
