"""Fine-tuning a text classifier from a BERT masked-LM preset: the pretrained
encoder and tokenizer under a new head, freezing, the encoder's learning-rate
multiplier, the bad presets, and `train classifier --preset`."""

import json

import keras
import numpy as np
import pytest

from applications.bert.backbone import BertBackbone
from applications.bert.preprocessor import BertMaskedLMPreprocessor
from applications.bert.task import BertMaskedLM
from applications.bert.tokenizer import BertTokenizer
from applications.cli import main
from applications.common.learning_rate_multiplier import (
    optimizer_with_learning_rate_multiplier,
)
from applications.gpt.backbone import GPTBackbone
from applications.text_classifier.preprocessor import BertTextClassifierPreprocessor
from applications.text_classifier.task import BertTextClassifier, TextClassifier
from applications.text_classifier.training import (
    TextClassifierTrainingConfig,
    encoder_layers,
    fine_tuning_optimizer,
)

POSITIVE = [
    "a warm and funny film", "a gorgeous witty story", "great acting, a smart script",
    "a moving and lovely tale", "the cast is superb", "a bright and clever comedy",
    "it is a joy to watch", "a charming and tender movie", "the music is wonderful",
    "a bold and brilliant debut",
]  # fmt: skip
NEGATIVE = [
    "a dull and lifeless film", "boring and far too long", "the plot makes no sense",
    "a tedious and silly story", "the acting is wooden", "a flat and clumsy comedy",
    "it is a chore to watch", "a cold and empty movie", "the music is grating",
    "a weak and lazy sequel",
]  # fmt: skip
TEXTS = POSITIVE + NEGATIVE
LABEL_IDS = [1] * len(POSITIVE) + [0] * len(NEGATIVE)
SEQUENCE_LENGTH = 12
# Every batch has 8 texts: JAX (run eagerly here) compiles each operation
# once per shape.
BATCH = POSITIVE[:4] + NEGATIVE[:4]
BATCH_LABEL_IDS = [1] * 4 + [0] * 4


def numpy_weights(model):
    return [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


def preprocessed(classifier, texts=BATCH):
    """The classifier's inputs for `texts` (what `fit` feeds the model)."""
    x = classifier.preprocess_samples(texts)
    x = keras.utils.unpack_x_y_sample_weight(x)[0]
    return {key: keras.ops.convert_to_numpy(value) for key, value in x.items()}


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer.from_texts(TEXTS * 3, vocabulary_size=400)


@pytest.fixture(scope="module")
def mlm_preset(tokenizer, tmp_path_factory):
    """A tiny (untrained) BertMaskedLM saved as a preset, and its backbone's
    weights."""
    keras.utils.set_random_seed(1)
    backbone = BertBackbone(
        vocabulary_size=tokenizer.vocabulary_size(),
        num_layers=1,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
        dropout=0.0,
    )
    preprocessor = BertMaskedLMPreprocessor(
        tokenizer, sequence_length=SEQUENCE_LENGTH, mask_selection_length=4
    )
    directory = tmp_path_factory.mktemp("bert") / "my_bert"
    BertMaskedLM(backbone, preprocessor).save_to_preset(directory)
    return directory, numpy_weights(backbone)


def test_from_preset_keeps_the_encoder_and_tokenizer_under_a_new_head(
    mlm_preset, tokenizer
):
    directory, saved = mlm_preset
    classifier = TextClassifier.from_preset(directory, num_classes=2)
    assert type(classifier) is BertTextClassifier
    assert classifier.label_names == ["0", "1"] and classifier.pooling == "token"
    for expected, found in zip(saved, numpy_weights(classifier.backbone)):
        np.testing.assert_array_equal(found, expected)
    preprocessor = classifier.preprocessor
    assert isinstance(preprocessor, BertTextClassifierPreprocessor)
    assert preprocessor.sequence_length == SEQUENCE_LENGTH  # the masked LM's
    np.testing.assert_array_equal(
        preprocessor.tokenizer("a warm film"), tokenizer("a warm film")
    )
    x = preprocessed(classifier)
    assert set(x) == {"token_ids", "segment_ids", "padding_mask"}
    assert (x["token_ids"][:, 0] == tokenizer.cls_token_id).all()
    # The head: softmax(dense(BERT's pooled [CLS] output)), new weights.
    kernel, bias = (
        keras.ops.convert_to_numpy(w) for w in classifier.output_dense.weights
    )
    assert kernel.shape == (16, 2)
    pooled = keras.ops.convert_to_numpy(classifier.backbone(x)["pooled_output"])
    logits = pooled @ kernel + bias
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    found = keras.ops.convert_to_numpy(classifier(x, training=False))
    np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6)


def test_fine_tuned_classifier_round_trips_through_its_preset(mlm_preset, tmp_path):
    classifier = TextClassifier.from_preset(
        mlm_preset[0], label_names=["negative", "positive"]
    )
    # One batch of each: eager is fastest (no tracing nor compilation).
    classifier.compile(optimizer=keras.optimizers.SGD(0.1), run_eagerly=True)
    classifier.train_on_batch(BATCH, np.asarray(BATCH_LABEL_IDS))
    directory = tmp_path / "fine_tuned"
    classifier.save_to_preset(directory)
    metadata = json.loads((directory / "metadata.json").read_text())
    assert metadata["task"] == "BertTextClassifier"
    assert metadata["label_names"] == ["negative", "positive"]
    loaded = TextClassifier.from_preset(directory)
    assert type(loaded) is BertTextClassifier
    loaded.compile(run_eagerly=True)
    np.testing.assert_allclose(
        loaded.predict(BATCH, verbose=0),
        classifier.predict(BATCH, verbose=0),
        atol=1e-6,
    )
    labels, probabilities = loaded.classify(BATCH, on_overflow="truncate")
    assert set(labels) <= {"negative", "positive"} and probabilities.shape == (8, 2)
    loss, accuracy = loaded.evaluate(BATCH, np.asarray(BATCH_LABEL_IDS), verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0


def test_backbone_without_pooler_or_segments_uses_the_cls_hidden_state(tokenizer):
    backbone = BertBackbone(
        vocabulary_size=tokenizer.vocabulary_size(), num_layers=1, num_heads=2,
        hidden_dim=16, intermediate_dim=32, max_sequence_length=16,
        num_segments=0, use_pooler=False, dropout=0.0,
    )  # fmt: skip
    classifier = BertTextClassifier(
        backbone,
        num_classes=2,
        preprocessor=BertTextClassifierPreprocessor(tokenizer, SEQUENCE_LENGTH),
        activation=None,
    )
    x = preprocessed(classifier)
    assert set(x) == {"token_ids", "padding_mask"}  # no segment embedding
    kernel, bias = (
        keras.ops.convert_to_numpy(w) for w in classifier.output_dense.weights
    )
    cls_state = keras.ops.convert_to_numpy(backbone(x)["sequence_output"])[:, 0]
    found = keras.ops.convert_to_numpy(classifier(x, training=False))
    np.testing.assert_allclose(found, cls_state @ kernel + bias, rtol=1e-5, atol=1e-6)
    assert classifier.predict(BATCH, verbose=0).shape == (8, 2)


def config(preset, **kwargs):
    return TextClassifierTrainingConfig(
        data="train.tsv", preset=str(preset), learning_rate=0.1, **kwargs
    )


def test_freezing_the_encoder_trains_the_head_only(mlm_preset):
    classifier = TextClassifier.from_preset(mlm_preset[0], num_classes=2, dropout=0.0)
    optimizer = fine_tuning_optimizer(
        classifier, config(mlm_preset[0], freeze_encoder=True)
    )
    classifier.compile(optimizer=optimizer, run_eagerly=True)
    encoder = [w for layer in encoder_layers(classifier) for w in layer.weights]
    pooler = classifier.backbone.pooled_dense.weights
    head = classifier.output_dense.weights
    before = {
        id(w): keras.ops.convert_to_numpy(w).copy() for w in encoder + pooler + head
    }
    classifier.train_on_batch(BATCH, np.asarray(BATCH_LABEL_IDS))

    def changed(weights):
        return [
            not np.array_equal(keras.ops.convert_to_numpy(w), before[id(w)])
            for w in weights
        ]

    assert len(encoder) > 10 and not any(changed(encoder))
    assert all(changed(head)) and all(changed(pooler))


@pytest.mark.parametrize("optimizer_cls", [keras.optimizers.SGD, keras.optimizers.Adam])
def test_encoder_learning_rate_multiplier_scales_the_encoder_update(
    mlm_preset, optimizer_cls
):
    """One step with multiplier 0.25 against one with multiplier 1: the
    encoder moves 0.25 times as far (for SGD as for Adam: a multiplier of
    the learning rate, not of the gradients), the head as far."""
    updates = []
    for multiplier in (1.0, 0.25):
        keras.utils.set_random_seed(0)  # the same new head
        classifier = TextClassifier.from_preset(
            mlm_preset[0], num_classes=2, dropout=0.0
        )
        encoder = [
            v for layer in encoder_layers(classifier) for v in layer.trainable_variables
        ]
        classifier.compile(
            optimizer=optimizer_with_learning_rate_multiplier(
                optimizer_cls, encoder, multiplier, learning_rate=0.01
            ),
            jit_compile=False,
        )
        variables = classifier.trainable_variables
        before = [keras.ops.convert_to_numpy(v).copy() for v in variables]
        classifier.train_on_batch(BATCH, np.asarray(BATCH_LABEL_IDS))
        is_encoder = [any(v is e for e in encoder) for v in variables]
        updates.append(
            [keras.ops.convert_to_numpy(v) - b for v, b in zip(variables, before)]
        )
    assert sum(is_encoder) > 10 and not all(is_encoder)
    for reference, scaled, encoder_variable in zip(*updates, is_encoder):
        expected = 0.25 * reference if encoder_variable else reference
        np.testing.assert_allclose(scaled, expected, rtol=1e-4, atol=1e-7)
    assert max(np.abs(u).max() for u, e in zip(updates[0], is_encoder) if e) > 1e-5


def test_presets_of_other_kinds_and_missing_classes_are_refused(mlm_preset, tmp_path):
    gpt = tmp_path / "gpt"
    GPTBackbone(
        vocabulary_size=300, num_layers=1, num_heads=2, hidden_dim=8,
        intermediate_dim=16, max_sequence_length=8,
    ).save_to_preset(gpt)  # fmt: skip
    with pytest.raises(ValueError, match="backbone GPTBackbone") as error:
        TextClassifier.from_preset(gpt, num_classes=2)
    assert "TextClassifierBackbone (TextClassifier)" in str(error.value)
    assert "BertBackbone (BertTextClassifier)" in str(error.value)
    with pytest.raises(ValueError, match="is a BertMaskedLM preset.*`num_classes`"):
        TextClassifier.from_preset(mlm_preset[0])


def test_fine_tuning_options_are_checked():
    with pytest.raises(ValueError, match="give `preset` \\(--preset\\)"):
        TextClassifierTrainingConfig(data="train.tsv", freeze_encoder=True)
    with pytest.raises(ValueError, match="--encoder-learning-rate-multiplier"):
        TextClassifierTrainingConfig(
            data="train.tsv", encoder_learning_rate_multiplier=0.1
        )
    with pytest.raises(ValueError, match="no effect with"):
        config("my_bert", freeze_encoder=True, encoder_learning_rate_multiplier=0.1)
    with pytest.raises(ValueError, match="--num-layers 2"):
        config("my_bert", num_layers=2)


def test_cli_fine_tunes_a_masked_lm_preset(mlm_preset, tmp_path, capsys):
    data = tmp_path / "train.tsv"
    lines = [f"{'pos' if y else 'neg'}\t{t}" for t, y in zip(TEXTS, LABEL_IDS)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "my_bert_classifier"
    status = main(
        [
            "train", "classifier", "--preset", str(mlm_preset[0]), "--data", str(data),
            "--output", str(output), "--epochs", "1", "--batch-size", "20",
            "--encoder-learning-rate-multiplier", "0.1", "--sequence-length", "10",
            "--validation-fraction", "0", "--test-fraction", "0",
            "--checkpoint", str(tmp_path / "best.weights.h5"), "--verbose", "0",
        ]
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    metadata = json.loads((output / "metadata.json").read_text())
    assert metadata["task"] == "BertTextClassifier"
    assert metadata["fine_tuned_from"] == {
        "preset": str(mlm_preset[0]),
        "task": "BertMaskedLM",
    }
    assert metadata["training_config"]["encoder_learning_rate_multiplier"] == 0.1
    assert metadata["label_names"] == ["neg", "pos"]
    # The preset was loaded back and predicted as the trained model before
    # it was written (`check_preset_reloads`).
    classifier = TextClassifier.from_preset(output)
    assert type(classifier) is BertTextClassifier
    assert classifier.preprocessor.sequence_length == 10
