"""Encoder-decoder backbone of the translator: Transformer or GRU + attention.

Shape legend: B batch, S source length, T target length, V target
vocabulary size.
"""

import keras
import keras_hub

from applications.common.checks import (
    check_backbone_sizes,
    check_heads_divide,
    check_number,
)
from applications.common.distribution import LayoutMapMixin
from applications.common.presets import PresetMixin, register_presets
from applications.translator import rnn_attention_architecture, transformer_architecture
from applications.translator.presets import backbone_presets
from keras_attention.api_export import keras_attention_export

ARCHITECTURES = {
    "transformer": transformer_architecture,
    "rnn_attention": rnn_attention_architecture,
}
POSITIONS = ("learned", "sinusoidal")
EMBEDDINGS_INITIALIZERS = ("normal", "uniform")
SIZES = ("vocabulary_size", "num_layers", "num_heads", "hidden_dim",
         "intermediate_dim", "max_sequence_length")  # fmt: skip


@keras_attention_export
class TranslatorBackbone(LayoutMapMixin, PresetMixin, keras_hub.models.Backbone):
    """Encoder-decoder mapping source and target token ids to target logits.

    A functional `keras.Model` (a `keras_hub.models.Backbone`) in one of two
    architectures:

    - `"transformer"` (Vaswani et al., "Attention Is All You Need", 2017):
      `TokenAndPositionEmbedding`, `num_layers` `TransformerEncoderBlock`s
      and `TransformerDecoderBlock`s (post-LN as in the paper, or pre-LN).
    - `"rnn_attention"` (Bahdanau, Cho and Bengio, "Neural Machine
      Translation by Jointly Learning to Align and Translate", 2015):
      bidirectional GRU encoder, GRU decoder and `AdditiveAttention`; see
      `applications.translator.rnn_attention_architecture`.

    The full pass is teacher-forced (the decoder reads the target shifted
    right). `Translator` decodes step by step with `call_encoder()`,
    `initial_cache()` and `call_decoder_with_cache()`.

    Args:
        vocabulary_size: V, the target (decoder) vocabulary size.
        source_vocabulary_size: the source (encoder) vocabulary size; None
            shares one embedding table between source and target (a joint
            vocabulary, as in the paper's English-German model).
        architecture: `"transformer"` or `"rnn_attention"`.
        num_layers: encoder and decoder layers (blocks, or GRU layers).
        num_heads: attention heads of the Transformer; must divide
            `hidden_dim`. Unused by `"rnn_attention"`.
        hidden_dim: d_model of the Transformer; the embedding, GRU state and
            attention width of `"rnn_attention"`.
        intermediate_dim: feed-forward width (d_ff) of the Transformer.
        max_sequence_length: the longest source or target sequence.
        dropout: dropout rate, in [0, 1): of the embeddings and, for the
            Transformer, of the residual branches and (unless
            `attention_dropout` is given) the attention weights; for
            `"rnn_attention"`, of the attentional output.
        attention_dropout: dropout rate of the attention weights (the
            softmax probabilities over the keys), in [0, 1): of the
            Transformer's self- and cross-attention, or the RNN's additive
            attention. None (the default, and what a config without the
            entry gets): as before the option, `dropout` for the Transformer
            and none for `"rnn_attention"`.
        activation_dropout: dropout rate of the Transformer's feed-forward
            hidden layer (after the ReLU; fairseq's `activation_dropout`),
            in [0, 1); default 0 (none, as before the option). Must be 0
            for `"rnn_attention"`, which has no feed-forward layer.
        embeddings_initializer: initializer of the token embedding tables:
            `"normal"`, N(0, hidden_dim**-0.5) (fairseq's Transformer, and
            the RNN's own); `"uniform"`, Keras' default U(-0.05, 0.05); or
            None (the default, and what a config without the entry gets):
            as before the option, `"uniform"` for the Transformer and
            `"normal"` for `"rnn_attention"`.
        scale_embeddings: whether the Transformer multiplies its token
            embeddings by sqrt(hidden_dim) before adding the positions
            (Vaswani et al. 2017, section 3.4), meant with
            `embeddings_initializer="normal"`. Default False (as before the
            option); must be False for `"rnn_attention"`.
        position: `"learned"` or `"sinusoidal"` positions (Transformer).
        tie_embeddings: whether the output projection is the transposed
            target embedding table (no output weights of its own).
        normalize_first: pre-LN Transformer blocks (with a final layer norm)
            instead of the paper's post-LN.
        layer_norm_epsilon: epsilon of the layer normalizations.
        dtype: dtype policy of the weights and computations.
        **kwargs: forwarded to `keras_hub.models.Backbone` (e.g. `name`).

    Call arguments:
        inputs: dict of `"encoder_token_ids"` and `"encoder_padding_mask"`
            (B, S), `"decoder_token_ids"` and `"decoder_padding_mask"` (B, T).

    Returns:
        (B, T, V) logits of the next target token at each position.

    Example:
    >>> backbone = TranslatorBackbone(
    ...     vocabulary_size=100, source_vocabulary_size=120, num_layers=1,
    ...     num_heads=2, hidden_dim=16, intermediate_dim=32,
    ...     max_sequence_length=8)
    >>> ones = np.ones((2, 8), "int32")
    >>> backbone({"encoder_token_ids": ones, "encoder_padding_mask": ones,
    ...           "decoder_token_ids": ones, "decoder_padding_mask": ones}).shape
    (2, 8, 100)
    """

    def __init__(
        self,
        vocabulary_size,
        source_vocabulary_size=None,
        architecture="transformer",
        num_layers=2,
        num_heads=4,
        hidden_dim=128,
        intermediate_dim=512,
        max_sequence_length=64,
        dropout=0.1,
        position="learned",
        tie_embeddings=True,
        normalize_first=False,
        layer_norm_epsilon=1e-5,
        attention_dropout=None,
        activation_dropout=0.0,
        embeddings_initializer=None,
        scale_embeddings=False,
        dtype=None,
        **kwargs,
    ):
        config = {
            "vocabulary_size": vocabulary_size,
            "source_vocabulary_size": source_vocabulary_size,
            "architecture": architecture,
            "num_layers": num_layers,
            "num_heads": num_heads,
            "hidden_dim": hidden_dim,
            "intermediate_dim": intermediate_dim,
            "max_sequence_length": max_sequence_length,
            "dropout": dropout,
            "position": position,
            "tie_embeddings": tie_embeddings,
            "normalize_first": normalize_first,
            "layer_norm_epsilon": layer_norm_epsilon,
            "attention_dropout": attention_dropout,
            "activation_dropout": activation_dropout,
            "embeddings_initializer": embeddings_initializer,
            "scale_embeddings": scale_embeddings,
        }
        _check_config(config)
        self.architecture_module = ARCHITECTURES[architecture]

        # === Layers ===
        self.architecture_module.build_layers(self, config, dtype)

        # === Functional model ===
        encoder_token_ids = keras.Input(
            (None,), dtype="int32", name="encoder_token_ids"
        )
        encoder_padding_mask = keras.Input(
            (None,), dtype="int32", name="encoder_padding_mask"
        )
        decoder_token_ids = keras.Input(
            (None,), dtype="int32", name="decoder_token_ids"
        )
        decoder_padding_mask = keras.Input(
            (None,), dtype="int32", name="decoder_padding_mask"
        )
        encoder_outputs, initial_state = self.architecture_module.encode(
            self, encoder_token_ids, encoder_padding_mask
        )
        extra = {} if initial_state is None else {"initial_states": initial_state}
        logits = self.architecture_module.decode(
            self,
            encoder_outputs,
            encoder_padding_mask,
            decoder_token_ids,
            decoder_padding_mask,
            training=None,
            **extra,
        )  # (B, T, V)
        super().__init__(
            inputs={
                "encoder_token_ids": encoder_token_ids,
                "encoder_padding_mask": encoder_padding_mask,
                "decoder_token_ids": decoder_token_ids,
                "decoder_padding_mask": decoder_padding_mask,
            },
            outputs=logits,
            dtype=dtype,
            **kwargs,
        )

        # === Config ===
        for key, value in config.items():
            setattr(self, key, value)
        self._config_keys = tuple(config)

    def call_encoder(self, token_ids, padding_mask):
        """Runs the encoder (inference mode).

        Args:
            token_ids: (B, S) source token ids.
            padding_mask: (B, S), 1 for real tokens.

        Returns:
            `(encoder_outputs, decoder_initial_state)`: (B, S, E') outputs,
            and the RNN decoder's initial states (None for the Transformer).
        """
        return self.architecture_module.encode(
            self, token_ids, padding_mask, training=False
        )

    def initial_cache(self, encoder_outputs, decoder_initial_state, max_length):
        """The decoding cache before the first target token.

        Args:
            encoder_outputs: from `call_encoder()`.
            decoder_initial_state: from `call_encoder()`.
            max_length: the longest target sequence to decode.

        Returns:
            The Transformer's zero self-attention cache (B, N, 2, L, H, D),
            or the RNN decoder's GRU states (B, N, E).
        """
        return self.architecture_module.initial_cache(
            self, encoder_outputs, decoder_initial_state, max_length
        )

    def call_decoder_with_cache(
        self, encoder_outputs, encoder_padding_mask, token_ids, cache, cache_index
    ):
        """Decodes one new target token per sequence, reusing the cache.

        Args:
            encoder_outputs: from `call_encoder()`.
            encoder_padding_mask: (B, S) source padding mask.
            token_ids: (B, 1), the token at position `cache_index`.
            cache: from `initial_cache()` or the previous call.
            cache_index: the position of `token_ids` in the target.

        Returns:
            `(logits (B, 1, V), hidden_states (B, 1, E), updated cache)`.
        """
        return self.architecture_module.decode_step(
            self, encoder_outputs, encoder_padding_mask, token_ids, cache, cache_index
        )

    def cross_attention_weights(self, inputs):
        """How much each target position attends to each source token.

        The Transformer's last decoder block's cross-attention averaged over
        heads, or the RNN decoder's additive attention, in a teacher-forced
        pass (inference mode).

        Args:
            inputs: the backbone's input dict (the preprocessor's output).

        Returns:
            (B, T, S) weights; each row sums to 1 over the real source tokens.
        """
        encoder_outputs, initial_state = self.call_encoder(
            inputs["encoder_token_ids"], inputs["encoder_padding_mask"]
        )
        return self.architecture_module.cross_attention_weights(
            self,
            encoder_outputs,
            inputs["encoder_padding_mask"],
            inputs["decoder_token_ids"],
            inputs["decoder_padding_mask"],
            initial_state,
        )

    @classmethod
    def layout_rules(cls, model):
        """The Transformer's rules and an untied (E, V) output projection by
        its input rows; for `"rnn_attention"`, the additive attention's
        (D, U) projections and (U,) score vector and the attentional and
        initial-state layers along their units (the GRU weights are
        replicated)."""
        return {
            **super().layout_rules(model),
            r"output_projection/kernel": (model, None),
            r"additive_attention/(query|key)_kernel": (None, model),
            r"additive_attention/score_vector": (model,),
            r"(attentional_dense|decoder_initial_state_\d+)/kernel": (None, model),
        }

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config


def _check_config(config):
    check_backbone_sizes(**{name: config[name] for name in SIZES})
    source = config["source_vocabulary_size"]
    if source is not None and (not isinstance(source, int) or source <= 0):
        raise ValueError(
            "`source_vocabulary_size` must be a positive integer, or None for a "
            f"vocabulary shared with the target. Received: {source!r}"
        )
    if config["architecture"] not in ARCHITECTURES:
        raise ValueError(
            f"`architecture` must be one of {sorted(ARCHITECTURES)}. "
            f"Received: architecture={config['architecture']!r}"
        )
    if config["architecture"] == "transformer":
        check_heads_divide(config["hidden_dim"], config["num_heads"])
    if config["position"] not in POSITIONS:
        raise ValueError(
            f"`position` must be one of {POSITIONS}. "
            f"Received: position={config['position']!r}"
        )
    for name in ("dropout", "attention_dropout", "activation_dropout"):
        check_number(config[name], name, "[0, 1)", optional=name == "attention_dropout")
    initializer = config["embeddings_initializer"]
    if initializer is not None and initializer not in EMBEDDINGS_INITIALIZERS:
        raise ValueError(
            f"`embeddings_initializer` must be one of {EMBEDDINGS_INITIALIZERS} "
            f"or None. Received: embeddings_initializer={initializer!r}"
        )
    if not isinstance(config["scale_embeddings"], bool):
        raise TypeError(
            "`scale_embeddings` must be True or False. Received: "
            f"scale_embeddings={config['scale_embeddings']!r}"
        )
    if config["architecture"] == "rnn_attention":
        for name, value in (
            ("activation_dropout", config["activation_dropout"]),
            ("scale_embeddings", config["scale_embeddings"]),
        ):
            if value:
                raise ValueError(
                    f"`{name}` is an option of the Transformer: "
                    "architecture='rnn_attention' has no feed-forward layer and "
                    f"no position embeddings. Received: {name}={value!r}"
                )


register_presets(backbone_presets, TranslatorBackbone)
