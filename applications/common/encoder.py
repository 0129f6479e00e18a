"""The Transformer encoder stack the encoder-only backbones share.

Shape legend: B batch, T sequence length, E `hidden_dim`.
"""

import keras

from keras_attention import layers


@keras.saving.register_keras_serializable(package="applications")
def gelu_approximate(x):
    """GELU's tanh approximation, 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715
    x^3))) (Hendrycks and Gimpel 2016): the activation of BERT's reference
    code (google-research/bert, `modeling.gelu`) and of keras-hub's BERT."""
    return keras.activations.gelu(x, approximate=True)


# `activation` names the encoders accept: exact GELU (erf) or its tanh form.
ACTIVATIONS = {"gelu": "gelu", "gelu_approximate": gelu_approximate}


def encoder_blocks(
    num_layers,
    num_heads,
    intermediate_dim,
    dropout,
    layer_norm_epsilon,
    normalize_first,
    dtype=None,
    kernel_initializer="glorot_uniform",
    activation="gelu",
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
        activation: the feed-forward activation, a name of `ACTIVATIONS`:
            `"gelu"` (exact, with erf) or `"gelu_approximate"` (tanh).

    Returns:
        list of `keras_attention.layers.TransformerEncoderBlock`.
    """
    return [
        layers.TransformerEncoderBlock(
            num_heads=num_heads,
            intermediate_dim=intermediate_dim,
            dropout=dropout,
            activation=ACTIVATIONS[activation],
            layer_norm_epsilon=layer_norm_epsilon,
            normalize_first=normalize_first,
            kernel_initializer=kernel_initializer,
            dtype=dtype,
            name=f"transformer_encoder_block_{i}",
        )
        for i in range(num_layers)
    ]
