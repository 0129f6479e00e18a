"""Backbone and task: configuration, numerics, fit, predict / classify, saving."""

import keras
import numpy as np
import pytest
from classifier_helpers import LABEL_IDS, LABEL_NAMES, SMALL, TEXTS, build_classifier

from applications import (
    TextClassifier,
    TextClassifierBackbone,
    TextClassifierPreprocessor,
)


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def weights_of(layer):
    return [keras.ops.convert_to_numpy(w) for w in layer.weights]


def eager_probabilities(classifier, texts):
    """The forward pass called directly (no compiled predict function)."""
    return keras.ops.convert_to_numpy(classifier(classifier.preprocessor(texts)))


def head_by_numpy(classifier, texts):
    """Probabilities from the backbone's token vectors, pooled in numpy."""
    x = classifier.preprocessor(texts)
    sequence = keras.ops.convert_to_numpy(classifier.backbone(x))  # (B, T, E)
    mask = np.asarray(x["padding_mask"]).astype(bool)
    if classifier.pooling == "mean":
        pooled = np.stack([row[keep].mean(axis=0) for row, keep in zip(sequence, mask)])
    else:
        pooled = sequence[:, 0]
    kernel, bias = weights_of(classifier.output_dense)
    return softmax(pooled @ kernel + bias)


def test_parameter_count_matches_per_component_formula():
    e, f, v, t = 8, 16, 30, 16
    attention = 4 * (e * e + e)
    feedforward = (e * f + f) + (f * e + e)
    block = attention + feedforward + 2 * (2 * e)
    for normalize_first in (False, True):
        backbone = TextClassifierBackbone(
            vocabulary_size=v,
            max_sequence_length=t,
            normalize_first=normalize_first,
            **SMALL,
        )
        final_norm = 2 * e if normalize_first else 0
        assert backbone.count_params() == v * e + t * e + block + final_norm
    sinusoidal = TextClassifierBackbone(
        vocabulary_size=v, max_sequence_length=t, position="sinusoidal", **SMALL
    )
    assert sinusoidal.count_params() == v * e + block


def test_masked_mean_pooling_and_head_match_numpy(classifier):
    # Different lengths; six texts like the other predict calls (one compile).
    texts = ["a dull film .", TEXTS[2], "a gorgeous film", *TEXTS[3:]]
    expected = head_by_numpy(classifier, texts)
    probabilities = keras.ops.convert_to_numpy(classifier.predict(texts, verbose=0))
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)


def test_cls_pooling_matches_numpy(classifier):
    cls_classifier = TextClassifier(
        classifier.backbone,
        label_names=LABEL_NAMES,
        preprocessor=classifier.preprocessor,
        pooling="token",
        dropout=0.0,
    )
    np.testing.assert_allclose(
        eager_probabilities(cls_classifier, TEXTS),
        head_by_numpy(cls_classifier, TEXTS),
        atol=1e-5,
    )


def test_padding_does_not_change_the_prediction(classifier):
    tokenizer = classifier.preprocessor.tokenizer
    longer = TextClassifierPreprocessor(tokenizer, sequence_length=16)
    x = longer(TEXTS[:2])
    assert not np.asarray(x["padding_mask"]).all()  # padded to 16
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(classifier(x)),
        eager_probabilities(classifier, TEXTS[:2]),
        1e-5,
    )


def test_token_dropout_zeroes_whole_token_vectors():
    backbone = TextClassifierBackbone(
        vocabulary_size=30, max_sequence_length=16, token_dropout=0.5, **SMALL
    )
    assert backbone.get_config()["token_dropout"] == 0.5
    x = np.ones((4, 16, 8), "float32")
    dropped = keras.ops.convert_to_numpy(backbone.token_dropout_layer(x, training=True))
    kept = dropped.any(axis=-1)  # (B, T): one draw per token
    np.testing.assert_array_equal(dropped[kept], 2.0)  # scaled by 1 / (1 - 0.5)
    np.testing.assert_array_equal(dropped[~kept], 0.0)
    assert 0 < kept.sum() < kept.size
    inference = keras.ops.convert_to_numpy(
        backbone.token_dropout_layer(x, training=False)
    )
    np.testing.assert_array_equal(inference, x)


def test_fit_one_step_changes_the_weights():
    classifier = build_classifier(seed=5)
    before = weights_of(classifier)
    history = classifier.fit(TEXTS, LABEL_IDS, batch_size=6, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = weights_of(classifier)
    assert all(not np.allclose(a, b) for a, b in zip(before, after))


def test_classify_returns_label_names_and_probabilities(classifier):
    labels, probabilities = classifier.classify(TEXTS)
    assert probabilities.shape == (6, 2)
    assert labels == [LABEL_NAMES[i] for i in probabilities.argmax(axis=-1)]
    label, row = classifier.classify(TEXTS[0])
    assert label == labels[0]
    np.testing.assert_allclose(row, probabilities[0], atol=1e-6)


def test_logits_head_gives_probabilities_in_classify(classifier):
    logits_classifier = TextClassifier(
        classifier.backbone,
        label_names=LABEL_NAMES,
        preprocessor=classifier.preprocessor,
        activation=None,
        dropout=0.0,
    )
    logits_classifier.output_dense.set_weights(classifier.output_dense.get_weights())
    _, probabilities = logits_classifier.classify(TEXTS)
    np.testing.assert_allclose(probabilities, classifier.classify(TEXTS)[1], 1e-5)


def test_empty_and_wrong_inputs_are_rejected(classifier):
    with pytest.raises(ValueError, match="empty string at index 1"):
        classifier.classify(["a film", "  "])
    with pytest.raises(ValueError, match="empty string at index 0"):
        classifier.predict([""], verbose=0)
    with pytest.raises(ValueError, match="at least one text"):
        classifier.classify([])
    with pytest.raises(TypeError, match="int 7 at index 0"):
        classifier.classify([7])
    no_preprocessor = TextClassifier(
        classifier.backbone, label_names=LABEL_NAMES, preprocessor=None
    )
    with pytest.raises(ValueError, match="needs a preprocessor"):
        no_preprocessor.classify(["a film"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_heads=3), "num_heads"),
        (dict(position="rotary"), "position"),
        (dict(vocabulary_size=0), "vocabulary_size"),
        (dict(max_sequence_length=-1), "max_sequence_length"),
        (dict(token_dropout=1.0), "token_dropout"),
    ],
)
def test_bad_backbone_configuration_is_rejected(kwargs, message):
    config = dict(vocabulary_size=30, max_sequence_length=16, **SMALL)
    with pytest.raises(ValueError, match=message):
        TextClassifierBackbone(**{**config, **kwargs})


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(pooling="max"), ValueError, "pooling"),
        (dict(label_names=["a", "a"]), ValueError, "unique"),
        (dict(label_names="ab"), TypeError, "list of strings"),
        (dict(num_classes=1, label_names=None), ValueError, "num_classes"),
        (dict(num_classes=3), ValueError, "num_classes"),
    ],
)
def test_bad_task_configuration_is_rejected(classifier, kwargs, error, message):
    config = dict(label_names=LABEL_NAMES, preprocessor=classifier.preprocessor)
    with pytest.raises(error, match=message):
        TextClassifier(classifier.backbone, **{**config, **kwargs})


def test_preprocessor_longer_than_the_backbone_is_rejected(classifier):
    short = TextClassifierBackbone(vocabulary_size=30, max_sequence_length=8, **SMALL)
    with pytest.raises(ValueError, match="max_sequence_length"):
        TextClassifier(
            short, label_names=LABEL_NAMES, preprocessor=classifier.preprocessor
        )
