"""Transformer decoder block: causal self-attention, cross-attention,
feed-forward, with a self-attention cache for step-by-step decoding.

Shape legend: B batch, T decoder length (new tokens when decoding), S encoder
length, L cache length, H heads, D head size, E model width.
"""

from keras_attention import checks
from keras_attention.api_export import keras_attention_export
from keras_attention.compat import keras_mask_of
from keras_attention.layers.transformer_block_base import TransformerBlockBase


@keras_attention_export
class TransformerDecoderBlock(TransformerBlockBase):
    """One decoder layer of the Transformer (Vaswani et al. 2017).

    Causal multi-head self-attention, then (if built with an encoder
    sequence) multi-head cross-attention over the encoder outputs, then a
    position-wise feed-forward network; each sublayer wrapped in a residual
    connection with dropout and layer normalization (post-LN, or pre-LN with
    `normalize_first`). Without an encoder sequence it is a decoder-only
    (GPT-style) block.

    Decoding with a cache: pass `self_attention_cache` of shape
    (B, 2, L, H, D) with D = E // num_heads and the `cache_update_index` of
    the new tokens; the call returns `(outputs, updated_cache)`, and feeding
    tokens one at a time gives the same outputs as the full causal pass.
    For a padded batch (e.g. left-padded prompts of different lengths) pass
    the (B, L) `cache_padding_mask` of the whole cache at every step, so
    that the slots of padding tokens stay masked; the steps then equal the
    full pass with `decoder_padding_mask` at the real tokens.

    Reference: Vaswani et al., "Attention Is All You Need", 2017.

    Args:
        num_heads: attention heads, dividing E (each head has E // num_heads
            features).
        intermediate_dim: width of the feed-forward hidden layer (d_ff).
        dropout: dropout rate of the residual branches and attention weights.
        activation: activation of the feed-forward hidden layer.
        layer_norm_epsilon: epsilon of the layer normalizations.
        normalize_first: False for post-LN (paper), True for pre-LN.
        kernel_initializer: initializer of the dense kernels
            (None: "glorot_uniform").
        bias_initializer: initializer of the dense biases (None:
            "zeros").
        use_bias: True (default): biases in the attention projections and
            feed-forward layers, and a beta in the layer norms (GPT-2, the
            paper). False: none of them, the layer norms keeping their gain,
            as nanoGPT's `bias=False` (`GPTConfig`); shapes are unchanged.
            See `TransformerBlockBase` for the other arguments
            (`use_rotary_embedding`, `attention_dropout`,
            `activation_dropout`).
        **kwargs: forwarded to `keras.layers.Layer`.

    Call arguments:
        decoder_sequence: (B, T, E) floating-point sequence.
        encoder_sequence: optional (B, S, E_enc) encoder outputs, of the same
            batch size; the block must be built with (or without) one
            consistently.
        decoder_padding_mask: optional (B, T) boolean (or 0/1 integer) mask
            of the new tokens; defaults to the Keras mask.
        encoder_padding_mask: optional (B, S) boolean mask; defaults to the
            Keras mask.
        use_causal_mask: whether self-attention is causal (default True).
        self_attention_cache: optional (B, 2, L, H, D) cache; needs a
            `cache_update_index`.
        cache_update_index: index in the cache of the first new token, a
            Python int or integer scalar tensor. A known index outside
            [0, L - T] raises a ValueError; a traced one (`jax.jit`,
            `tf.function`, `torch.compile`) is clipped to that range, the
            same on every backend.
        cache_padding_mask: optional (B, L) boolean mask of the cache slots
            holding real tokens (True) rather than padding, covering every
            slot (the new tokens' included). Pass the same mask at every
            step of a padded batch; needs a cache.
        return_attention_scores: whether to also return the attention
            weights, for heatmaps and inspection.
        training: whether dropout is active.

    Returns:
        (B, T, E) outputs, or `(outputs, updated_cache)` with a cache; with
        `return_attention_scores`, a dict of weights comes last:
        `"self_attention"` (B, H, T, L or T) and, with an encoder sequence,
        `"cross_attention"` (B, H, T, S). Rows sum to 1 over unmasked keys.

    Raises:
        ValueError: for a bad constructor argument; sequences not of rank 3,
            of another width than the block was built for or of different
            batch sizes; masks or a cache of other shapes; a cache without
            a `cache_update_index` or the reverse; a known
            `cache_update_index` out of range.
        TypeError: for non-floating sequences, float masks (an additive
            mask converts with `mask == 0`) or a non-integer
            `cache_update_index`.

    Example:
    >>> target = np.random.rand(2, 7, 64).astype("float32")
    >>> source = np.random.rand(2, 9, 64).astype("float32")
    >>> block = TransformerDecoderBlock(num_heads=4, intermediate_dim=128)
    >>> tuple(block(target, encoder_sequence=source).shape)
    (2, 7, 64)
    """

    def build(self, decoder_sequence_shape, encoder_sequence_shape=None):
        self._check_rank(decoder_sequence_shape, "decoder_sequence")
        if encoder_sequence_shape is not None:
            self._check_rank(encoder_sequence_shape, "encoder_sequence")
        self.self_attention, self.self_attention_layer_norm = self._build_attention(
            "self_attention",
            decoder_sequence_shape,
            decoder_sequence_shape,
            rotary=self.use_rotary_embedding,
        )
        self.cross_attention = self.cross_attention_layer_norm = None
        self._encoder_width = None
        if encoder_sequence_shape is not None:
            self._encoder_width = encoder_sequence_shape[-1]
            self.cross_attention, self.cross_attention_layer_norm = (
                self._build_attention(
                    "cross_attention", decoder_sequence_shape, encoder_sequence_shape
                )
            )
        self._build_feedforward(decoder_sequence_shape)

    def call(
        self,
        decoder_sequence,
        encoder_sequence=None,
        decoder_padding_mask=None,
        encoder_padding_mask=None,
        use_causal_mask=True,
        self_attention_cache=None,
        cache_update_index=None,
        return_attention_scores=False,
        training=None,
        cache_padding_mask=None,
    ):
        has_encoder = encoder_sequence is not None
        if has_encoder != (self.cross_attention is not None):
            raise ValueError(
                "The block was built "
                + ("without" if self.cross_attention is None else "with")
                + " an `encoder_sequence` and must be called the same way. "
                f"Received: encoder_sequence={'a tensor' if has_encoder else None}"
            )
        self._check_sequence("decoder_sequence", decoder_sequence)
        if has_encoder:
            self._check_sequence(
                "encoder_sequence", encoder_sequence, self._encoder_width
            )
            checks.same_batch(
                decoder_sequence=decoder_sequence, encoder_sequence=encoder_sequence
            )
        self._check_cache(decoder_sequence, self_attention_cache, cache_update_index)
        if decoder_padding_mask is None:
            decoder_padding_mask = keras_mask_of(decoder_sequence)
        if has_encoder and encoder_padding_mask is None:
            encoder_padding_mask = keras_mask_of(encoder_sequence)
        batch_size, length = decoder_sequence.shape[0], decoder_sequence.shape[1]
        checks.mask("decoder_padding_mask", decoder_padding_mask, (batch_size, length))
        if has_encoder:
            checks.mask(
                "encoder_padding_mask",
                encoder_padding_mask,
                (batch_size, encoder_sequence.shape[1]),
            )
        if cache_padding_mask is not None and self_attention_cache is None:
            raise ValueError(
                "`cache_padding_mask` needs a `self_attention_cache`. Received: "
                "cache_padding_mask given and self_attention_cache=None"
            )

        def self_attention(x):
            return self.self_attention(
                x,
                x,
                query_mask=decoder_padding_mask,
                value_mask=decoder_padding_mask,
                use_causal_mask=use_causal_mask,
                cache=self_attention_cache,
                cache_update_index=cache_update_index,
                cache_padding_mask=cache_padding_mask,
                return_attention_scores=return_attention_scores,
                training=training,
            )

        x = self._residual(
            decoder_sequence, self_attention, self.self_attention_layer_norm, training
        )
        scores = {}
        if return_attention_scores:
            x, scores["self_attention"], *rest = x
            x = (x, *rest) if rest else x
        if self_attention_cache is not None:
            x, self_attention_cache = x

        if has_encoder:

            def cross_attention(x):
                return self.cross_attention(
                    x,
                    encoder_sequence,
                    query_mask=decoder_padding_mask,
                    value_mask=encoder_padding_mask,
                    return_attention_scores=return_attention_scores,
                    training=training,
                )

            x = self._residual(
                x, cross_attention, self.cross_attention_layer_norm, training
            )
            if return_attention_scores:
                x, scores["cross_attention"] = x
        x = self._feedforward(x, training)
        outputs = (x,)
        outputs += (self_attention_cache,) if self_attention_cache is not None else ()
        outputs += (scores,) if return_attention_scores else ()
        return outputs[0] if len(outputs) == 1 else outputs

    def _check_cache(self, decoder_sequence, cache, cache_update_index):
        """Checks that a cache and its index come together, and the cache's
        shape (B, 2, L, H, E // H); the index is checked by the attention."""
        if (cache is None) != (cache_update_index is None):
            given, missing = (
                ("self_attention_cache", "cache_update_index")
                if cache_update_index is None
                else ("cache_update_index", "self_attention_cache")
            )
            raise ValueError(
                f"`{given}` needs `{missing}`: decoding with a cache writes "
                f"the new tokens at the index. Received: {given} given and "
                f"{missing}=None"
            )
        if cache is None:
            return
        heads = self.num_heads
        head_size = self.feedforward_output_dense.units // heads
        shape = tuple(cache.shape)
        if len(shape) != 5 or (shape[1], shape[3], shape[4]) != (2, heads, head_size):
            raise ValueError(
                "`self_attention_cache` must stack keys and values as (batch, 2, "
                "cache_length, num_heads, head_size). Received: "
                f"self_attention_cache.shape={shape}, expected (batch, 2, "
                f"cache_length, {heads}, {head_size})"
            )
        checks.same_batch(decoder_sequence=decoder_sequence, self_attention_cache=cache)
