"""The shipped English masked-LM preset `bert_tiny_en`: its record, what
pretraining read (never the MR classifier's test sentences), and fill-mask
answers to common English phrases chosen before it was trained."""

import functools
import shlex

import keras
import numpy as np
import pytest

from applications.bert.task import BertMaskedLM
from applications.common.presets import PRESETS_DIR, load_preset_metadata
from applications.text_classifier.task import BertTextClassifier, TextClassifier

SHIPPED = "bert_tiny_en"


@functools.cache
def shipped():
    return BertMaskedLM.from_preset(SHIPPED)


def test_shipped_preset_is_registered_with_its_record():
    registered = BertMaskedLM.presets[SHIPPED]["metadata"]
    metadata = load_preset_metadata(SHIPPED)
    assert registered["task"] == "BertMaskedLM" and registered["path"] == "bert"
    assert registered["params"] == shipped().count_params()
    command = metadata["training_command"]
    assert command.startswith("keras-attention train mlm --data ")
    assert metadata["training_wall_time_seconds"] > 0
    accuracy = metadata["validation_masked_accuracy"]
    assert 0.3 < accuracy < 1
    assert f"{accuracy:.1%}" in registered["result"]
    size = sum(p.stat().st_size for p in (PRESETS_DIR / SHIPPED).rglob("*"))
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


# Chosen before the preset was trained: frequent phrases of the English side
# of eng-cmn and of movie reviews, each with one obvious word.
PHRASES = [
    ("How are [MASK]?", " you"),
    ("I don't [MASK] what you mean.", " know"),
    pytest.param(
        "Thank you very [MASK].",
        " much",
        marks=pytest.mark.xfail(
            strict=True,
            reason="not in the top 5 (busy, long, late, interesting, good): "
            "see docs/bert.md",
        ),
    ),
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
