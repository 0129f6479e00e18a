"""Pure functions on `keras.ops`: masks and the attention core."""

from keras_attention.ops.attention import masked_softmax, scaled_dot_product_attention
from keras_attention.ops.masks import causal_mask, merge_attention_masks

__all__ = [
    "causal_mask",
    "masked_softmax",
    "merge_attention_masks",
    "scaled_dot_product_attention",
]
