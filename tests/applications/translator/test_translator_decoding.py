"""Cached decoding against full recomputation, greedy and beam search."""

import keras
import numpy as np
from translator_helpers import SOURCES, TARGETS


def greedy_by_recomputation(translator, packed):
    """Greedy decoding that reruns the whole backbone for every new token."""
    backbone = translator.backbone
    token_ids = np.array(packed["decoder_token_ids"])  # [START] then padding
    length = token_ids.shape[1]
    for index in range(1, length):
        mask = (
            (np.arange(length) < index)
            .astype("int32")[None]
            .repeat(len(token_ids), axis=0)
        )
        logits = backbone.predict_on_batch(
            {
                "encoder_token_ids": packed["encoder_token_ids"],
                "encoder_padding_mask": packed["encoder_padding_mask"],
                "decoder_token_ids": token_ids,
                "decoder_padding_mask": mask,
            }
        )
        token_ids[:, index] = np.asarray(logits)[:, index - 1].argmax(-1)
    return token_ids


def test_cached_greedy_decoding_equals_recomputation(any_translator):
    translator = any_translator
    packed = translator.preprocessor.generate_preprocess(SOURCES[:4])
    expected = greedy_by_recomputation(translator, packed)
    preprocessor, translator.preprocessor = translator.preprocessor, None
    generated = translator.generate(packed, stop_token_ids=None)
    translator.preprocessor = preprocessor
    np.testing.assert_array_equal(np.asarray(generated["decoder_token_ids"]), expected)
    # Untrained weights still give a varied, non-trivial sequence to compare.
    assert len(np.unique(expected[:, 1:])) > 1


def test_translate_greedy_and_beam_search(any_translator):
    translator = any_translator
    greedy = translator.translate(SOURCES[:4])
    beams = translator.translate(SOURCES[:4], num_beams=3)
    assert len(greedy) == len(beams) == 4
    assert all(isinstance(text, str) for text in greedy + beams)
    # The compiled function is reused: the same greedy result again.
    assert translator.translate(SOURCES[:4]) == greedy
    # Generation stops at [END]; special tokens are stripped.
    for token in ("[PAD]", "[START]", "[END]"):
        assert not any(token in text for text in greedy + beams)


def test_translate_stops_at_max_length(transformer_translator):
    translator = transformer_translator
    packed = translator.preprocessor.generate_preprocess(SOURCES[:2], sequence_length=4)
    assert np.asarray(packed["decoder_token_ids"]).shape == (2, 4)
    translations = translator.translate(SOURCES[:2], max_length=4)
    assert all(len(text) <= 6 for text in translations)


def test_cross_attention_of_a_pair_for_heatmaps(any_translator):
    attention = any_translator.cross_attention(SOURCES[1], TARGETS[1])
    tokenizer = any_translator.preprocessor.tokenizer
    pieces = [tokenizer.id_to_token(int(i)) for i in tokenizer(SOURCES[1])]
    source_tokens = attention["source_tokens"]
    room = any_translator.preprocessor.encoder_sequence_length - 2  # truncated
    assert source_tokens == ["[START]"] + pieces[:room] + ["[END]"]
    assert attention["target_tokens"] == list(TARGETS[1]) + ["[END]"]
    weights = attention["weights"]
    s, t = len(source_tokens), len(TARGETS[1]) + 1
    assert weights.shape == (len(TARGETS[1]) + 1, s)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    # The same pair beside a longer one in a batch: padding takes no weight.
    x, _, _ = any_translator.preprocessor(
        [SOURCES[1], SOURCES[2]], [TARGETS[1], TARGETS[2]]
    )
    batched = keras.ops.convert_to_numpy(
        any_translator.backbone.cross_attention_weights(x)
    )
    np.testing.assert_allclose(batched[0, :t, :s], weights, atol=1e-5)
    np.testing.assert_array_equal(batched[0, :t, s:], 0.0)
    # Without a translation, the translator's own output is attended.
    own = any_translator.cross_attention(SOURCES[1])
    assert own["weights"].shape[1] == s
