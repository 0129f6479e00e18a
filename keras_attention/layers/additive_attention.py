"""Additive (Bahdanau) attention.

Shape legend: B batch, T query length, S key length, Dq query width,
Dk key width, V value width, U `units`.
"""

from keras import initializers, ops

from keras_attention import checks
from keras_attention.api_export import keras_attention_export
from keras_attention.layers.base_attention import BaseAttention
from keras_attention.ops import masked_softmax


@keras_attention_export
class AdditiveAttention(BaseAttention):
    """Additive attention: score(q, k) = v^T tanh(W_q q + W_k k).

    The scores are softmax-normalised over the keys and weight the values.
    `W_q` (Dq, U), `W_k` (Dk, U) and `v` (U,) are learned, so queries and
    keys may have different widths: the attention of RNN encoder-decoders,
    where the query is the decoder state and the keys the encoder outputs.
    Unlike `keras.layers.AdditiveAttention`, queries and keys are projected.

    Reference: Bahdanau, Cho and Bengio, "Neural Machine Translation by
    Jointly Learning to Align and Translate", ICLR 2015.

    Args:
        units: U, the width of the hidden scoring layer, a positive integer.
        dropout: dropout rate on the attention weights (training only), in
            [0, 1).
        kernel_initializer: initializer of `W_q`, `W_k` and `v`
            (None: "glorot_uniform").
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        Those of `DotProductAttention`: `query` (B, T, Dq), `value` (B, S, V),
        optional `key` (B, S, Dk), the boolean masks, `use_causal_mask`,
        `return_attention_scores`, `training`.

    Returns:
        (B, T, V) tensor, or `(output, scores)` with (B, T, S) scores.

    Raises:
        ValueError, TypeError: as `DotProductAttention`, and a ValueError
            for `units` other than a positive integer.

    Example:
    >>> decoder_states = np.random.rand(2, 3, 16).astype("float32")
    >>> encoder_outputs = np.random.rand(2, 7, 32).astype("float32")
    >>> context = AdditiveAttention(units=24)(decoder_states, encoder_outputs)
    >>> tuple(context.shape)
    (2, 3, 32)
    """

    def __init__(
        self, units, dropout=0.0, kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(dropout=dropout, **kwargs)
        self.units = checks.positive_int("units", units)
        self.kernel_initializer = checks.initializer(
            "kernel_initializer", kernel_initializer, "glorot_uniform"
        )

    def build(self, query_shape, value_shape, key_shape=None):
        self._check_shapes(query_shape, value_shape, key_shape, build=True)
        key_shape = value_shape if key_shape is None else key_shape
        self.query_kernel = self.add_weight(
            name="query_kernel",
            shape=(query_shape[-1], self.units),
            initializer=self.kernel_initializer,
        )
        self.key_kernel = self.add_weight(
            name="key_kernel",
            shape=(key_shape[-1], self.units),
            initializer=self.kernel_initializer,
        )
        self.score_vector = self.add_weight(
            name="score_vector",
            shape=(self.units,),
            initializer=self.kernel_initializer,
        )

    def _attend(self, query, key, value, mask, is_causal, return_scores, training):
        if is_causal:
            mask, _ = self._merge_masks(
                query, value, None, None, None, None, True, cache_offset=0
            )
        projected_query = ops.matmul(query, self.query_kernel)  # (B, T, U)
        projected_key = ops.matmul(key, self.key_kernel)  # (B, S, U)
        # (B, T, 1, U) + (B, 1, S, U) -> (B, T, S, U) -> (B, T, S)
        hidden = ops.tanh(projected_query[:, :, None, :] + projected_key[:, None, :, :])
        scores = ops.einsum(
            "btsu,u->bts", hidden, ops.cast(self.score_vector, hidden.dtype)
        )
        weights = masked_softmax(scores, mask)
        dropout = self._active_dropout(training)
        attended = weights if dropout is None else dropout(weights)
        output = ops.matmul(attended, value)  # (B, T, V)
        if return_scores:
            return output, weights
        return output

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "dropout": self.dropout,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
            }
        )
        return config
