"""The Transformer encoder stack the encoder-only backbones share.

Shape legend: B batch, T sequence length, E `hidden_dim`.
"""

from keras_attention import layers


def encoder_blocks(
    num_layers,
    num_heads,
    intermediate_dim,
    dropout,
    layer_norm_epsilon,
    normalize_first,
    dtype=None,
    kernel_initializer="glorot_uniform",
):
    """`num_layers` `TransformerEncoderBlock`s with GELU feed-forwards.

    Named `transformer_encoder_block_<i>`, the names the presets' weights
    are saved under. Each maps (B, T, E) to (B, T, E).

    Args:
        num_layers: the number of blocks.
        num_heads: attention heads of each block (they divide E).
        intermediate_dim: the feed-forward width d_ff.
        dropout: dropout rate of the residual branches and attention weights.
        layer_norm_epsilon: epsilon of the layer normalizations.
        normalize_first: pre-LN blocks instead of the paper's post-LN.
        dtype: dtype policy.
        kernel_initializer: initializer of the blocks' kernels (BERT's:
            truncated normal, standard deviation 0.02).

    Returns:
        list of `keras_attention.layers.TransformerEncoderBlock`.
    """
    return [
        layers.TransformerEncoderBlock(
            num_heads=num_heads,
            intermediate_dim=intermediate_dim,
            dropout=dropout,
            activation="gelu",
            layer_norm_epsilon=layer_norm_epsilon,
            normalize_first=normalize_first,
            kernel_initializer=kernel_initializer,
            dtype=dtype,
            name=f"transformer_encoder_block_{i}",
        )
        for i in range(num_layers)
    ]
