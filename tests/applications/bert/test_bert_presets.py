"""The shipped masked-LM presets: their records; for the English
`bert_tiny_en`, what pretraining read (never the MR classifier's test
sentences); fill-mask answers chosen before each was trained (common English
phrases; characters of famous lines of Tang poems for the Chinese
`bert_tiny_tang_poems`)."""

import functools
import shlex

import keras
import numpy as np
import pytest

from applications.bert.task import BertMaskedLM
from applications.common.presets import PRESETS_DIR, load_preset_metadata
from applications.text_classifier.task import BertTextClassifier, TextClassifier

SHIPPED = "bert_tiny_en"
TANG_POEMS = "bert_tiny_tang_poems"


@functools.cache
def shipped(name=SHIPPED):
    return BertMaskedLM.from_preset(name)


@pytest.mark.parametrize("name", [SHIPPED, TANG_POEMS])
def test_shipped_preset_is_registered_with_its_record(name):
    registered = BertMaskedLM.presets[name]["metadata"]
    metadata = load_preset_metadata(name)
    assert registered["task"] == "BertMaskedLM" and registered["path"] == "bert"
    assert registered["params"] == shipped(name).count_params()
    command = metadata["training_command"]
    assert command.startswith("keras-attention train mlm --data")
    assert metadata["training_wall_time_seconds"] > 0
    accuracy = metadata["validation_masked_accuracy"]
    assert 0.3 < accuracy < 1
    assert f"{accuracy:.1%}" in registered["result"]
    size = sum(p.stat().st_size for p in (PRESETS_DIR / name).rglob("*"))
    assert size < 10e6


def test_pretraining_never_read_the_classifiers_test_sentences():
    """The MR texts it read are those outside the held-out split of
    `train classifier --dataset mr` at the same seed as the shipped
    classifiers' split (`classifier_tiny_mr`, `classifier_bert_tiny_mr`)."""
    metadata = load_preset_metadata(SHIPPED)
    arguments = shlex.split(metadata["training_command"])
    assert arguments[arguments.index("--classifier-dataset") + 1] == "mr"
    seed = int(arguments[arguments.index("--seed") + 1])
    for classifier in ("classifier_tiny_mr", "classifier_bert_tiny_mr"):
        assert load_preset_metadata(classifier)["split_seed"] == seed
    config = metadata["training_config"]
    assert config["classifier_dataset"] == "mr" and config["test_fraction"] == 0


def _missed(text, answer, top_5):
    """A case whose answer was not in the top 5: a strict expected failure
    that names what the preset proposed instead."""
    reason = f"not in the top 5 ({top_5}): see docs/bert.md"
    return pytest.param(
        text, answer, marks=pytest.mark.xfail(strict=True, reason=reason)
    )


# Chosen before the preset was trained: frequent phrases of the English side
# of eng-cmn and of movie reviews, each with one obvious word.
PHRASES = [
    ("How are [MASK]?", " you"),
    ("I don't [MASK] what you mean.", " know"),
    ("Thank you very [MASK].", " much"),
]


@pytest.mark.parametrize("text, word", PHRASES)
def test_fill_mask_completes_common_phrases(text, word):
    (candidates,) = shipped().fill_mask([text], top_k=5)[0]
    assert word in [token for token, _ in candidates], candidates


def test_a_classifier_fine_tunes_from_the_built_in_name():
    """`TextClassifier.from_preset("bert_tiny_en", ...)` (and `train
    classifier --preset bert_tiny_en`) find the BERT preset by its name."""
    classifier = TextClassifier.from_preset(SHIPPED, num_classes=2)
    assert isinstance(classifier, BertTextClassifier)
    pretrained = shipped().backbone.token_embedding.embeddings
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(classifier.backbone.token_embedding.embeddings),
        keras.ops.convert_to_numpy(pretrained),
    )


# Chosen before the preset was trained: one character of a famous line
# (Wang Zhihuan, Meng Haoran, Du Fu, Meng Jiao, Wang Wei, Zhang Jiuling, Bai
# Juyi), the whole couplet given, as the data writes it (traditional
# characters). The small encoder learned the poems' common words, not these
# lines: one of the seven is in its top 5 (docs/bert.md); the others are
# kept as strict expected failures, with what it proposed instead.
COUPLETS = [
    _missed("白日依山[MASK]，黃河入海流。", "盡", "水 路 雨 寺 北"),
    _missed("春眠不覺[MASK]，處處聞啼鳥。", "曉", "夢 睡 夜 處 意"),
    _missed("國破山河[MASK]，城春草木深。", "在", "遠 近 闊 淺 靜"),
    _missed("慈母手中[MASK]，遊子身上衣。", "線", "人 書 事 身 客"),
    _missed("獨在異鄉爲異[MASK]，每逢佳節倍思親。", "客", "事 域 志 境 俗"),
    ("海上生明[MASK]，天涯共此時。", "月"),
    _missed("離離原上[MASK]，一歲一枯榮。", "草", "客 路 事 樹 地"),
]


@pytest.mark.parametrize("text, character", COUPLETS)
def test_fill_mask_completes_famous_lines_of_tang_poems(text, character):
    (candidates,) = shipped(TANG_POEMS).fill_mask([text], top_k=5)[0]
    assert character in [token for token, _ in candidates], candidates
