"""BERT masked language model: tokenizer, BERT's masking statistics, the
head against numpy, fill_mask after training, presets and bad input."""

import math

import keras
import numpy as np
import pytest
from bert_helpers import (
    SENTENCES,
    build_masked_lm,
    toy_tokenizer,
    train_on_sentences,
    word_texts,
)

from applications.bert.backbone import BertBackbone
from applications.bert.preprocessor import BertMaskedLMPreprocessor
from applications.bert.task import BertMaskedLM
from applications.bert.tokenizer import BertTokenizer
from applications.text_classifier.task import TextClassifier


@pytest.fixture(scope="module")
def tokenizer():
    return toy_tokenizer()


@pytest.fixture(scope="module")
def training(tokenizer):
    """A tiny masked LM (no segments, no pooler) fitted on `SENTENCES` for
    200 steps, and its history."""
    keras.utils.set_random_seed(1)
    masked_lm = build_masked_lm(tokenizer, num_segments=0, use_pooler=False)
    history = train_on_sentences(masked_lm)
    return masked_lm, history


@pytest.fixture(scope="module")
def trained(training):
    return training[0]


# --- Tokenizer ---------------------------------------------------------------


def test_tokenizer_reserves_bert_tokens_and_keeps_mask_whole(tokenizer):
    tokens = [tokenizer.id_to_token(i) for i in range(4)]
    assert tokens == ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    ids = (tokenizer.pad_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id)
    assert ids == (0, 2, 3)
    assert (tokenizer.start_token_id, tokenizer.end_token_id) == (2, 3)
    assert tokenizer.id_to_token(tokenizer.mask_token_id) == "[MASK]"
    ids = [int(i) for i in tokenizer("the [MASK] sat")]
    assert ids.count(tokenizer.mask_token_id) == 1
    text = "The cat, 猫, sat [MASK]!"
    assert tokenizer.detokenize(tokenizer(text)) == text


# --- Preprocessor: BERT's dynamic masking -------------------------------------


def _draw(preprocessor, texts):
    x, y, weights = preprocessor(texts)
    return {
        **{key: keras.ops.convert_to_numpy(value) for key, value in x.items()},
        "labels": keras.ops.convert_to_numpy(y),
        "weights": keras.ops.convert_to_numpy(weights),
    }


@pytest.fixture(scope="module")
def statistics():
    """Ten draws over 100 texts, 20 of them short (padded)."""
    texts = word_texts(80, 40) + word_texts(20, 5, seed=1)
    tokenizer = BertTokenizer.from_texts(texts, vocabulary_size=300)
    preprocessor = BertMaskedLMPreprocessor(
        tokenizer, sequence_length=32, mask_selection_length=32
    )
    preprocessor.build(None)
    token_ids, _ = preprocessor.packer(tokenizer(texts))
    original = keras.ops.convert_to_numpy(token_ids)
    draws = [_draw(preprocessor, texts) for _ in range(10)]
    return tokenizer, original, draws


def test_masking_chooses_15_percent_then_80_10_10(statistics):
    tokenizer, original, draws = statistics
    specials = [tokenizer.pad_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id]
    eligible = int(np.isin(original, specials, invert=True).sum())
    chosen = masked = random = unchanged = 0
    for draw in draws:
        for row in range(len(original)):
            count = int(draw["weights"][row].sum())
            positions = draw["mask_positions"][row, :count]
            np.testing.assert_array_equal(
                draw["labels"][row, :count], original[row, positions]
            )
            values = draw["token_ids"][row, positions]
            chosen += count
            masked += int((values == tokenizer.mask_token_id).sum())
            unchanged += int((values == original[row, positions]).sum())
            random += int(
                (
                    (values != tokenizer.mask_token_id)
                    & (values != original[row, positions])
                ).sum()  # fmt: skip
            )
            # Outside the chosen positions, nothing changes.
            others = np.ones(original.shape[1], bool)
            others[positions] = False
            np.testing.assert_array_equal(
                draw["token_ids"][row, others], original[row, others]
            )
    # About 10 x 2,600 eligible tokens: a binomial's standard deviation of the
    # selection rate is about 0.002, of the shares of the ~3,900 chosen 0.006.
    assert abs(chosen / (10 * eligible) - 0.15) < 0.012
    assert abs(masked / chosen - 0.8) < 0.025
    assert abs(random / chosen - 0.1) < 0.02
    assert abs(unchanged / chosen - 0.1) < 0.02


def test_masking_never_chooses_special_tokens(statistics):
    tokenizer, original, draws = statistics
    specials = [tokenizer.pad_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id]
    for draw in draws:
        chosen = draw["labels"][draw["weights"] > 0]
        assert not np.isin(chosen, specials).any()
        # [CLS], [SEP] and [PAD] stay where they were.
        where = np.isin(original, specials)
        np.testing.assert_array_equal(draw["token_ids"][where], original[where])
        np.testing.assert_array_equal(draw["padding_mask"], original != 0)


def test_masking_is_drawn_anew_at_every_call(statistics):
    _, _, draws = statistics
    assert not np.array_equal(draws[0]["mask_positions"], draws[1]["mask_positions"])


def test_preprocessor_shapes(tokenizer):
    preprocessor = BertMaskedLMPreprocessor(
        tokenizer, sequence_length=12, mask_selection_length=4
    )
    draw = _draw(preprocessor, SENTENCES[:3])
    assert draw["token_ids"].shape == draw["segment_ids"].shape == (3, 12)
    assert draw["padding_mask"].shape == (3, 12)
    assert draw["mask_positions"].shape == draw["labels"].shape == (3, 4)
    assert draw["weights"].shape == (3, 4)
    assert (draw["segment_ids"] == 0).all()


# --- Head ----------------------------------------------------------------------


def _gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _layer_norm(x, gamma, beta, epsilon):
    mean = x.mean(-1, keepdims=True)
    variance = x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def test_head_logits_at_masked_positions_equal_numpy(tokenizer):
    keras.utils.set_random_seed(3)
    masked_lm = build_masked_lm(tokenizer)
    head = masked_lm.masked_lm_head
    rng = np.random.default_rng(0)
    for weight in (head.output_bias, head.transform_layer_norm.gamma,
                   head.transform_layer_norm.beta):  # fmt: skip
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    token_ids = rng.integers(4, tokenizer.vocabulary_size(), (2, 12)).astype("int32")
    inputs = {
        "token_ids": token_ids,
        "segment_ids": np.zeros_like(token_ids),
        "padding_mask": np.ones_like(token_ids),
        "mask_positions": np.array([[1, 5, 11], [0, 7, 7]], "int32"),
    }
    logits = keras.ops.convert_to_numpy(masked_lm.predict_on_batch(inputs))
    assert logits.shape == (2, 3, tokenizer.vocabulary_size())
    backbone_inputs = {k: v for k, v in inputs.items() if k != "mask_positions"}
    sequence = keras.ops.convert_to_numpy(
        masked_lm.backbone(backbone_inputs)["sequence_output"]
    ).astype("float64")
    gathered = np.stack([sequence[b, inputs["mask_positions"][b]] for b in range(2)])
    numpy = lambda w: keras.ops.convert_to_numpy(w).astype("float64")  # noqa: E731
    dense = head.transform_dense
    hidden = _gelu(gathered @ numpy(dense.kernel) + numpy(dense.bias))
    norm = head.transform_layer_norm
    hidden = _layer_norm(hidden, numpy(norm.gamma), numpy(norm.beta), norm.epsilon)
    table = numpy(masked_lm.backbone.token_embedding.embeddings)  # tied (V, E)
    expected = hidden @ table.T + numpy(head.output_bias)
    np.testing.assert_allclose(logits, expected, atol=2e-4, rtol=1e-4)


def test_head_shares_the_token_embedding(tokenizer):
    masked_lm = build_masked_lm(tokenizer)
    head_weights = {id(w) for w in masked_lm.masked_lm_head.weights}
    assert id(masked_lm.backbone.token_embedding.embeddings) in head_weights
    own = masked_lm.count_params() - masked_lm.backbone.count_params()
    assert own == 32 * 32 + 32 + 2 * 32 + tokenizer.vocabulary_size()


# --- Training and fill_mask -----------------------------------------------------


def test_fill_mask_finds_the_determined_word(trained):
    results = trained.fill_mask(
        [
            "the cat sat on the [MASK]",
            "a bird [MASK] over the house",
            "she plays the old [MASK]",
            "we [MASK] a funny movie",
        ],
        top_k=3,
    )
    # The masks of the 200 training steps are seeded (`train_on_sentences`).
    expected = [" mat", " flew", " piano", " watched"]
    tops = [[token for token, _ in masks[0]] for masks in results]
    assert [top[0] for top in tops] == expected, tops
    for masks in results:
        probabilities = [p for _, p in masks[0]]
        assert len(probabilities) == 3
        assert probabilities == sorted(probabilities, reverse=True)
        assert 0 < sum(probabilities) <= 1 + 1e-6


def test_fill_mask_with_several_masks_and_a_single_text(trained):
    masks = trained.fill_mask("my friend [MASK] hot [MASK]", top_k=2)
    assert len(masks) == 2 and all(len(candidates) == 2 for candidates in masks)
    # Two masks in a five-word sentence are rarer in training, and the
    # masks drawn in tf.data are not seeded: one of the two words must be
    # found in its top 2 (both are, in most runs).
    tops = [[token for token, _ in candidates] for candidates in masks]
    assert " drank" in tops[0] or " tea" in tops[1], tops


def test_fit_reports_loss_and_masked_accuracy(training):
    # A backbone without segment embedding: the preprocessor's segment ids
    # are left out of its inputs.
    masked_lm, history = training
    assert "segment_ids" not in masked_lm.input
    assert set(history.history) == {"loss", "masked_accuracy"}
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["masked_accuracy"][-1] > 0.5


def test_save_to_preset_and_from_preset_round_trip(trained, tmp_path):
    trained.save_to_preset(tmp_path / "bert")
    restored = BertMaskedLM.from_preset(tmp_path / "bert")
    assert isinstance(restored.preprocessor.tokenizer, BertTokenizer)
    texts = ["the cat sat on the [MASK]", "my friend [MASK] hot [MASK]"]
    expected, received = trained.fill_mask(texts), restored.fill_mask(texts)
    for masks_a, masks_b in zip(expected, received):
        for candidates_a, candidates_b in zip(masks_a, masks_b):
            assert [t for t, _ in candidates_a] == [t for t, _ in candidates_b]
            np.testing.assert_allclose(
                [p for _, p in candidates_a], [p for _, p in candidates_b], atol=1e-5
            )
    tokenizer = BertTokenizer.from_preset(tmp_path / "bert")
    assert tokenizer.mask_token_id == trained.preprocessor.tokenizer.mask_token_id


# --- Bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "texts, top_k, error, message",
    [
        (["the cat sat"], 5, ValueError, "without \\[MASK\\] at index 0"),
        (["the [MASK]", "a [MASK]", "a dog"], 5, ValueError, "at index 2"),
        (["[MASK]"], 0, ValueError, "`top_k` must be an integer in \\[1, 400\\]"),
        (["[MASK]"], 401, ValueError, "`top_k` must be an integer in \\[1, 400\\]"),
        (["[MASK]"], 1.5, TypeError, "`top_k` must be an integer"),
        ([""], 5, ValueError, "empty string at index 0"),
        ([3], 5, TypeError, "must hold strings"),
    ],
)
def test_fill_mask_refuses_bad_input(trained, texts, top_k, error, message):
    with pytest.raises(error, match=message):
        trained.fill_mask(texts, top_k=top_k)


def test_fill_mask_refuses_more_masks_than_positions(trained):
    with pytest.raises(ValueError, match="has 12 \\[MASK\\] tokens but only 10 fit"):
        trained.fill_mask(" ".join(["[MASK]"] * 12))
    with pytest.raises(ValueError, match="has 1 \\[MASK\\] tokens but only 0 fit"):
        trained.fill_mask("the cat sat on the mat and the dog ran [MASK]")


def test_fill_mask_needs_a_preprocessor(trained):
    bare = BertMaskedLM(trained.backbone)
    with pytest.raises(ValueError, match="needs a preprocessor"):
        bare.fill_mask("the [MASK]")


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"sequence_length": 2}, ValueError, "`sequence_length` must be"),
        ({"sequence_length": 12.0}, TypeError, "`sequence_length` must be"),
        ({"mask_selection_rate": 0}, ValueError, "`mask_selection_rate` must be"),
        ({"mask_selection_length": 0}, ValueError, "`mask_selection_length`"),
        ({"mask_token_rate": 0.95}, ValueError, "at most 1"),
        ({"random_token_rate": -0.1}, ValueError, "`random_token_rate` must be"),
    ],
)
def test_preprocessor_refuses_bad_configs(tokenizer, change, error, message):
    with pytest.raises(error, match=message):
        BertMaskedLMPreprocessor(tokenizer, **{"sequence_length": 12, **change})


def test_preprocessor_refuses_empty_texts(tokenizer):
    preprocessor = BertMaskedLMPreprocessor(tokenizer, sequence_length=12)
    with pytest.raises(ValueError, match="empty string at index 1"):
        preprocessor(["the cat", "  "])


def test_task_refuses_a_mismatched_preprocessor(tokenizer):
    backbone = BertBackbone(tokenizer.vocabulary_size(), 1, 2, 16, 32, 8)
    long = BertMaskedLMPreprocessor(tokenizer, sequence_length=12)
    with pytest.raises(ValueError, match="must not exceed the backbone's"):
        BertMaskedLM(backbone, long)
    other = BertBackbone(tokenizer.vocabulary_size() + 1, 1, 2, 16, 32, 12)
    with pytest.raises(ValueError, match="must have the backbone's vocabulary"):
        BertMaskedLM(other, long)


def test_a_bert_preset_is_refused_by_another_application():
    from applications.gpt.task import GPT

    with pytest.raises(ValueError, match="belongs to BertBackbone"):
        GPT.from_preset("bert_tiny_en")


def test_an_architecture_preset_cannot_be_fine_tuned():
    """A text classifier takes a BERT preset by name, but one without a
    tokenizer (random weights) is refused, naming what is missing."""
    with pytest.raises(ValueError, match="architecture preset.*no tokenizer"):
        TextClassifier.from_preset("bert_base_uncased", num_classes=2)
