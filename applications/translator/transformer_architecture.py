"""The Transformer encoder-decoder of `TranslatorBackbone` (Vaswani et al. 2017).

Layers, the full (teacher-forced) pass, and step-by-step decoding with a
self-attention cache. Each function takes the backbone holding the layers.

Shape legend: B batch, S source length, T target length, L cache length,
N `num_layers`, H heads, D head size (E / H), E `hidden_dim`, V vocabulary.
"""

import keras
from keras import ops

from applications.common.tied_output_projection import TiedOutputProjection
from keras_attention import layers


def embeddings_initializer(name, width):
    """The token tables' initializer: `"normal"`, N(0, width**-0.5) (rows of
    norm about 1, fairseq's); `"uniform"` or None (the presets made before
    the option), Keras' U(-0.05, 0.05)."""
    if name == "normal":
        return keras.initializers.RandomNormal(stddev=width**-0.5)
    return "uniform"


def build_layers(backbone, config, dtype):
    """Creates the layers as attributes of `backbone`."""
    e = config["hidden_dim"]

    def embedding(vocabulary_size, name):
        extra = {}
        if config["scale_embeddings"]:  # absent from older layer configs
            extra["scale_embeddings"] = True
        return layers.TokenAndPositionEmbedding(
            vocabulary_size=vocabulary_size,
            sequence_length=config["max_sequence_length"],
            embedding_dim=e,
            position=config["position"],
            embeddings_initializer=embeddings_initializer(
                config["embeddings_initializer"], e
            ),
            dtype=dtype,
            name=name,
            **extra,
        )

    backbone.decoder_embedding = embedding(
        config["vocabulary_size"], "decoder_token_and_position_embedding"
    )
    if config["source_vocabulary_size"] is None:  # one table for both sides
        backbone.encoder_embedding = backbone.decoder_embedding
    else:
        backbone.encoder_embedding = embedding(
            config["source_vocabulary_size"], "encoder_token_and_position_embedding"
        )
    backbone.encoder_embeddings_dropout = keras.layers.Dropout(
        config["dropout"], dtype=dtype, name="encoder_embeddings_dropout"
    )
    backbone.decoder_embeddings_dropout = keras.layers.Dropout(
        config["dropout"], dtype=dtype, name="decoder_embeddings_dropout"
    )
    block_args = dict(
        num_heads=config["num_heads"],
        intermediate_dim=config["intermediate_dim"],
        dropout=config["dropout"],
        attention_dropout=config["attention_dropout"],
        activation_dropout=config["activation_dropout"],
        activation="relu",
        layer_norm_epsilon=config["layer_norm_epsilon"],
        normalize_first=config["normalize_first"],
        dtype=dtype,
    )
    backbone.encoder_blocks = [
        layers.TransformerEncoderBlock(**block_args, name=f"encoder_block_{i}")
        for i in range(config["num_layers"])
    ]
    backbone.decoder_blocks = [
        layers.TransformerDecoderBlock(**block_args, name=f"decoder_block_{i}")
        for i in range(config["num_layers"])
    ]
    norm = config["normalize_first"]
    backbone.encoder_final_norm = _final_norm(norm, config, dtype, "encoder_final_norm")
    backbone.decoder_final_norm = _final_norm(norm, config, dtype, "decoder_final_norm")
    if config["tie_embeddings"]:
        backbone.output_projection = TiedOutputProjection(
            backbone.decoder_embedding.token_embedding,
            dtype=dtype,
            name="tied_output_projection",
        )
    else:
        backbone.output_projection = keras.layers.Dense(
            config["vocabulary_size"], dtype=dtype, name="output_projection"
        )


def _final_norm(normalize_first, config, dtype, name):
    # Pre-LN stacks end with a layer norm; the paper's post-LN ones do not.
    if not normalize_first:
        return None
    return keras.layers.LayerNormalization(
        epsilon=config["layer_norm_epsilon"], dtype=dtype, name=name
    )


def encode(backbone, token_ids, padding_mask, training=None):
    """Encoder outputs (B, S, E); the decoder needs no other initial state."""
    x = backbone.encoder_embedding(token_ids)  # (B, S, E)
    x = backbone.encoder_embeddings_dropout(x, training=training)
    for block in backbone.encoder_blocks:
        x = block(x, padding_mask=padding_mask, training=training)
    if backbone.encoder_final_norm is not None:
        x = backbone.encoder_final_norm(x)
    return x, None


def decode(
    backbone, encoder_outputs, encoder_padding_mask, token_ids, padding_mask, training
):
    """The full causal decoder pass: (B, T) ids -> (B, T, V) logits."""
    x = backbone.decoder_embedding(token_ids)  # (B, T, E)
    x = backbone.decoder_embeddings_dropout(x, training=training)
    for block in backbone.decoder_blocks:
        x = block(
            x,
            encoder_sequence=encoder_outputs,
            decoder_padding_mask=padding_mask,
            encoder_padding_mask=encoder_padding_mask,
            training=training,
        )
    if backbone.decoder_final_norm is not None:
        x = backbone.decoder_final_norm(x)
    return backbone.output_projection(x)


def cross_attention_weights(
    backbone, encoder_outputs, encoder_padding_mask, token_ids, padding_mask, _
):
    """The last decoder block's cross-attention, averaged over heads: (B, T, S)."""
    x = backbone.decoder_embedding(token_ids)  # (B, T, E)
    for block in backbone.decoder_blocks:
        x, scores = block(
            x,
            encoder_sequence=encoder_outputs,
            decoder_padding_mask=padding_mask,
            encoder_padding_mask=encoder_padding_mask,
            return_attention_scores=True,
        )
    return ops.mean(scores["cross_attention"], axis=1)  # (B, H, T, S) -> (B, T, S)


def initial_cache(backbone, encoder_outputs, decoder_initial_state, max_length):
    """An empty self-attention cache (B, N, 2, L, H, D)."""
    batch_size = ops.shape(encoder_outputs)[0]
    heads = backbone.num_heads
    shape = (
        batch_size,
        backbone.num_layers,
        2,
        max_length,
        heads,
        backbone.hidden_dim // heads,
    )
    return ops.zeros(shape, dtype=encoder_outputs.dtype)


def decode_step(
    backbone, encoder_outputs, encoder_padding_mask, token_ids, cache, cache_index
):
    """Decodes (B, 1) new tokens at `cache_index`, reading and updating the cache.

    Returns:
        `(logits (B, 1, V), hidden (B, 1, E), cache)`.
    """
    x = backbone.decoder_embedding(token_ids, start_index=cache_index)  # (B, 1, E)
    caches = []
    for i, block in enumerate(backbone.decoder_blocks):
        x, layer_cache = block(
            x,
            encoder_sequence=encoder_outputs,
            encoder_padding_mask=encoder_padding_mask,
            self_attention_cache=cache[:, i],  # (B, 2, L, H, D)
            cache_update_index=cache_index,
        )
        caches.append(layer_cache)
    if backbone.decoder_final_norm is not None:
        x = backbone.decoder_final_norm(x)
    return backbone.output_projection(x), x, ops.stack(caches, axis=1)
