"""GPT generation: the cached, compiled decoding against recomputing the
whole prefix per token (nanoGPT's `generate`), batches of prompts of
different lengths, samplers, the repetition penalty, streaming, scoring."""

import keras
import numpy as np
import pytest
from gpt_helpers import build_gpt

from applications.gpt import generation

PROMPTS = ["To be", "", "床前明月光，"]


def _recomputed_greedy(gpt, prompt, max_length, penalty=1.0):
    """Greedy decoding that runs the whole prefix through the model for
    every new token (no cache), the reference the cache must equal."""
    ids = gpt.preprocessor.tokenize_prompts([prompt])[0]
    while len(ids) < max_length:
        # The prefix right-padded to one shape (one trace): causal attention
        # keeps the padding out of the logits at the prefix's last token.
        x = np.zeros((1, max_length), "int32")
        x[0, : len(ids)] = ids
        mask = np.arange(max_length)[None] < len(ids)
        logits = gpt({"token_ids": x, "padding_mask": mask}, training=False)
        logits = keras.ops.convert_to_numpy(logits)[0, len(ids) - 1].astype("float64")
        if penalty != 1.0:
            seen = np.zeros(logits.shape, bool)
            seen[ids] = True
            logits = np.where(
                seen, np.where(logits > 0, logits / penalty, logits * penalty), logits
            )
        ids.append(int(np.argmax(logits)))
    return ids


def _generated_ids(gpt, prompts, max_length, **kwargs):
    inputs = gpt.preprocessor.generate_preprocess(prompts, max_length)
    gpt.make_generate_function()
    outputs = gpt.generate_function(inputs, stop_token_ids=None, **kwargs)
    return keras.ops.convert_to_numpy(outputs["token_ids"])


def test_cached_greedy_equals_recomputing_the_prefix(any_gpt):
    gpt = any_gpt
    gpt.compile(sampler="greedy")
    # One batch of prompts of different lengths (one empty): each row equals
    # its own prompt decoded alone without a cache.
    found = _generated_ids(gpt, PROMPTS, 16)
    for row, prompt in zip(found, PROMPTS):
        assert row.tolist() == _recomputed_greedy(gpt, prompt, 16)


def test_generate_returns_strings_with_the_prompt_first(gpt):
    gpt.compile(sampler="greedy")
    texts = gpt.generate(PROMPTS, max_length=16, stop_token_ids=None)
    assert [t.startswith(p) for t, p in zip(texts, PROMPTS)] == [True] * 3
    single = gpt.generate("To be", max_length=16, stop_token_ids=None)
    assert single == texts[0]
    stripped = gpt.generate(
        "To be", max_length=16, stop_token_ids=None, strip_prompt=True
    )
    assert "To be" + stripped == single


def test_repetition_penalty_equals_the_ctrl_formula():
    logits = np.array([[2.0, -1.0, 0.5, -3.0]], "float32")
    seen = np.array([[True, True, False, False]])
    expected = np.array([[2.0 / 1.5, -1.0 * 1.5, 0.5, -3.0]])
    found = generation.penalize_repetition(logits, seen, 1.5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(found), expected, rtol=1e-6)


def test_penalized_greedy_decoding_equals_the_reference(gpt):
    gpt.compile(sampler="greedy", repetition_penalty=1.8)
    try:
        found = _generated_ids(gpt, ["To be"], 16)[0]
    finally:
        gpt.compile(sampler="greedy")
    assert found.tolist() == _recomputed_greedy(gpt, "To be", 16, penalty=1.8)


def test_streaming_yields_the_tokens_of_generate(gpt):
    gpt.compile(sampler="greedy")
    streamed = "".join(gpt.stream("To be", max_length=16, stop_token_ids=None))
    ids = _recomputed_greedy(gpt, "To be", 16)
    tokenizer = gpt.preprocessor.tokenizer
    prompt_length = len(tokenizer.tokenize("To be"))
    expected = tokenizer.detokenize([ids[prompt_length:]])[0]
    # A character spelled in bytes is shown only once it is whole.
    assert expected.startswith(streamed) and len(expected) - len(streamed) <= 3


@pytest.mark.parametrize("name", ["top_k", "top_p", "random"])
def test_seeded_samplers_are_reproducible(gpt, name):
    outputs = []
    for _ in range(2):
        gpt.compile(sampler=generation.make_sampler(name, temperature=1.5, seed=3))
        outputs.append(_generated_ids(gpt, PROMPTS, 16))
    gpt.compile(sampler="greedy")
    np.testing.assert_array_equal(outputs[0], outputs[1])


def test_top_k_above_the_vocabulary_samples_from_all_of_it(gpt):
    vocabulary_size = gpt.backbone.vocabulary_size
    sampler = generation.make_sampler("top_k", top_k=vocabulary_size + 50, seed=3)
    gpt.compile(sampler=sampler)
    assert sampler.k == vocabulary_size + 50  # the caller's object is kept
    assert gpt.sampler.k == vocabulary_size
    generated = _generated_ids(gpt, PROMPTS, 16)
    gpt.compile(sampler=generation.make_sampler("top_k", top_k=vocabulary_size, seed=3))
    np.testing.assert_array_equal(generated, _generated_ids(gpt, PROMPTS, 16))
    gpt.compile(sampler="greedy")


def test_beam_search_keeps_the_prompts():
    gpt = build_gpt()
    gpt.compile(sampler=generation.make_sampler("beam", num_beams=3))
    ids = _generated_ids(gpt, PROMPTS, 12)
    for row, prompt in zip(ids, PROMPTS):
        prompt_ids = gpt.preprocessor.tokenize_prompts([prompt])[0]
        assert row[: len(prompt_ids)].tolist() == prompt_ids
    with pytest.raises(ValueError, match="Beam search cannot stream"):
        next(gpt.stream("To be"))


def test_stop_token_ends_the_text(gpt):
    gpt.compile(sampler="greedy")
    tokenizer = gpt.preprocessor.tokenizer
    ids = _recomputed_greedy(gpt, "To be", 16)
    prompt_length = len(tokenizer.tokenize("To be"))
    stop = ids[prompt_length + 2]  # the third generated token
    text = gpt.generate("To be", max_length=16, stop_token_ids=[stop])
    first = ids.index(stop, prompt_length)
    # Kept up to and including the stop token (stripped when it is special).
    assert text == tokenizer.detokenize([ids[: first + 1]])[0]


def test_score_equals_log_softmax_of_the_logits(gpt):
    text = "To be, or not"
    [result] = gpt.score([text])
    ids = gpt.preprocessor.tokenize_prompts([text])[0] + [
        gpt.preprocessor.tokenizer.end_token_id
    ]
    x = np.asarray([ids[:-1]], "int32")
    logits = keras.ops.convert_to_numpy(
        gpt({"token_ids": x, "padding_mask": np.ones_like(x)}, training=False)
    )[0].astype("float64")
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = log_softmax[np.arange(len(ids) - 1), ids[1:]]
    # The first token is context only (nothing comes before it); every
    # later token and the closing `</s>` are predicted.
    np.testing.assert_allclose(result["log_likelihood"], expected, atol=1e-4)
    assert np.isclose(result["perplexity"], np.exp(-result["log_likelihood"].mean()))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda g: g.generate("To be", max_length=25), ValueError, "max_length"),
        (lambda g: g.generate("To be", max_length=1), ValueError, "max_length"),
        (lambda g: g.generate("x" * 30, max_length=20), ValueError, "leaves no room"),
        (lambda g: g.generate(["To be", 3]), TypeError, "strings"),
        (lambda g: g.generate([]), ValueError, "at least one"),
        (lambda g: next(g.stream(["a", "b"])), TypeError, "one prompt"),
        (lambda g: g.score(["x" * 40]), ValueError, "does not fit"),
        (lambda g: g.compile(repetition_penalty=0), ValueError, "repetition_penalty"),
    ],
)
def test_bad_generation_input_is_refused(gpt, call, error, message):
    with pytest.raises(error, match=message):
        call(gpt)
    gpt.compile(sampler="greedy")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "nucleus"}, "`sampler` must be one of"),
        ({"temperature": -1.0}, "`temperature`"),
        ({"temperature": 0.0}, "`temperature`"),
        ({"top_p": 0.0}, "`top_p`"),
        ({"top_p": 1.5}, "`top_p`"),
        ({"top_k": 0}, "`top_k`"),
    ],
)
def test_bad_sampler_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generation.make_sampler(**kwargs)
