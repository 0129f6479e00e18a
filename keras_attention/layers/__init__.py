"""Backend-agnostic attention layers, written only with `keras.ops`."""

from keras_attention.layers.additive_attention import AdditiveAttention
from keras_attention.layers.dot_product_attention import DotProductAttention
from keras_attention.layers.learned_position_embedding import LearnedPositionEmbedding
from keras_attention.layers.multi_head_attention import MultiHeadAttention
from keras_attention.layers.rotary_embedding import RotaryEmbedding
from keras_attention.layers.sinusoidal_position_encoding import (
    SinusoidalPositionEncoding,
)
from keras_attention.layers.token_and_position_embedding import (
    TokenAndPositionEmbedding,
)
from keras_attention.layers.transformer_decoder_block import TransformerDecoderBlock
from keras_attention.layers.transformer_encoder_block import TransformerEncoderBlock

__all__ = [
    "AdditiveAttention",
    "DotProductAttention",
    "LearnedPositionEmbedding",
    "MultiHeadAttention",
    "RotaryEmbedding",
    "SinusoidalPositionEncoding",
    "TokenAndPositionEmbedding",
    "TransformerDecoderBlock",
    "TransformerEncoderBlock",
]
