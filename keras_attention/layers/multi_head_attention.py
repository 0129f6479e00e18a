"""Multi-head attention: self, cross, causal, grouped-query, with a cache.

Shape legend: B batch, T query length, S key length (the cache length when
decoding), E query width, H query heads, K key/value heads, D key head size
(`key_dim`), V value head size, O output width.
"""

import keras
from keras import ops

from keras_attention import checks
from keras_attention.api_export import keras_attention_export
from keras_attention.compat import detach_keras_mask, reattach_keras_masks
from keras_attention.layers.base_attention import BaseAttention, and_masks
from keras_attention.layers.rotary_embedding import RotaryEmbedding
from keras_attention.ops import scaled_dot_product_attention


@keras_attention_export
class MultiHeadAttention(BaseAttention):
    """Multi-head attention (Vaswani et al. 2017), a drop-in for Keras' layer.

    Queries, keys and values are projected to `num_heads` heads of size
    `key_dim` (per head, as in Keras and the paper: a model of width d_model
    uses `key_dim = d_model // num_heads`), attended with scaled dot products
    and projected back. The projections have the shapes of
    `keras.layers.MultiHeadAttention`'s, in the same order, so weights copy
    across with `set_weights`. The core goes through
    `keras.ops.dot_product_attention` (the backend's fused kernel; not on
    TensorFlow, which has none) whenever no scores are requested and
    dropout is inactive in the call, including for a layer built with
    dropout at inference; a causal mask alone uses the kernel's causal flag.
    Long sequences on XLA's CPU kernels go by query blocks (see
    `keras_attention.ops.scaled_dot_product_attention`).

    With `num_key_value_heads` < `num_heads`, groups of query heads share a
    key/value head: grouped-query attention (Ainslie et al. 2023), or
    multi-query attention (Shazeer 2019) with one key/value head.

    For step-by-step decoding pass a `cache` of shape (B, 2, S, K, D) (keys
    and values) and the `cache_update_index` where the new tokens' keys and
    values are written; the call then returns the updated cache too. When
    the batch is padded (e.g. left-padded prompts of different lengths),
    pass `cache_padding_mask`, the (B, S) mask of every cache slot: the
    slots of padding tokens then stay masked in every later step, and the
    steps give the outputs of the full pass at the real tokens.

    Args:
        num_heads: H, the number of query heads, a positive integer.
        key_dim: D, the size of each query/key head, a positive integer.
        value_dim: V, the size of each value head; defaults to `key_dim`.
        num_key_value_heads: K, a positive integer dividing H; None (the
            default) means H, full multi-head attention.
        dropout: dropout rate on the attention weights (training only), in
            [0, 1).
        use_bias: whether the projections have biases.
        output_dim: O; defaults to the query width E.
        use_rotary_embedding: whether to rotate queries and keys with
            `RotaryEmbedding` (positions from `cache_update_index` if any).
        kernel_initializer: initializer of the projection kernels
            (None: "glorot_uniform").
        bias_initializer: initializer of the projection biases (None:
            "zeros").
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        query: (B, T, E). value: (B, S, E_v). key: optional (B, S, E_k),
            defaults to `value`.
        query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            return_attention_scores, training: as in `DotProductAttention`
            (boolean masks). With a cache and a `cache_update_index`,
            `value_mask`/`key_mask` are (B, T_new) and cover the new tokens
            only; with a cache used as it is, (B, S); `attention_mask`
            broadcasts to (B, T, S) over the whole cache ((B, T, S),
            (B, 1, S), (1, T, S) or (T, S)).
        cache: optional (B, 2, S, K, D) floating-point tensor of cached keys
            and values, of the query's batch size.
        cache_update_index: where to write this call's T_new keys and
            values in the cache: a Python int or an integer scalar tensor.
            If None, the cache is used as it is (e.g. precomputed
            cross-attention keys/values) and `key`/`value` are ignored. A
            known index (a Python int, an eager tensor) outside
            [0, S - T_new] raises a ValueError; a traced one (inside
            `jax.jit`, `tf.function`, `torch.compile`) is clipped to that
            range, so the new entries always land in the cache, on every
            backend.
        cache_padding_mask: optional (B, S) boolean mask of the cache slots
            that hold real tokens (True) rather than padding, covering every
            slot, those this call writes included. It is ANDed with the key
            masks, so padded slots written by earlier steps stay masked
            (`value_mask` covers the new tokens only). Needs a `cache`.

    Returns:
        (B, T, O) output; `(output, scores)` with (B, H, T, S) scores if
        `return_attention_scores`; `cache` appended last when given.

    Raises:
        ValueError, TypeError: as `DotProductAttention`; a ValueError for
            bad head counts or sizes, a `cache` of another shape or batch
            size, a known `cache_update_index` out of range, or a
            `cache_update_index` / `cache_padding_mask` without a `cache`;
            a TypeError for a non-integer `cache_update_index`.

    Example:
    >>> x = np.random.rand(2, 10, 64).astype("float32")
    >>> attention = MultiHeadAttention(num_heads=8, key_dim=8,
    ...                                num_key_value_heads=2)
    >>> tuple(attention(x, x, use_causal_mask=True).shape)
    (2, 10, 64)
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        num_key_value_heads=None,
        dropout=0.0,
        use_bias=True,
        output_dim=None,
        use_rotary_embedding=False,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(dropout=dropout, **kwargs)
        num_heads = checks.positive_int("num_heads", num_heads)
        key_dim = checks.positive_int("key_dim", key_dim)
        value_dim = checks.positive_int("value_dim", value_dim, allow_none=True)
        num_key_value_heads = checks.positive_int(
            "num_key_value_heads", num_key_value_heads, allow_none=True
        )
        if num_key_value_heads is None:
            num_key_value_heads = num_heads
        if num_heads % num_key_value_heads:
            raise ValueError(
                "`num_key_value_heads` must divide `num_heads`. Received: "
                f"num_key_value_heads={num_key_value_heads}, num_heads={num_heads}"
            )
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim or key_dim
        self.num_key_value_heads = num_key_value_heads
        self.use_bias = checks.boolean("use_bias", use_bias)
        self.output_dim = checks.positive_int("output_dim", output_dim, allow_none=True)
        self.use_rotary_embedding = checks.boolean(
            "use_rotary_embedding", use_rotary_embedding
        )
        self.kernel_initializer = checks.initializer(
            "kernel_initializer", kernel_initializer, "glorot_uniform"
        )
        self.bias_initializer = checks.initializer(
            "bias_initializer", bias_initializer, "zeros"
        )
        self._rotary_embedding = (
            RotaryEmbedding(dtype=self.dtype_policy) if use_rotary_embedding else None
        )

    def _projection(self, name, equation, output_shape, bias_axes):
        return keras.layers.EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            # A fresh copy each, so seeded initializers differ per projection.
            kernel_initializer=self.kernel_initializer.__class__.from_config(
                self.kernel_initializer.get_config()
            ),
            bias_initializer=self.bias_initializer,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, query_shape, value_shape, key_shape=None):
        self._check_shapes(query_shape, value_shape, key_shape, build=True)
        key_shape = value_shape if key_shape is None else key_shape
        heads, kv_heads = self.num_heads, self.num_key_value_heads
        # (B, T, E) x (E, H, D) -> (B, T, H, D), as keras.layers.MultiHeadAttention.
        self.query_dense = self._projection(
            "query", "abc,cde->abde", (None, heads, self.key_dim), "de"
        )
        self.query_dense.build(query_shape)
        self.key_dense = self._projection(
            "key", "abc,cde->abde", (None, kv_heads, self.key_dim), "de"
        )
        self.key_dense.build(key_shape)
        self.value_dense = self._projection(
            "value", "abc,cde->abde", (None, kv_heads, self.value_dim), "de"
        )
        self.value_dense.build(value_shape)
        # (B, T, H, V) x (H, V, O) -> (B, T, O)
        self.output_dense = self._projection(
            "attention_output",
            "abcd,cde->abe",
            (None, self.output_dim or query_shape[-1]),
            "e",
        )
        self.output_dense.build((None, None, heads, self.value_dim))

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
        cache=None,
        cache_update_index=None,
        cache_padding_mask=None,
    ):
        key = value if key is None else key
        self._check_inputs(query, value, key)
        cache_update_index = self._check_cache(
            query, key, cache, cache_update_index, cache_padding_mask
        )
        writes_cache = cache is not None and cache_update_index is not None
        self._check_masks(
            query,
            key,
            query_mask=query_mask,
            value_mask=value_mask,
            key_mask=key_mask,
            attention_mask=attention_mask,
            new_length=None if cache is None or writes_cache else cache.shape[2],
            key_length=None if cache is None else cache.shape[2],
        )
        # Keras filled the *_mask arguments from these; the projections
        # below do not take masks. Other layers fed the same tensors do.
        detached_masks = detach_keras_mask(query, value, key)
        query_heads = self.query_dense(query)  # (B, T, H, D)
        if self._rotary_embedding is not None:
            query_heads = self._rotary_embedding(
                query_heads, start_index=_position_of(cache_update_index)
            )
        if cache is not None and cache_update_index is None:
            key_heads, value_heads = cache[:, 0], cache[:, 1]  # precomputed
        else:
            key_heads = self._project_keys(key, cache_update_index)  # (B, S, K, D)
            value_heads = self.value_dense(value)  # (B, S, K, V)
        cache_offset = None
        if writes_cache:
            # One update of the whole cache: writing keys and values apart
            # and stacking them again copied the cache three times per step.
            new_entries = ops.stack([key_heads, value_heads], axis=1)
            start = [0, 0, cache_update_index, 0, 0]
            cache = ops.slice_update(cache, start, new_entries)  # (B, 2, S, K, D)
            key_heads, value_heads = cache[:, 0], cache[:, 1]
            value_mask = _scatter_new_token_mask(value_mask, cache, cache_update_index)
            key_mask = _scatter_new_token_mask(key_mask, cache, cache_update_index)
            cache_offset = cache_update_index
        if cache_padding_mask is not None:
            key_mask = and_masks(key_mask, cache_padding_mask)  # (B, S)

        mask, is_causal = self._merge_masks(
            query,
            value,
            query_mask,
            value_mask,
            key_mask,
            attention_mask,
            use_causal_mask,
            cache_offset=cache_offset,
            key_length=ops.shape(key_heads)[1],
        )
        result = scaled_dot_product_attention(
            query_heads,
            key_heads,
            value_heads,
            mask=mask,
            is_causal=is_causal,
            return_scores=return_attention_scores,
            weights_dropout=self._active_dropout(training),
        )
        attended, scores = result if return_attention_scores else (result, None)
        output = self.output_dense(attended)  # (B, T, O)
        reattach_keras_masks(detached_masks)
        outputs = (output,) + ((scores,) if return_attention_scores else ())
        outputs += (cache,) if cache is not None else ()
        return outputs[0] if len(outputs) == 1 else outputs

    def _check_cache(self, query, key, cache, cache_update_index, cache_padding_mask):
        """Checks the cache arguments; returns the index to write at: a
        Python int when known, else the traced tensor, clipped.

        A known index must leave room for the new tokens: 0 <= index <=
        S - T_new. A traced one is clipped to that range, the same on every
        backend (TF and JAX clamp an update running past the end, torch
        would write nothing).
        """
        if cache is None:
            for name, argument in (
                ("cache_update_index", cache_update_index),
                ("cache_padding_mask", cache_padding_mask),
            ):
                if argument is not None:
                    raise ValueError(
                        f"`{name}` needs a `cache`. Received: {name} given and "
                        "cache=None"
                    )
            return None
        shape = tuple(cache.shape)
        if len(shape) != 5 or (shape[1], shape[3], shape[4]) != (
            2,
            self.num_key_value_heads,
            self.key_dim,
        ):
            raise ValueError(
                "`cache` must stack keys and values as (batch, 2, cache_length, "
                f"num_key_value_heads, key_dim). Received: cache.shape={shape}, "
                f"expected (batch, 2, cache_length, {self.num_key_value_heads}, "
                f"{self.key_dim})"
            )
        checks.floating("cache", cache)
        checks.same_batch(query=query, cache=cache)
        cache_length = shape[2]
        checks.mask(
            "cache_padding_mask",
            cache_padding_mask,
            (query.shape[0], cache_length),
        )
        if cache_update_index is None:
            return None
        if self.value_dim != self.key_dim:
            raise ValueError(
                "A cache stacks keys and values, so it needs `value_dim` == "
                f"`key_dim`. Received: value_dim={self.value_dim}, "
                f"key_dim={self.key_dim}"
            )
        new_length = key.shape[1]
        # The one read of the index per call (a device-to-host copy on eager
        # torch): a known index goes on as a Python int, so that the rotary
        # embedding of queries and keys does not read it again.
        index = checks.known_integer("cache_update_index", cache_update_index)
        if None in (cache_length, new_length):
            return cache_update_index if index is None else index
        if new_length > cache_length:
            raise ValueError(
                "`cache` is shorter than the new tokens it must hold. Received: "
                f"cache.shape={shape} for {new_length} new tokens "
                f"(key.shape={tuple(key.shape)})"
            )
        last = cache_length - new_length
        if index is not None and not 0 <= index <= last:
            raise ValueError(
                f"`cache_update_index` must leave room in the cache for the "
                f"{new_length} new token(s). Received: cache_update_index={index}, "
                f"expected 0 <= cache_update_index <= {last} (cache length "
                f"{cache_length} minus {new_length})"
            )
        if index is not None:
            return index
        return checks.clip_index(cache_update_index, 0, last)

    def _project_keys(self, key, cache_update_index):
        key_heads = self.key_dense(key)
        if self._rotary_embedding is not None:
            key_heads = self._rotary_embedding(
                key_heads, start_index=_position_of(cache_update_index)
            )
        return key_heads

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "value_dim": self.value_dim,
                "num_key_value_heads": self.num_key_value_heads,
                "dropout": self.dropout,
                "use_bias": self.use_bias,
                "output_dim": self.output_dim,
                "use_rotary_embedding": self.use_rotary_embedding,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config


def _scatter_new_token_mask(mask, cache, cache_update_index):
    """Places a (B, T_new) mask of the new tokens into an all-True (B, S) mask."""
    if mask is None:
        return None
    batch_size, cache_length = ops.shape(cache)[0], ops.shape(cache)[2]
    full = ops.ones((batch_size, cache_length), dtype="int32")
    full = ops.slice_update(full, [0, cache_update_index], ops.cast(mask, "int32"))
    return ops.cast(full, "bool")


def _position_of(cache_update_index):
    """Position of the first new token: the cache index, or 0 without a cache."""
    return 0 if cache_update_index is None else cache_update_index
