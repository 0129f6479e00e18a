"""BERT's Transformer encoder backbone (Devlin et al. 2019).

Shape legend: B batch, T sequence length, E `hidden_dim`.
"""

import keras
import keras_hub

from applications.bert.presets import backbone_presets
from applications.common.checks import (
    check_backbone_sizes,
    check_choice,
    check_heads_divide,
)
from applications.common.distribution import LayoutMapMixin
from applications.common.encoder import ACTIVATIONS, encoder_blocks
from applications.common.presets import PresetMixin, register_presets
from keras_attention import layers
from keras_attention.api_export import keras_attention_export

SIZES = ("vocabulary_size", "num_layers", "num_heads", "hidden_dim",
         "intermediate_dim", "max_sequence_length")  # fmt: skip
# Index of the token the pooler reads: `[CLS]`, which starts every sequence.
CLS_TOKEN_INDEX = 0


def bert_initializer():
    """BERT's initializer of every weight matrix: N(0, 0.02) truncated at 2
    standard deviations."""
    return keras.initializers.TruncatedNormal(stddev=0.02)


@keras_attention_export
class BertBackbone(LayoutMapMixin, PresetMixin, keras_hub.models.Backbone):
    """BERT's encoder: token, position and segment embeddings, post-LN blocks.

    The sum of a token embedding, a learned position embedding and
    (optionally) a segment ("token type") embedding is layer-normalized and
    dropped out, then goes through `num_layers` post-LN
    `keras_attention.layers.TransformerEncoderBlock`s with GELU
    feed-forwards (`applications.common.encoder.encoder_blocks`). The
    optional pooler maps the first token's (`[CLS]`) vector through a dense
    layer with tanh, the sentence vector of BERT's next-sentence and
    classification heads. Every weight matrix starts from BERT's truncated
    N(0, 0.02). Inputs and outputs are named as keras-hub's `BertBackbone`'s.

    The GELU is the exact (erf) one by default, as in Hugging Face's BERT;
    `activation="gelu_approximate"` takes the tanh approximation of Google's
    original code and keras-hub (the two differ by less than 1e-3; the tanh
    form's step is a few percent faster on a CPU with JAX).

    Reference: Devlin et al., "BERT: Pre-training of Deep Bidirectional
    Transformers for Language Understanding", NAACL 2019.

    Args:
        vocabulary_size: V, token ids are in [0, V).
        num_layers: the encoder blocks.
        num_heads: attention heads per block; must divide `hidden_dim`.
        hidden_dim: E, the model width.
        intermediate_dim: the feed-forward width (4 E in BERT).
        max_sequence_length: the longest input, the position table's size.
        num_segments: the segment types (2 in BERT: sentence A and B), or 0
            for a backbone without segment embedding nor `"segment_ids"`
            input.
        use_pooler: whether to add the pooler and its `"pooled_output"`.
        dropout: dropout rate of the embeddings, residual branches and
            attention weights, in [0, 1).
        layer_norm_epsilon: epsilon of the layer normalizations (1e-12 in
            BERT).
        activation: the feed-forward activation: `"gelu"` (exact, erf) or
            `"gelu_approximate"` (tanh).
        dtype: dtype policy of the weights and computations.
        **kwargs: forwarded to `keras_hub.models.Backbone` (e.g. `name`).

    Call arguments:
        inputs: dict of `"token_ids"` (B, T) integers, `"segment_ids"`
            (B, T) integers in [0, num_segments) (absent when
            `num_segments=0`) and `"padding_mask"` (B, T), 1 for real tokens.

    Returns:
        dict of `"sequence_output"` (B, T, E) contextual token vectors and,
        with the pooler, `"pooled_output"` (B, E).

    Raises:
        ValueError: for a size that is not a positive integer, `num_heads`
            not dividing `hidden_dim`, a negative or non-integer
            `num_segments`, a non-boolean `use_pooler`, or a `dropout`
            outside [0, 1), or an `activation` other than the two GELUs.

    Example:
    >>> backbone = BertBackbone(vocabulary_size=100, num_layers=1, num_heads=2,
    ...     hidden_dim=16, intermediate_dim=32, max_sequence_length=8)
    >>> ids = np.ones((2, 8), "int32")
    >>> outputs = backbone({"token_ids": ids, "segment_ids": 0 * ids,
    ...                     "padding_mask": ids})
    >>> outputs["sequence_output"].shape, outputs["pooled_output"].shape
    ((2, 8, 16), (2, 16))
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        max_sequence_length=512,
        num_segments=2,
        use_pooler=True,
        dropout=0.1,
        layer_norm_epsilon=1e-12,
        activation="gelu",
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
            "num_segments": num_segments,
            "use_pooler": use_pooler,
            "dropout": dropout,
            "layer_norm_epsilon": layer_norm_epsilon,
            "activation": activation,
        }
        _check_config(config)

        # === Layers ===
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size,
            hidden_dim,
            embeddings_initializer=bert_initializer(),
            dtype=dtype,
            name="token_embedding",
        )
        self.position_embedding = layers.LearnedPositionEmbedding(
            max_sequence_length,
            initializer=bert_initializer(),
            dtype=dtype,
            name="position_embedding",
        )
        self.segment_embedding = None
        if num_segments:
            self.segment_embedding = keras.layers.Embedding(
                num_segments,
                hidden_dim,
                embeddings_initializer=bert_initializer(),
                dtype=dtype,
                name="segment_embedding",
            )
        self.embeddings_add = keras.layers.Add(dtype=dtype, name="embeddings_add")
        self.embeddings_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=dtype, name="embeddings_layer_norm"
        )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
        self.transformer_layers = encoder_blocks(
            num_layers,
            num_heads,
            intermediate_dim,
            dropout,
            layer_norm_epsilon,
            normalize_first=False,
            dtype=dtype,
            kernel_initializer=bert_initializer(),
            activation=activation,
        )
        self.pooled_dense = None
        if use_pooler:
            self.pooled_dense = keras.layers.Dense(
                hidden_dim,
                activation="tanh",
                kernel_initializer=bert_initializer(),
                dtype=dtype,
                name="pooled_dense",
            )

        # === Functional model ===
        inputs = {"token_ids": keras.Input((None,), dtype="int32", name="token_ids")}
        if num_segments:
            inputs["segment_ids"] = keras.Input(
                (None,), dtype="int32", name="segment_ids"
            )
        inputs["padding_mask"] = keras.Input(
            (None,), dtype="int32", name="padding_mask"
        )
        tokens = self.token_embedding(inputs["token_ids"])  # (B, T, E)
        embeddings = [tokens, self.position_embedding(tokens)]
        if num_segments:
            embeddings.append(self.segment_embedding(inputs["segment_ids"]))
        x = self.embeddings_add(embeddings)  # (B, T, E)
        x = self.embeddings_dropout(self.embeddings_layer_norm(x))
        for block in self.transformer_layers:
            x = block(x, padding_mask=inputs["padding_mask"])  # (B, T, E)
        outputs = {"sequence_output": x}
        if use_pooler:
            outputs["pooled_output"] = self.pooled_dense(x[:, CLS_TOKEN_INDEX, :])
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        for key, value in config.items():
            setattr(self, key, value)
        self._config_keys = tuple(config)
        self.cls_token_index = CLS_TOKEN_INDEX

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config


def _check_config(config):
    check_backbone_sizes(**{name: config[name] for name in SIZES})
    check_heads_divide(config["hidden_dim"], config["num_heads"])
    num_segments = config["num_segments"]
    if (
        isinstance(num_segments, bool)
        or not isinstance(num_segments, int)
        or num_segments < 0
    ):
        raise ValueError(
            "`num_segments` must be a non-negative integer (0: no segment "
            f"embedding). Received: num_segments={num_segments!r}"
        )
    if not isinstance(config["use_pooler"], bool):
        raise ValueError(
            "`use_pooler` must be True or False. Received: "
            f"use_pooler={config['use_pooler']!r}"
        )
    check_choice(config["activation"], "activation", tuple(ACTIVATIONS))
    if not 0.0 <= config["dropout"] < 1.0:
        raise ValueError(
            f"`dropout` must be in [0, 1). Received: dropout={config['dropout']!r}"
        )


register_presets(backbone_presets, BertBackbone)
