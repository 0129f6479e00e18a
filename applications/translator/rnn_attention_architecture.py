"""The GRU encoder-decoder with additive attention of `TranslatorBackbone`.

Bahdanau, Cho and Bengio (2015): a bidirectional GRU encoder, a GRU decoder
initialised from the encoder's final states, and additive attention
`v^T tanh(W_q q + W_k k)` over the encoder outputs. The attention reads the
decoder state of the current step and its context is combined with that
state into the output (`tanh(W_c [s_t; c_t])`, the "attentional hidden
state" of Luong et al. 2015), which keeps the recurrence a plain GRU that
each backend runs with its fused kernel. Decoding one token at a time
carries the GRU states as the cache.

Shape legend: B batch, S source length, T target length, N `num_layers`,
E `hidden_dim` (embeddings and GRU states), V vocabulary.
"""

import keras
from keras import ops

from applications.common.tied_output_projection import TiedOutputProjection
from keras_attention import layers


def build_layers(backbone, config, dtype):
    """Creates the layers as attributes of `backbone`."""
    e = config["hidden_dim"]
    uniform = config["embeddings_initializer"] == "uniform"
    initializer = "uniform" if uniform else _embeddings_initializer(e)
    backbone.decoder_embedding = keras.layers.Embedding(
        config["vocabulary_size"],
        e,
        embeddings_initializer=initializer,
        dtype=dtype,
        name="decoder_token_embedding",
    )
    if config["source_vocabulary_size"] is None:
        backbone.encoder_embedding = backbone.decoder_embedding
    else:
        backbone.encoder_embedding = keras.layers.Embedding(
            config["source_vocabulary_size"],
            e,
            embeddings_initializer=initializer,
            dtype=dtype,
            name="encoder_token_embedding",
        )
    backbone.encoder_embeddings_dropout = keras.layers.Dropout(
        config["dropout"], dtype=dtype, name="encoder_embeddings_dropout"
    )
    backbone.decoder_embeddings_dropout = keras.layers.Dropout(
        config["dropout"], dtype=dtype, name="decoder_embeddings_dropout"
    )
    backbone.encoder_rnns = [
        keras.layers.Bidirectional(
            keras.layers.GRU(e, return_sequences=True, return_state=True, dtype=dtype),
            dtype=dtype,
            name=f"encoder_bidirectional_gru_{i}",
        )
        for i in range(config["num_layers"])
    ]
    backbone.decoder_initial_states = [
        keras.layers.Dense(
            e, activation="tanh", dtype=dtype, name=f"decoder_initial_state_{i}"
        )
        for i in range(config["num_layers"])
    ]
    backbone.decoder_rnns = [
        keras.layers.GRU(
            e,
            return_sequences=True,
            return_state=True,
            dtype=dtype,
            name=f"decoder_gru_{i}",
        )
        for i in range(config["num_layers"])
    ]
    backbone.attention = layers.AdditiveAttention(
        units=e,
        dropout=config["attention_dropout"] or 0.0,  # None: none, as before
        dtype=dtype,
        name="additive_attention",
    )
    backbone.attentional_dense = keras.layers.Dense(
        e, activation="tanh", dtype=dtype, name="attentional_dense"
    )
    backbone.output_dropout = keras.layers.Dropout(
        config["dropout"], dtype=dtype, name="output_dropout"
    )
    if config["tie_embeddings"]:
        backbone.output_projection = TiedOutputProjection(
            backbone.decoder_embedding, dtype=dtype, name="tied_output_projection"
        )
    else:
        backbone.output_projection = keras.layers.Dense(
            config["vocabulary_size"], dtype=dtype, name="output_projection"
        )


def _embeddings_initializer(width):
    """N(0, 1 / width): token vectors of norm about 1.

    Keras' default, uniform in [-0.05, 0.05], gives vectors of norm about
    0.33 at width 128: the GRUs then barely tell tokens apart, and with
    the tied output projection the logits start near 0 and the model
    settles into a target language model that ignores the source (it
    never learns to reverse a digit sequence; see the tests).
    """
    return keras.initializers.RandomNormal(stddev=width**-0.5)


def encode(backbone, token_ids, padding_mask, training=None):
    """Encoder outputs (B, S, 2E) and the decoder's initial states (B, N, E)."""
    mask = ops.cast(padding_mask, "bool")
    x = backbone.encoder_embedding(token_ids)  # (B, S, E)
    x = backbone.encoder_embeddings_dropout(x, training=training)
    for rnn in backbone.encoder_rnns:
        x, forward_state, backward_state = rnn(x, mask=mask, training=training)
    final = ops.concatenate([forward_state, backward_state], axis=-1)  # (B, 2E)
    states = [dense(final) for dense in backbone.decoder_initial_states]
    return x, ops.stack(states, axis=1)  # (B, S, 2E), (B, N, E)


def _attend_and_project(backbone, x, encoder_outputs, encoder_padding_mask, training):
    context = backbone.attention(
        x, encoder_outputs, value_mask=encoder_padding_mask, training=training
    )  # (B, T, 2E)
    x = backbone.attentional_dense(ops.concatenate([x, context], axis=-1))
    x = backbone.output_dropout(x, training=training)  # (B, T, E)
    return backbone.output_projection(x), x


def decode(
    backbone,
    encoder_outputs,
    encoder_padding_mask,
    token_ids,
    padding_mask,
    training,
    initial_states,
):
    """The full teacher-forced decoder pass: (B, T) ids -> (B, T, V) logits."""
    x = backbone.decoder_embedding(token_ids)  # (B, T, E)
    x = backbone.decoder_embeddings_dropout(x, training=training)
    for i, rnn in enumerate(backbone.decoder_rnns):
        x, _ = rnn(x, initial_state=initial_states[:, i], training=training)
    logits, _ = _attend_and_project(
        backbone, x, encoder_outputs, encoder_padding_mask, training
    )
    return logits


def cross_attention_weights(
    backbone, encoder_outputs, encoder_padding_mask, token_ids, _, initial_states
):
    """The additive attention's weights over the source: (B, T, S)."""
    x = backbone.decoder_embedding(token_ids)  # (B, T, E)
    for i, rnn in enumerate(backbone.decoder_rnns):
        x, _ = rnn(x, initial_state=initial_states[:, i])
    _, weights = backbone.attention(
        x,
        encoder_outputs,
        value_mask=encoder_padding_mask,
        return_attention_scores=True,
    )
    return weights


def initial_cache(backbone, encoder_outputs, decoder_initial_state, max_length):
    """The decoder's GRU states (B, N, E), from the encoder."""
    return decoder_initial_state


def decode_step(
    backbone, encoder_outputs, encoder_padding_mask, token_ids, cache, cache_index
):
    """Decodes (B, 1) new tokens from the GRU states in `cache` (B, N, E).

    Returns:
        `(logits (B, 1, V), hidden (B, 1, E), cache)`.
    """
    x = backbone.decoder_embedding(token_ids)  # (B, 1, E)
    states = []
    for i, rnn in enumerate(backbone.decoder_rnns):
        x, state = rnn(x, initial_state=cache[:, i])
        states.append(state)
    logits, hidden = _attend_and_project(
        backbone, x, encoder_outputs, encoder_padding_mask, training=False
    )
    return logits, hidden, ops.stack(states, axis=1)
