"""Transformer encoder block: self-attention and feed-forward.

Shape legend: B batch, T length, E model width.
"""

from keras_attention import checks
from keras_attention.api_export import keras_attention_export
from keras_attention.compat import keras_mask_of
from keras_attention.layers.transformer_block_base import TransformerBlockBase


@keras_attention_export
class TransformerEncoderBlock(TransformerBlockBase):
    """One encoder layer of the Transformer (Vaswani et al. 2017).

    Multi-head self-attention, then a position-wise feed-forward network
    (Dense(intermediate_dim, activation) -> Dense(E)), each wrapped in a
    residual connection with dropout and layer normalization: after the
    sum (post-LN, the paper) or before the sublayer (`normalize_first`,
    pre-LN). Each of the `num_heads` heads has E // num_heads features.

    Reference: Vaswani et al., "Attention Is All You Need", 2017.

    Args:
        num_heads, intermediate_dim, dropout, activation, layer_norm_epsilon,
        normalize_first, kernel_initializer, bias_initializer, use_bias: see
        `TransformerDecoderBlock`; the same for both blocks (`use_bias=False`:
        no biases and no layer-norm beta, as nanoGPT's `bias=False`).
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        inputs: (B, T, E) floating-point sequence.
        padding_mask: optional (B, T) boolean (or 0/1 integer) mask, True
            for real tokens; taken from the inputs' Keras mask if not given.
            Padded keys get no attention and padded positions output
            attention of 0.
        attention_mask: optional boolean (or 0/1 integer) mask of rank 2 or
            3 that broadcasts to (B, T, T), True where a position may
            attend: (B, T, T), (B, 1, T) (e.g. `padding[:, None, :]`),
            (1, T, T) or (T, T). ANDed with `padding_mask`.
        return_attention_scores: whether to also return the self-attention
            weights (B, H, T, T), for heatmaps and inspection.
        training: whether dropout is active.

    Returns:
        (B, T, E) sequence, or `(sequence, scores)` with
        `return_attention_scores`.

    Raises:
        ValueError: for a bad constructor argument, inputs not of rank 3 or
            of another width than the block was built for, `num_heads` not
            dividing E, or masks of other shapes.
        TypeError: for non-floating inputs or float masks (an additive mask
            converts with `mask == 0`).

    Example:
    >>> x = np.random.rand(2, 10, 64).astype("float32")
    >>> tuple(TransformerEncoderBlock(num_heads=8, intermediate_dim=256)(x).shape)
    (2, 10, 64)
    """

    def build(self, inputs_shape):
        self._check_rank(inputs_shape, "inputs")
        self.self_attention, self.self_attention_layer_norm = self._build_attention(
            "self_attention",
            inputs_shape,
            inputs_shape,
            rotary=self.use_rotary_embedding,
        )
        self._build_feedforward(inputs_shape)

    def call(
        self,
        inputs,
        padding_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
    ):
        self._check_sequence("inputs", inputs)
        if padding_mask is None:
            padding_mask = keras_mask_of(inputs)
        batch_size, length = inputs.shape[0], inputs.shape[1]
        checks.mask("padding_mask", padding_mask, (batch_size, length))
        checks.attention_mask(
            "attention_mask", attention_mask, (batch_size, length, length)
        )

        def self_attention(x):
            return self.self_attention(
                x,
                x,
                query_mask=padding_mask,
                value_mask=padding_mask,
                attention_mask=attention_mask,
                return_attention_scores=return_attention_scores,
                training=training,
            )

        x = self._residual(
            inputs, self_attention, self.self_attention_layer_norm, training
        )
        if return_attention_scores:
            x, scores = x
            return self._feedforward(x, training), scores
        return self._feedforward(x, training)
