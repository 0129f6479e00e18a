"""Decoder-only Transformer backbone of the GPT (Radford et al. 2018, 2019).

Shape legend: B batch, T sequence length (new tokens when decoding), L cache
length, N `num_layers`, H heads, D head size (E / H), E `hidden_dim`, V
vocabulary.
"""

import keras
import keras_hub
from keras import ops

from applications.common.checks import check_backbone_sizes, check_heads_divide
from applications.common.distribution import LayoutMapMixin
from applications.common.presets import PresetMixin, register_presets
from applications.gpt.presets import backbone_presets
from keras_attention import layers
from keras_attention.api_export import keras_attention_export

POSITIONS = ("learned", "rotary")
SIZES = ("vocabulary_size", "num_layers", "num_heads", "hidden_dim",
         "intermediate_dim", "max_sequence_length")  # fmt: skip


@keras_attention_export
class GPTBackbone(LayoutMapMixin, PresetMixin, keras_hub.models.Backbone):
    """Token ids to hidden states through causal self-attention blocks.

    Token embedding plus positions (a learned table as in GPT-2, or rotary
    positions inside the attention, Su et al. 2021), dropout, `num_layers`
    `keras_attention.layers.TransformerDecoderBlock`s without
    cross-attention (causal self-attention, GELU feed-forward; pre-LN as in
    GPT-2, or post-LN), and a final layer norm after pre-LN blocks. The
    `GPT` task reads logits off the hidden states through the transposed
    token embedding (tied, as in GPT-2). Weights start from
    N(0, 0.02) as in GPT-2.

    `call_with_cache()` runs new tokens against a key/value cache of every
    block, stacked in one tensor (B, N, 2, L, H, D): the prompt is written
    in one pass, then one token per step.

    References: Radford et al., "Improving Language Understanding by
    Generative Pre-Training", 2018; "Language Models are Unsupervised
    Multitask Learners", 2019 (GPT-2).

    Args:
        vocabulary_size: V, token ids are in [0, V).
        num_layers: N, the decoder blocks.
        num_heads: H, attention heads; must divide `hidden_dim`.
        hidden_dim: E, the model width.
        intermediate_dim: the feed-forward width (4 E in GPT-2).
        max_sequence_length: the context: the longest sequence, in tokens
            (the learned position table's size).
        dropout: dropout rate of the embeddings, residual branches and
            attention weights, in [0, 1).
        position: `"learned"` or `"rotary"`.
        normalize_first: pre-LN blocks and a final layer norm (GPT-2), or
            the post-LN blocks of GPT-1.
        layer_norm_epsilon: epsilon of the layer normalizations.
        use_bias: True (default, GPT-2): biases in the attention
            projections and feed-forward layers and a beta in every layer
            norm. False: none of them (the layer norms, the final one
            included, keep their gain), as nanoGPT's `bias=False`
            (`GPTConfig`): fewer weights and no bias adds; shapes are
            unchanged.
        dtype: dtype policy of the weights and computations.
        **kwargs: forwarded to `keras_hub.models.Backbone` (e.g. `name`).

    Call arguments:
        inputs: dict of `"token_ids"` (B, T) integers and `"padding_mask"`
            (B, T), 1 for real tokens.

    Returns:
        (B, T, E) hidden states.

    Raises:
        ValueError: for a size that is not a positive integer, `num_heads`
            not dividing `hidden_dim`, an unknown `position`, a `dropout`
            outside [0, 1) or a `use_bias` that is not a bool.

    Example:
    >>> backbone = GPTBackbone(vocabulary_size=300, num_layers=2, num_heads=2,
    ...     hidden_dim=32, intermediate_dim=64, max_sequence_length=16)
    >>> ids = np.ones((2, 16), "int32")
    >>> backbone({"token_ids": ids, "padding_mask": ids}).shape
    (2, 16, 32)
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers=4,
        num_heads=4,
        hidden_dim=128,
        intermediate_dim=512,
        max_sequence_length=256,
        dropout=0.0,
        position="learned",
        normalize_first=True,
        layer_norm_epsilon=1e-5,
        use_bias=True,
        dtype=None,
        **kwargs,
    ):
        config = {
            "vocabulary_size": vocabulary_size,
            "num_layers": num_layers,
            "num_heads": num_heads,
            "hidden_dim": hidden_dim,
            "intermediate_dim": intermediate_dim,
            "max_sequence_length": max_sequence_length,
            "dropout": dropout,
            "position": position,
            "normalize_first": normalize_first,
            "layer_norm_epsilon": layer_norm_epsilon,
            "use_bias": use_bias,
        }
        _check_config(config)

        # === Layers ===
        initializer = keras.initializers.RandomNormal(stddev=0.02)
        if position == "learned":
            self.embedding = layers.TokenAndPositionEmbedding(
                vocabulary_size=vocabulary_size,
                sequence_length=max_sequence_length,
                embedding_dim=hidden_dim,
                embeddings_initializer=initializer,
                dtype=dtype,
                name="token_and_position_embedding",
            )
            self.token_embedding = self.embedding.token_embedding
        else:
            self.token_embedding = self.embedding = keras.layers.Embedding(
                vocabulary_size,
                hidden_dim,
                embeddings_initializer=initializer,
                dtype=dtype,
                name="token_embedding",
            )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
        self.transformer_layers = [
            layers.TransformerDecoderBlock(
                num_heads=num_heads,
                intermediate_dim=intermediate_dim,
                dropout=dropout,
                activation="gelu",
                layer_norm_epsilon=layer_norm_epsilon,
                normalize_first=normalize_first,
                kernel_initializer=initializer,
                use_rotary_embedding=position == "rotary",
                use_bias=use_bias,
                dtype=dtype,
                name=f"transformer_decoder_block_{i}",
            )
            for i in range(num_layers)
        ]
        self.layer_norm = None
        if normalize_first:
            self.layer_norm = keras.layers.LayerNormalization(
                epsilon=layer_norm_epsilon,
                center=use_bias,
                dtype=dtype,
                name="final_layer_norm",
            )

        # === Functional model ===
        token_ids = keras.Input((None,), dtype="int32", name="token_ids")
        padding_mask = keras.Input((None,), dtype="int32", name="padding_mask")
        x = self.embeddings_dropout(self.embedding(token_ids))
        for block in self.transformer_layers:
            x = block(x, decoder_padding_mask=padding_mask)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        super().__init__(
            inputs={"token_ids": token_ids, "padding_mask": padding_mask},
            outputs=x,
            dtype=dtype,
            **kwargs,
        )

        # === Config ===
        for key, value in config.items():
            setattr(self, key, value)
        self._config_keys = tuple(config)

    def initial_cache(self, batch_size, cache_length):
        """An empty (zero) key/value cache of every block.

        Args:
            batch_size: B.
            cache_length: L, the longest sequence the cache holds (at most
                `max_sequence_length`).

        Returns:
            (B, N, 2, L, H, D) zeros in the compute dtype.
        """
        head_size = self.hidden_dim // self.num_heads
        shape = (batch_size, self.num_layers, 2, cache_length, self.num_heads)
        return ops.zeros(shape + (head_size,), dtype=self.compute_dtype)

    def call_with_cache(
        self, token_ids, cache, cache_update_index, cache_padding_mask=None
    ):
        """Runs new tokens against the cache and writes theirs into it.

        Args:
            token_ids: (B, T) the new tokens, at positions
                `cache_update_index` to `cache_update_index + T - 1`.
            cache: (B, N, 2, L, H, D), from `initial_cache()` or a previous
                call.
            cache_update_index: the position of the first new token, a
                Python int or integer scalar tensor.
            cache_padding_mask: optional (B, L) mask of the cache slots that
                hold real tokens (for left-padded batches); by default every
                written slot is attended to.

        Returns:
            `(hidden_states (B, T, E), updated cache)`.
        """
        if self.position == "learned":
            x = self.embedding(token_ids, start_index=cache_update_index)
        else:
            x = self.embedding(token_ids)
        caches = []
        for i, block in enumerate(self.transformer_layers):
            x, layer_cache = block(
                x,
                self_attention_cache=cache[:, i],  # (B, 2, L, H, D)
                cache_update_index=cache_update_index,
                cache_padding_mask=cache_padding_mask,
            )
            caches.append(layer_cache)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return x, ops.stack(caches, axis=1)

    def attention_scores(self, token_ids, padding_mask):
        """The causal self-attention weights of every block, for heatmaps.

        Args:
            token_ids: (B, T) token ids.
            padding_mask: (B, T), 1 for real tokens.

        Returns:
            list of N arrays (B, H, T, T); row t sums to 1 over tokens <= t.
        """
        x = self.embedding(token_ids)
        scores = []
        for block in self.transformer_layers:
            x, weights = block(
                x, decoder_padding_mask=padding_mask, return_attention_scores=True
            )
            scores.append(weights["self_attention"])
        return scores

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config


def _check_config(config):
    check_backbone_sizes(**{name: config[name] for name in SIZES})
    check_heads_divide(config["hidden_dim"], config["num_heads"])
    if config["position"] not in POSITIONS:
        raise ValueError(
            f"`position` must be one of {POSITIONS}. "
            f"Received: position={config['position']!r}"
        )
    if not 0.0 <= config["dropout"] < 1.0:
        raise ValueError(
            f"`dropout` must be in [0, 1). Received: dropout={config['dropout']!r}"
        )
    if not isinstance(config["use_bias"], bool):
        raise ValueError(
            "`use_bias` must be True or False. "
            f"Received: use_bias={config['use_bias']!r}"
        )


register_presets(backbone_presets, GPTBackbone)
