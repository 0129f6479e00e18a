"""What the encoder and decoder blocks share: arguments, feed-forward and the
residual + layer-norm wrapping of each sublayer (post-LN or pre-LN).

Shape legend: B batch, T length, E model width (d_model).
"""

import keras

from keras_attention import checks
from keras_attention.layers.multi_head_attention import MultiHeadAttention


class TransformerBlockBase(checks.AcceptsNestedLists, keras.layers.Layer):
    """Base of `TransformerEncoderBlock` and `TransformerDecoderBlock`.

    Args:
        num_heads: attention heads, a positive integer; must divide the
            model width E, each head having E // num_heads features as in
            the paper.
        intermediate_dim: width of the feed-forward hidden layer (d_ff), a
            positive integer.
        dropout: dropout rate of the residual branches, in [0, 1); also of
            the attention weights unless `attention_dropout` is given.
        activation: activation of the feed-forward hidden layer.
        layer_norm_epsilon: epsilon of the layer normalizations, a positive
            number.
        normalize_first: False for the paper's post-LN
            (x = LN(x + f(x))), True for pre-LN (x = x + f(LN(x))).
        kernel_initializer: initializer of the dense kernels
            (None: "glorot_uniform").
        bias_initializer: initializer of the dense biases (None:
            "zeros").
        use_rotary_embedding: whether self-attention rotates queries and
            keys with `RotaryEmbedding` (RoPE, Su et al. 2021), for models
            whose positions come from the attention rather than from an
            added position embedding. Cross-attention never rotates.
        attention_dropout: dropout rate of the attention weights (the
            softmax probabilities), in [0, 1); None (the default): `dropout`,
            as blocks made before this argument existed do.
        activation_dropout: dropout rate of the feed-forward hidden layer's
            activations (fairseq's `activation_dropout`), in [0, 1);
            default 0 (none, as before this argument existed).
        use_bias: whether the attention projections and feed-forward
            Dense layers have biases and the layer normalizations a beta
            (center). False: no biases and layer norms with a gain (gamma)
            only, as nanoGPT's `bias=False` (its `GPTConfig`, "a bit better
            and faster"); GPT-2 and the paper have biases. Input and
            output shapes are unchanged. Default True (the layout of
            blocks made before this argument existed).
        **kwargs: forwarded to `keras.layers.Layer`.

    Raises:
        ValueError: for any of the arguments above out of its range or of
            the wrong kind.
    """

    def __init__(
        self,
        num_heads,
        intermediate_dim,
        dropout=0.0,
        activation="relu",
        layer_norm_epsilon=1e-5,
        normalize_first=False,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        use_rotary_embedding=False,
        attention_dropout=None,
        activation_dropout=0.0,
        use_bias=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = checks.positive_int("num_heads", num_heads)
        self.intermediate_dim = checks.positive_int(
            "intermediate_dim", intermediate_dim
        )
        self.dropout = checks.rate("dropout", dropout)
        self.activation = checks.activation("activation", activation)
        self.layer_norm_epsilon = checks.positive_number(
            "layer_norm_epsilon", layer_norm_epsilon
        )
        self.normalize_first = checks.boolean("normalize_first", normalize_first)
        self.kernel_initializer = checks.initializer(
            "kernel_initializer", kernel_initializer, "glorot_uniform"
        )
        self.bias_initializer = checks.initializer(
            "bias_initializer", bias_initializer, "zeros"
        )
        self.use_rotary_embedding = checks.boolean(
            "use_rotary_embedding", use_rotary_embedding
        )
        self.attention_dropout = (
            None
            if attention_dropout is None
            else checks.rate("attention_dropout", attention_dropout)
        )
        self.activation_dropout = checks.rate("activation_dropout", activation_dropout)
        self.use_bias = checks.boolean("use_bias", use_bias)
        self.supports_masking = True

    def _check_rank(self, shape, name):
        if len(shape) != 3:
            raise ValueError(
                f"`{name}` must have rank 3 (batch, length, features). "
                f"Received: {name}.shape={tuple(shape)}"
            )

    def _check_sequence(self, name, x, width=None):
        """Checks a call's sequence: floating, rank 3, of the built `width`
        (by default the model width E)."""
        checks.floating(name, x)
        self._check_rank(x.shape, name)
        width = self.feedforward_output_dense.units if width is None else width
        if x.shape[-1] not in (None, width):
            raise ValueError(
                f"`{name}` has a different width from the one the block was "
                f"built for. Received: {name}.shape={tuple(x.shape)}, expected "
                f"a last dimension of {width}"
            )

    def _model_width(self, inputs_shape):
        width = inputs_shape[-1]
        if width is None or width % self.num_heads:
            raise ValueError(
                "`num_heads` must divide the model width (the inputs' last "
                f"dimension). Received: num_heads={self.num_heads}, "
                f"inputs.shape={tuple(inputs_shape)}"
            )
        return width

    def _initializers(self):
        # Fresh copies, so seeded initializers differ between sublayers.
        return {
            "kernel_initializer": self.kernel_initializer.__class__.from_config(
                self.kernel_initializer.get_config()
            ),
            "bias_initializer": self.bias_initializer,
        }

    def _build_attention(self, name, query_shape, value_shape, rotary=False):
        width = self._model_width(query_shape)
        attention = MultiHeadAttention(
            num_heads=self.num_heads,
            key_dim=width // self.num_heads,
            dropout=(
                self.dropout
                if self.attention_dropout is None
                else self.attention_dropout
            ),
            use_rotary_embedding=rotary,
            use_bias=self.use_bias,
            dtype=self.dtype_policy,
            name=name,
            **self._initializers(),
        )
        attention.build(query_shape, value_shape)
        return attention, self._build_norm(f"{name}_layer_norm", query_shape)

    def _build_norm(self, name, shape):
        norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon,
            center=self.use_bias,
            dtype=self.dtype_policy,
            name=name,
        )
        norm.build(shape)
        return norm

    def _build_feedforward(self, inputs_shape):
        width = self._model_width(inputs_shape)
        self.feedforward_intermediate_dense = keras.layers.Dense(
            self.intermediate_dim,
            activation=self.activation,
            use_bias=self.use_bias,
            dtype=self.dtype_policy,
            name="feedforward_intermediate_dense",
            **self._initializers(),
        )
        self.feedforward_intermediate_dense.build(inputs_shape)
        self.feedforward_output_dense = keras.layers.Dense(
            width,
            use_bias=self.use_bias,
            dtype=self.dtype_policy,
            name="feedforward_output_dense",
            **self._initializers(),
        )
        self.feedforward_output_dense.build(
            tuple(inputs_shape[:-1]) + (self.intermediate_dim,)
        )
        self.feedforward_layer_norm = self._build_norm(
            "feedforward_layer_norm", inputs_shape
        )
        self._residual_dropout = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy
        )
        # Made only when used: blocks without it keep their saved layout.
        self._activation_dropout = None
        if self.activation_dropout:
            self._activation_dropout = keras.layers.Dropout(
                self.activation_dropout, dtype=self.dtype_policy
            )

    def _residual(self, x, sublayer, layer_norm, training):
        """x + dropout(sublayer(x)), normalized after (post-LN) or before (pre-LN).

        `sublayer` may return `(output, *extras)` (attention scores, a
        cache); the extras are then returned after the new `x`.
        """
        residual = x
        if self.normalize_first:
            x = layer_norm(x)
        outputs = sublayer(x)
        x, *extras = outputs if isinstance(outputs, tuple) else (outputs,)
        x = self._residual_dropout(x, training=training) + residual
        if not self.normalize_first:
            x = layer_norm(x)
        return (x, *extras) if extras else x

    def _feedforward(self, x, training):
        def feedforward(x):
            x = self.feedforward_intermediate_dense(x)  # (B, T, intermediate_dim)
            if self._activation_dropout is not None:
                x = self._activation_dropout(x, training=training)
            return self.feedforward_output_dense(x)

        return self._residual(x, feedforward, self.feedforward_layer_norm, training)

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "dropout": self.dropout,
                "activation": keras.activations.serialize(self.activation),
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "normalize_first": self.normalize_first,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "use_rotary_embedding": self.use_rotary_embedding,
                "attention_dropout": self.attention_dropout,
                "activation_dropout": self.activation_dropout,
                "use_bias": self.use_bias,
            }
        )
        return config
