"""What the three attention layers share: call signature, checks and masks.

Shape legend: B batch, T query length, S key length, D width.
"""

import keras
from keras import ops

from keras_attention import checks
from keras_attention.ops import causal_mask, merge_attention_masks


class BaseAttention(checks.AcceptsNestedLists, keras.layers.Layer):
    """Base of `AdditiveAttention`, `DotProductAttention`, `MultiHeadAttention`.

    Subclasses implement `_attend(query, key, value, mask, is_causal,
    return_attention_scores, training)`; this class validates the inputs and
    merges the Keras masks, explicit masks and the causal mask.

    Inputs are checked before anything is computed, the same way on every
    backend: `query`, `value` and `key` must be floating-point tensors of
    rank 3 with one batch size (a TypeError / ValueError otherwise, never a
    silent broadcast); masks must be boolean or 0/1 integers (a float mask
    raises a TypeError: additive masks convert with `mask == 0`) of the
    shapes listed in `DotProductAttention`: padding masks of exactly
    (B, T) / (B, S), `attention_mask` broadcastable to (B, T, S). Nested
    Python lists of numbers are accepted wherever a tensor is.

    Args:
        dropout: dropout rate on the attention weights, in [0, 1).
        **kwargs: forwarded to `keras.layers.Layer`.

    Raises:
        ValueError: for a `dropout` outside [0, 1).
    """

    def __init__(self, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.dropout = checks.rate("dropout", dropout)
        self.supports_masking = True
        self._weights_dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        use_causal_mask=False,
        return_attention_scores=False,
        training=None,
    ):
        key = value if key is None else key
        self._check_inputs(query, value, key)
        self._check_masks(
            query,
            key,
            query_mask=query_mask,
            value_mask=value_mask,
            key_mask=key_mask,
            attention_mask=attention_mask,
        )
        mask, is_causal = self._merge_masks(
            query,
            value,
            query_mask,
            value_mask,
            key_mask,
            attention_mask,
            use_causal_mask,
        )
        return self._attend(
            query, key, value, mask, is_causal, return_attention_scores, training
        )

    def _active_dropout(self, training):
        """The weights dropout callable when it is active in this call, else None."""
        if self.dropout > 0 and training:
            return lambda weights: self._weights_dropout(weights, training=True)
        return None

    def _check_inputs(self, query, value, key):
        for name, x in (("query", query), ("value", value), ("key", key)):
            checks.floating(name, x)
        self._check_shapes(query.shape, value.shape, key.shape)
        if key is value:
            checks.same_batch(query=query, value=value)
        else:
            checks.same_batch(query=query, value=value, key=key)

    def _check_masks(
        self,
        query,
        key,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        new_length=None,
        key_length=None,
    ):
        """Checks the masks' dtypes and shapes against the inputs.

        `query_mask` is (B, T); `value_mask` and `key_mask` (B, new_length),
        by default the key length S: padding masks have exactly these
        shapes. `attention_mask` has rank 2 or 3 and broadcasts to
        (B, T, key_length), by default (B, T, S): (B, T, S), (B, 1, S),
        (1, T, S), (T, S)... `new_length` and `key_length` differ from S
        with a cache.
        """
        batch_size, query_length = query.shape[0], query.shape[1]
        new_length = key.shape[1] if new_length is None else new_length
        key_length = key.shape[1] if key_length is None else key_length
        checks.mask("query_mask", query_mask, (batch_size, query_length))
        checks.mask("value_mask", value_mask, (batch_size, new_length))
        checks.mask("key_mask", key_mask, (batch_size, new_length))
        checks.attention_mask(
            "attention_mask", attention_mask, (batch_size, query_length, key_length)
        )

    def _check_shapes(self, query_shape, value_shape, key_shape=None, build=False):
        """Checks ranks, key/value lengths and, once built, the input widths.

        Subclasses call it first in `build(..., build=True)`: the widths
        their weights were built for are then required of later calls.
        """
        key_shape = value_shape if key_shape is None else key_shape
        shapes = {"query": query_shape, "value": value_shape, "key": key_shape}
        for name, shape in shapes.items():
            if len(shape) != 3:
                raise ValueError(
                    f"`{name}` must have rank 3 (batch, length, features). "
                    f"Received: {name}.shape={tuple(shape)}"
                )
        key_length, value_length = key_shape[1], value_shape[1]
        if None not in (key_length, value_length) and key_length != value_length:
            raise ValueError(
                "`key` and `value` must have the same length. Received: "
                f"key.shape={tuple(key_shape)}, value.shape={tuple(value_shape)}"
            )
        if build:
            self._built_widths = tuple((n, s[-1]) for n, s in shapes.items())
            return
        for name, width in getattr(self, "_built_widths", ()):
            if shapes[name][-1] not in (None, width):
                raise ValueError(
                    f"`{name}` has a different width from the one the layer was "
                    f"built for. Received: {name}.shape={tuple(shapes[name])}, "
                    f"expected a last dimension of {width}"
                )

    def _merge_masks(
        self,
        query,
        value,
        query_mask,
        value_mask,
        key_mask,
        attention_mask,
        use_causal_mask,
        cache_offset=None,
        key_length=None,
    ):
        """Returns `(mask, is_causal)`: a (B, T, S) mask or None, and whether
        the causal constraint is left to the kernel's causal flag."""
        only_causal = (
            use_causal_mask
            and cache_offset is None
            and query_mask is None
            and value_mask is None
            and key_mask is None
            and attention_mask is None
        )
        if only_causal:
            return None, True
        key_mask = and_masks(value_mask, key_mask)
        causal = None
        if use_causal_mask:
            key_length = ops.shape(value)[1] if key_length is None else key_length
            causal = causal_mask(
                ops.shape(query)[1],
                key_length,
                0 if cache_offset is None else cache_offset,
            )
        mask = merge_attention_masks(query_mask, key_mask, attention_mask, causal)
        return mask, False

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask


def and_masks(a, b):
    """The elementwise AND of two boolean masks, either of which may be None."""
    if a is None or b is None:
        return a if b is None else b
    return ops.logical_and(ops.cast(a, "bool"), ops.cast(b, "bool"))
