"""Beam search with GNMT's length penalty: the choice among the final beams
against the formula s(Y) = log P(Y | X) / ((5 + |Y|) / 6) ** alpha."""

import keras
import keras_hub
import numpy as np
import pytest
from translator_helpers import SOURCES, build_translator

from applications.common.length_penalty import (
    LengthPenaltyBeamSampler,
    choose_beams,
)

START, END = 2, 3
# On jax, compiled with few XLA optimizations (see tests/conftest.py): the
# beam search of three samplers compiles in half the time.
JAX_FEW_OPTIMIZATIONS = True


def by_hand_case():
    """Row 0 (prompt [START]): a short beam that is the most probable, a
    longer one that ends, one that never ends. Row 1 (prompt [START] 4):
    the same beams one position later."""
    junk = -9.0  # log-probabilities that must not count (prompt, after [END])
    beams = np.array(
        [
            [[START, 5, END, 7, 7, 7],
             [START, 5, 6, 7, END, 7],
             [START, 5, 6, 7, 8, 9]],
            [[START, 4, 5, END, 7, 7],
             [START, 4, 5, 6, 7, END],
             [START, 4, 5, 6, 7, 8]],
        ]
    )  # fmt: skip
    log_probs = np.array(
        [
            [[junk, -1.0, -0.5, junk, junk, junk],
             [junk, -1.0, -0.4, -0.3, -0.2, junk],
             [junk, -1.0, -0.4, -0.3, -0.3, -0.3]],
            [[junk, junk, -1.0, -0.5, junk, junk],
             [junk, junk, -1.0, -0.4, -0.3, -0.2],
             [junk, junk, -1.0, -0.4, -0.3, -0.3]],
        ],
        "float32",
    )  # fmt: skip
    generated = np.array([[0, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]], bool)
    return beams, log_probs, generated


# log P and |Y| (tokens up to and including [END]) of the three beams of
# either row, by hand: the short one, the one ending later, the endless one.
LOG_PROBS = (-1.5, -1.9, -2.3)
LENGTHS = (2, 4, 5)
LENGTHS_ROW_1 = (2, 4, 4)
LOG_PROBS_ROW_1 = (-1.5, -1.9, -2.0)


@pytest.mark.parametrize("alpha, expected_beam", [(0.0, 0), (1.0, 1)])
def test_penalty_changes_the_choice_as_the_formula_says(alpha, expected_beam):
    beams, log_probs, generated = by_hand_case()
    chosen, scores = choose_beams(beams, log_probs, generated, (END,), alpha)
    for row, (sums, lengths) in enumerate(
        [(LOG_PROBS, LENGTHS), (LOG_PROBS_ROW_1, LENGTHS_ROW_1)]
    ):
        expected = [s / ((5 + n) / 6) ** alpha for s, n in zip(sums, lengths)]
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(scores)[row], expected, rtol=1e-6
        )
        assert int(np.argmax(expected)) == expected_beam
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(chosen)[row], beams[row, expected_beam]
        )
    # By hand, alpha = 1: -1.5 / (7/6) = -1.286 < -1.9 / (9/6) = -1.267.
    if alpha == 1.0:
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(scores)[0, :2], [-9 / 7, -19 / 15], rtol=1e-6
        )


def test_without_stop_tokens_every_generated_token_counts():
    beams, log_probs, generated = by_hand_case()
    _, scores = choose_beams(beams, log_probs, generated, None, 0.0)
    # Row 0, beam 0: -1.0 - 0.5 then three tokens of -9 after [END].
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(scores)[0, 0], -1.5 - 27.0, rtol=1e-6
    )


def test_sampler_checks_and_config():
    sampler = LengthPenaltyBeamSampler(num_beams=4, length_penalty=0.6)
    assert sampler.return_all_beams and sampler.num_beams == 4
    config = sampler.get_config()
    assert config["length_penalty"] == 0.6
    assert LengthPenaltyBeamSampler.from_config(config).length_penalty == 0.6
    assert isinstance(sampler, keras_hub.samplers.BeamSampler)
    with pytest.raises(ValueError, match="length_penalty"):
        LengthPenaltyBeamSampler(4, -0.1)
    with pytest.raises(ValueError, match="num_beams"):
        LengthPenaltyBeamSampler(0, 0.6)


def penalized_scores(translator, packed, candidates, end, alpha):
    """s(Y) in numpy of (N, C, T) candidates for N sources, from a
    teacher-forced pass of the backbone."""
    count, per_row, length = candidates.shape
    ids = candidates.reshape(count * per_row, length)

    def repeat(key):
        return np.repeat(np.asarray(packed[key]), per_row, axis=0)

    logits = translator.backbone.predict_on_batch(
        {
            "encoder_token_ids": repeat("encoder_token_ids"),
            "encoder_padding_mask": repeat("encoder_padding_mask"),
            "decoder_token_ids": ids,
            "decoder_padding_mask": np.ones_like(ids),
        }
    )
    logits = np.asarray(logits, "float64")  # (N * C, T, V)
    log_probs = logits - logits.max(-1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(-1, keepdims=True))
    scores = []
    for sequence, row_log_probs in zip(ids, log_probs):
        total, size = 0.0, 0
        for t in range(1, length):  # position 0 is [START], the prompt
            total += row_log_probs[t - 1, sequence[t]]
            size += 1
            if sequence[t] == end:
                break
        scores.append(total / ((5 + size) / 6) ** alpha)
    return np.array(scores).reshape(count, per_row)


def test_translator_chooses_the_beam_of_best_penalized_score():
    # One architecture (each sampler compiles a decoder); the choice is the
    # task's, the same code for both.
    translator = build_translator("transformer", seed=3)
    end = translator.preprocessor.decoder_tokenizer.token_to_id("[END]")
    # A small random [END] row of the tied table: [END] becomes likely at
    # some steps, so that the beams end at different lengths.
    table = translator.backbone.decoder_embedding
    table = getattr(table, "token_embedding", table).embeddings
    weights = keras.ops.convert_to_numpy(table).copy()
    weights[end] = 0.05 * np.random.default_rng(0).standard_normal(weights.shape[1])
    table.assign(weights)
    packed = translator.preprocessor.generate_preprocess(SOURCES)
    translator.preprocessor = None  # generate() on the packed token ids
    alphas = (0.0, 10.0)
    samplers = {None: keras_hub.samplers.BeamSampler(num_beams=4)}
    samplers.update({alpha: LengthPenaltyBeamSampler(4, alpha) for alpha in alphas})
    choices = []
    for sampler in samplers.values():
        translator.compile(sampler=sampler)
        outputs = translator.generate(packed, stop_token_ids=(end,))
        choices.append(np.asarray(outputs["decoder_token_ids"]))
    candidates = np.stack(choices, axis=1)  # (N, 3, T)
    # The same search, only the final choice differs: each alpha's choice
    # has the best score under that alpha among all the choices.
    for index, alpha in enumerate(alphas, start=1):
        scores = penalized_scores(translator, packed, candidates, end, alpha)
        np.testing.assert_array_less(scores.max(-1) - 1e-4, scores[:, index])


def test_translate_with_length_penalty(rnn_translator):
    translator = rnn_translator
    texts = ["Tom is here."]
    beams = translator.translate(
        texts, num_beams=3, length_penalty=0.6, on_overflow="truncate"
    )
    assert len(beams) == 1 and isinstance(beams[0], str)
    with pytest.raises(ValueError, match="num_beams"):
        translator.translate(texts, length_penalty=0.6)
    with pytest.raises(ValueError, match="length_penalty"):
        translator.translate(texts, num_beams=2, length_penalty=-1.0)
