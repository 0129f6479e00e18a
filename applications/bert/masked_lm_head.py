"""BERT's masked-LM head: scores only the masked positions, through the
tied token embedding.

Shape legend: B batch, T sequence length, P masked positions, E width, V
vocabulary.
"""

import keras
from keras import ops

from applications.common.tied_output_projection import TiedOutputProjection


class MaskedLMHead(keras.layers.Layer):
    """Vocabulary logits at the masked positions of a sequence.

    The vectors at `mask_positions` are transformed by a dense layer with
    GELU and a layer normalization, then projected onto the vocabulary by
    the transposed token embedding (tied weights,
    `applications.common.tied_output_projection`), plus a bias per token:
    BERT's `cls/predictions` head (Devlin et al. 2019). Scoring only the
    masked positions spares the (B, T, V) logits of the whole sequence.

    Args:
        token_embedding: the backbone's `keras.layers.Embedding` (V, E).
        layer_norm_epsilon: epsilon of the layer normalization.
        kernel_initializer: initializer of the dense kernel.
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T, E) the backbone's sequence output.
        mask_positions: (B, P) integer positions in [0, T).

    Returns:
        (B, P, V) logits.
    """

    def __init__(
        self,
        token_embedding,
        layer_norm_epsilon=1e-12,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.token_embedding = token_embedding
        self.layer_norm_epsilon = layer_norm_epsilon
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.transform_dense = keras.layers.Dense(
            token_embedding.output_dim,
            activation="gelu",
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name="transform_dense",
        )
        self.transform_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon,
            dtype=self.dtype_policy,
            name="transform_layer_norm",
        )
        self.output_projection = TiedOutputProjection(
            token_embedding, dtype=self.dtype_policy, name="tied_output_projection"
        )

    def build(self, inputs_shape, mask_positions_shape=None):
        width = inputs_shape[-1]
        self.transform_dense.build((None, None, width))
        self.transform_layer_norm.build((None, None, width))
        self.output_projection.build((None, None, width))
        self.output_bias = self.add_weight(
            name="output_bias",
            shape=(self.token_embedding.input_dim,),
            initializer="zeros",
        )

    def call(self, inputs, mask_positions):
        positions = ops.cast(mask_positions, "int32")[:, :, None]  # (B, P, 1)
        x = ops.take_along_axis(inputs, positions, axis=1)  # (B, P, E)
        x = self.transform_layer_norm(self.transform_dense(x))
        logits = self.output_projection(x)  # (B, P, V)
        return logits + ops.cast(self.output_bias, logits.dtype)

    def compute_output_shape(self, inputs_shape, mask_positions_shape):
        return tuple(mask_positions_shape) + (self.token_embedding.input_dim,)
