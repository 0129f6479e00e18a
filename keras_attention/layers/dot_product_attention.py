"""Single-head dot-product (Luong) and scaled dot-product (Vaswani) attention.

Shape legend: B batch, T query length, S key length, D query/key width,
V value width.
"""

from keras import initializers, ops

from keras_attention import checks
from keras_attention.api_export import keras_attention_export
from keras_attention.layers.base_attention import BaseAttention
from keras_attention.ops import scaled_dot_product_attention

SCORE_MODES = ("dot", "scaled_dot", "general")


@keras_attention_export
class DotProductAttention(BaseAttention):
    """Dot-product attention with no projections: softmax(score(Q, K)) V.

    The score of query `q` and key `k` is, by `score_mode`:
    `"dot"`: q.k (Luong et al. 2015); `"scaled_dot"`: q.k / sqrt(D)
    (Vaswani et al. 2017); `"general"`: q^T W k with a learned (D_q, D_k)
    matrix W (Luong et al. 2015), so query and key may differ in width.
    With no scores requested and no active dropout, the kernel is
    `keras.ops.dot_product_attention` (each backend's fused implementation;
    TensorFlow, which has none, computes it explicitly). Where the weights
    are computed explicitly, the scores and the softmax are computed in
    float32, so float16 inputs of large magnitude do not overflow to NaN.

    References: Luong et al., "Effective Approaches to Attention-based Neural
    Machine Translation", 2015. Vaswani et al., "Attention Is All You Need",
    2017.

    Args:
        score_mode: `"dot"`, `"scaled_dot"` or `"general"`.
        dropout: dropout rate on the attention weights (training only), in
            [0, 1).
        kernel_initializer: initializer of W for `"general"` (None:
            "glorot_uniform").
        **kwargs: forwarded to `keras.layers.Layer` (e.g. `name`, `dtype`).

    Call arguments:
        query: (B, T, D) floating-point queries.
        value: (B, S, V) floating-point values, of the same batch size.
        key: optional (B, S, D) keys; defaults to `value`.
        query_mask: optional (B, T) boolean mask of valid queries; rows of
            masked queries output 0. Filled from Keras masks if not given.
        value_mask: optional (B, S) boolean mask of valid values.
        key_mask: optional (B, S) boolean mask of valid keys.
        attention_mask: optional boolean mask of rank 2 or 3 that
            broadcasts to (B, T, S): (B, T, S), (B, 1, S) (one mask of the
            keys per example), (1, T, S) or (T, S) (one for the batch).
            True may attend. ANDed with the other masks.
        use_causal_mask: whether query t only attends keys at <= t.
        return_attention_scores: whether to also return the weights.
        training: whether dropout is active.

        Masks are boolean (True: may attend) or 0/1 integers. A float mask
        raises a TypeError: an additive mask (0 keeps, -inf drops) converts
        with `mask == 0`.

    Returns:
        (B, T, V) tensor, or `(output, scores)` with (B, T, S) scores whose
        rows sum to 1 (0 for rows with no valid key).

    Raises:
        ValueError: for a bad constructor argument; for inputs of another
            rank, of different batch sizes or key/value lengths; for widths
            the scores cannot combine; for padding masks of another shape or an
            `attention_mask` that does not broadcast to (B, T, S).
        TypeError: for integer inputs and float masks.

    Example:
    >>> query = np.random.rand(2, 4, 8).astype("float32")
    >>> value = np.random.rand(2, 6, 8).astype("float32")
    >>> attention = DotProductAttention(score_mode="scaled_dot")
    >>> output, scores = attention(query, value, return_attention_scores=True)
    >>> tuple(output.shape), tuple(scores.shape)
    ((2, 4, 8), (2, 4, 6))
    """

    def __init__(
        self,
        score_mode="scaled_dot",
        dropout=0.0,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(dropout=dropout, **kwargs)
        self.score_mode = checks.one_of("score_mode", score_mode, SCORE_MODES)
        self.kernel_initializer = checks.initializer(
            "kernel_initializer", kernel_initializer, "glorot_uniform"
        )

    def build(self, query_shape, value_shape, key_shape=None):
        # Only "general" has weights tied to the input widths.
        general = self.score_mode == "general"
        self._check_shapes(query_shape, value_shape, key_shape, build=general)
        key_shape = value_shape if key_shape is None else key_shape
        query_dim, key_dim = query_shape[-1], key_shape[-1]
        if self.score_mode == "general":
            self.kernel = self.add_weight(
                name="kernel",
                shape=(query_dim, key_dim),
                initializer=self.kernel_initializer,
            )
        elif query_dim != key_dim:
            raise ValueError(
                f"`query` and `key` must have the same width with score_mode="
                f'"{self.score_mode}"; use score_mode="general" otherwise. '
                f"Received: query.shape[-1]={query_dim}, key.shape[-1]={key_dim}"
            )

    def _attend(self, query, key, value, mask, is_causal, return_scores, training):
        if self.score_mode == "general":
            query = ops.matmul(query, ops.cast(self.kernel, query.dtype))  # (B,T,Dk)
        scale = 1.0 if self.score_mode != "scaled_dot" else None
        result = scaled_dot_product_attention(
            query[:, :, None, :],  # (B, T, 1, D): one head
            key[:, :, None, :],
            value[:, :, None, :],
            mask=mask,
            is_causal=is_causal,
            scale=scale,
            return_scores=return_scores,
            weights_dropout=self._active_dropout(training),
        )
        if return_scores:
            output, scores = result
            return output[:, :, 0, :], scores[:, 0]  # (B, T, V), (B, T, S)
        return result[:, :, 0, :]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "score_mode": self.score_mode,
                "dropout": self.dropout,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
            }
        )
        return config
