"""Transformer encoder backbone of the text classifier.

Shape legend: B batch, T sequence length, E `hidden_dim`.
"""

import keras
import keras_hub

from applications.bert.backbone import BertBackbone
from applications.common.checks import check_backbone_sizes, check_heads_divide
from applications.common.distribution import LayoutMapMixin
from applications.common.encoder import encoder_blocks
from applications.common.presets import PresetMixin, register_presets
from applications.text_classifier.presets import backbone_presets, fine_tuned_presets
from keras_attention import layers
from keras_attention.api_export import keras_attention_export

POSITIONS = ("learned", "sinusoidal")


@keras_attention_export
class TextClassifierBackbone(LayoutMapMixin, PresetMixin, keras_hub.models.Backbone):
    """Token + position embeddings followed by a stack of Transformer encoders.

    A functional `keras.Model` (a `keras_hub.models.Backbone`) mapping token
    ids and a padding mask to one E-wide vector per token. The classification
    head (pooling and softmax) lives in `TextClassifier`.

    Reference: Vaswani et al., "Attention Is All You Need", 2017.

    Args:
        vocabulary_size: number of token ids.
        num_layers: number of `TransformerEncoderBlock`s.
        num_heads: attention heads per block; must divide `hidden_dim`.
        hidden_dim: E, the model width (d_model).
        intermediate_dim: width of the feed-forward hidden layer (d_ff).
        max_sequence_length: the longest input the position embedding covers.
        dropout: dropout after the embeddings and inside every block.
        token_dropout: rate at which whole token vectors (token + position
            embedding) are zeroed during training, a word dropout that
            regularizes models trained from scratch on little data.
        position: `"learned"` or `"sinusoidal"` position embedding.
        normalize_first: pre-LN blocks (and a final layer norm) if True,
            the paper's post-LN blocks if False.
        layer_norm_epsilon: epsilon of the layer normalizations.
        dtype: dtype policy of the weights and computations.
        **kwargs: forwarded to `keras_hub.models.Backbone` (e.g. `name`).

    Call arguments:
        inputs: dict with `"token_ids"` (B, T) int and `"padding_mask"`
            (B, T), 1/True for real tokens.

    Returns:
        (B, T, E) contextual token vectors.

    Example:
    >>> backbone = TextClassifierBackbone(
    ...     vocabulary_size=100, num_layers=1, num_heads=2, hidden_dim=16,
    ...     intermediate_dim=32, max_sequence_length=8)
    >>> backbone({"token_ids": np.ones((2, 8), "int32"),
    ...           "padding_mask": np.ones((2, 8), "int32")}).shape
    (2, 8, 16)
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        max_sequence_length=128,
        dropout=0.1,
        token_dropout=0.0,
        position="learned",
        normalize_first=False,
        layer_norm_epsilon=1e-5,
        dtype=None,
        **kwargs,
    ):
        check_backbone_sizes(
            vocabulary_size=vocabulary_size,
            num_layers=num_layers,
            num_heads=num_heads,
            hidden_dim=hidden_dim,
            intermediate_dim=intermediate_dim,
            max_sequence_length=max_sequence_length,
        )
        check_heads_divide(hidden_dim, num_heads)
        if not 0.0 <= token_dropout < 1.0:
            raise ValueError(
                "`token_dropout` must be in [0, 1). "
                f"Received: token_dropout={token_dropout!r}"
            )
        if position not in POSITIONS:
            raise ValueError(
                f"`position` must be one of {POSITIONS}. "
                f"Received: position={position!r}"
            )

        # === Layers ===
        self.embeddings = layers.TokenAndPositionEmbedding(
            vocabulary_size=vocabulary_size,
            sequence_length=max_sequence_length,
            embedding_dim=hidden_dim,
            position=position,
            dtype=dtype,
            name="token_and_position_embedding",
        )
        self.token_dropout_layer = keras.layers.Dropout(
            token_dropout,
            noise_shape=(None, None, 1),  # one draw per token: (B, T, 1)
            dtype=dtype,
            name="token_dropout",
        )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
        self.encoder_blocks = encoder_blocks(
            num_layers,
            num_heads,
            intermediate_dim,
            dropout,
            layer_norm_epsilon,
            normalize_first=normalize_first,
            dtype=dtype,
        )
        self.final_layer_norm = (
            keras.layers.LayerNormalization(
                epsilon=layer_norm_epsilon, dtype=dtype, name="final_layer_norm"
            )
            if normalize_first
            else None
        )

        # === Functional model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        padding_mask = keras.Input(shape=(None,), dtype="int32", name="padding_mask")
        x = self.embeddings(token_ids)  # (B, T, E)
        x = self.token_dropout_layer(x)
        x = self.embeddings_dropout(x)
        for block in self.encoder_blocks:
            x = block(x, padding_mask=padding_mask)  # (B, T, E)
        if self.final_layer_norm is not None:
            x = self.final_layer_norm(x)
        super().__init__(
            inputs={"token_ids": token_ids, "padding_mask": padding_mask},
            outputs=x,
            dtype=dtype,
            **kwargs,
        )

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.max_sequence_length = max_sequence_length
        self.dropout = dropout
        self.token_dropout = token_dropout
        self.position = position
        self.normalize_first = normalize_first
        self.layer_norm_epsilon = layer_norm_epsilon

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "num_layers": self.num_layers,
                "num_heads": self.num_heads,
                "hidden_dim": self.hidden_dim,
                "intermediate_dim": self.intermediate_dim,
                "max_sequence_length": self.max_sequence_length,
                "dropout": self.dropout,
                "token_dropout": self.token_dropout,
                "position": self.position,
                "normalize_first": self.normalize_first,
                "layer_norm_epsilon": self.layer_norm_epsilon,
            }
        )
        return config


register_presets(backbone_presets, TextClassifierBackbone)
register_presets(fine_tuned_presets, BertBackbone)
