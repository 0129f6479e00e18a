"""The translator's recipe options: attention / activation dropout and the
embedding initialisation in the backbone config (older configs without them
load as before), label smoothing and checkpoint averaging in training."""

import json

import keras
import numpy as np
import pytest
from translator_helpers import SOURCES, TARGETS

from applications.cli import main
from applications.common.presets import PRESETS_DIR
from applications.translator.backbone import TranslatorBackbone
from applications.translator.training import TranslatorTrainingConfig

# On jax, compiled with few XLA optimizations (see tests/conftest.py): the
# training run compiles faster.
JAX_FEW_OPTIMIZATIONS = True
TINY = dict(
    vocabulary_size=200,
    source_vocabulary_size=150,
    num_layers=1,
    num_heads=2,
    hidden_dim=16,
    intermediate_dim=24,
    max_sequence_length=8,
)
NEW_KEYS = (
    "attention_dropout",
    "activation_dropout",
    "embeddings_initializer",
    "scale_embeddings",
)


def inputs(batch=2, length=6, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(4, 100, (batch, length)).astype("int32")
    ones = np.ones((batch, length), "int32")
    return {
        "encoder_token_ids": ids,
        "encoder_padding_mask": ones,
        "decoder_token_ids": ids[:, ::-1].copy(),
        "decoder_padding_mask": ones,
    }


def token_table(backbone, side="decoder"):
    layer = getattr(backbone, f"{side}_embedding")
    layer = getattr(layer, "token_embedding", layer)
    return keras.ops.convert_to_numpy(layer.embeddings)


def test_transformer_options_round_trip_and_reach_the_layers():
    backbone = TranslatorBackbone(
        **TINY,
        dropout=0.3,
        attention_dropout=0.2,
        activation_dropout=0.1,
        embeddings_initializer="normal",
        scale_embeddings=True,
    )
    config = backbone.get_config()
    assert [config[key] for key in NEW_KEYS] == [0.2, 0.1, "normal", True]
    clone = TranslatorBackbone.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    clone.set_weights(backbone.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(clone(inputs())),
        keras.ops.convert_to_numpy(backbone(inputs())),
        atol=1e-6,
    )
    for block in (*backbone.encoder_blocks, *backbone.decoder_blocks):
        assert block.self_attention.dropout == 0.2
        assert block._residual_dropout.rate == 0.3
        assert block._activation_dropout.rate == 0.1
    assert backbone.decoder_blocks[0].cross_attention.dropout == 0.2
    assert backbone.encoder_embeddings_dropout.rate == 0.3
    assert backbone.decoder_embedding.scale_embeddings
    # N(0, hidden_dim**-0.5): rows of norm about 1, beyond U(+-0.05).
    table = token_table(backbone)
    assert abs(table.std() - 16**-0.5) < 0.02 and abs(table).max() > 0.05


def test_transformer_defaults_are_the_behaviour_before_the_options():
    backbone = TranslatorBackbone(**TINY, dropout=0.25)
    block = backbone.decoder_blocks[0]
    assert block.self_attention.dropout == block.cross_attention.dropout == 0.25
    assert block._activation_dropout is None
    assert not backbone.encoder_embedding.scale_embeddings
    assert abs(token_table(backbone, "encoder")).max() <= 0.05  # Keras' uniform


def test_rnn_options():
    rnn = dict(TINY, architecture="rnn_attention")
    assert TranslatorBackbone(**rnn).attention.dropout == 0.0  # as before
    assert abs(token_table(TranslatorBackbone(**rnn))).max() > 0.05  # normal
    backbone = TranslatorBackbone(
        **rnn, attention_dropout=0.2, embeddings_initializer="uniform"
    )
    assert backbone.attention.dropout == 0.2
    assert abs(token_table(backbone)).max() <= 0.05
    clone = TranslatorBackbone.from_config(backbone.get_config())
    assert clone.attention.dropout == 0.2
    for option in ({"activation_dropout": 0.1}, {"scale_embeddings": True}):
        with pytest.raises(ValueError, match="option of the Transformer"):
            TranslatorBackbone(**rnn, **option)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"attention_dropout": 1.0}, ValueError, r"attention_dropout.*\[0, 1\)"),
        ({"activation_dropout": -0.1}, ValueError, r"activation_dropout"),
        ({"dropout": 1.0}, ValueError, r"dropout.*\[0, 1\)"),
        ({"embeddings_initializer": "glorot"}, ValueError, "normal"),
        ({"scale_embeddings": 1}, TypeError, "scale_embeddings"),
    ],
)
def test_bad_options_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        TranslatorBackbone(**TINY, **kwargs)


@pytest.mark.parametrize(
    "preset", ["translator_tiny_en_zh", "translator_rnn_tiny_en_zh"]
)
def test_shipped_preset_configs_without_the_options_load_as_before(preset):
    """A config saved before the options (the RNN preset's; the Transformer
    preset's with them taken out) gets the behaviour from before them."""
    with open(PRESETS_DIR / preset / "config.json") as file:
        saved = json.load(file)["config"]
    saved = {key: value for key, value in saved.items() if key not in NEW_KEYS}
    backbone = TranslatorBackbone.from_config(saved)
    config = backbone.get_config()
    assert [config[key] for key in NEW_KEYS] == [None, 0.0, None, False]
    if saved["architecture"] == "transformer":
        for block in backbone.decoder_blocks:
            assert block.self_attention.dropout == saved["dropout"]
            assert block.cross_attention.dropout == saved["dropout"]
            assert block._activation_dropout is None
        assert not backbone.decoder_embedding.scale_embeddings
    else:
        assert backbone.attention.dropout == 0.0
    logits = keras.ops.convert_to_numpy(backbone(inputs()))
    assert np.isfinite(logits).all()


def config(**kwargs):
    return TranslatorTrainingConfig(data="pairs.tsv", output="out", **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"label_smoothing": 1.0}, r"label_smoothing.*--label-smoothing.*\[0, 1\)"),
        ({"attention_dropout": 1.5}, r"--attention-dropout"),
        ({"activation_dropout": -0.5}, r"--activation-dropout"),
        ({"embeddings_initializer": "xavier"}, r"--embeddings-initializer"),
        ({"average_checkpoints": 0}, r"--average-checkpoints"),
        ({"length_buckets": 0}, r"--length-buckets"),
        ({"pad_to_multiple_of": -1}, r"--pad-to-multiple-of"),
        (
            {"architecture": "rnn_attention", "activation_dropout": 0.1},
            "option of the Transformer",
        ),
        (
            {"architecture": "rnn_attention", "scale_embeddings": True},
            "option of the Transformer",
        ),
        (
            {"average_checkpoints": 3, "validation_fraction": 0.0},
            "needs validation data",
        ),
    ],
)
def test_bad_recipe_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        config(**kwargs)


def test_train_with_the_recipe_options(tmp_path, capsys):
    data = tmp_path / "pairs.tsv"
    lines = [f"{s}\t{t}\tCC-BY 2.0 (France)" for s, t in zip(SOURCES, TARGETS)]
    data.write_text("\n".join(lines * 3) + "\n", encoding="utf-8")
    output = tmp_path / "recipe"
    status = main(
        [
            "train", "translator", "--data", str(data), "--output", str(output),
            "--epochs", "2", "--steps-per-epoch", "1", "--batch-size", "4",
            "--num-layers", "1", "--num-heads", "2", "--hidden-dim", "16",
            "--intermediate-dim", "16", "--sequence-length", "12",
            "--validation-fraction", "0.2", "--test-fraction", "0",
            "--checkpoint", str(tmp_path / "best.weights.h5"), "--verbose", "2",
            "--label-smoothing", "0.1", "--attention-dropout", "0.05",
            "--activation-dropout", "0.1", "--embeddings-initializer", "normal",
            "--scale-embeddings", "--average-checkpoints", "2",
            "--length-buckets", "2",
        ]
    )  # fmt: skip
    assert status == 0
    assert "checkpoint averaging of epochs 1-2: kept" in capsys.readouterr().out
    metadata = json.loads((output / "metadata.json").read_text())
    recipe = metadata["training_config"]
    assert recipe["label_smoothing"] == 0.1 and recipe["average_checkpoints"] == 2
    averaging = metadata["checkpoint_averaging"]
    assert averaging["averaged_epochs"] == [1, 2]
    assert averaging["kept"] in ("averaged", "best epoch")
    kept = (
        averaging["validation_loss_averaged"]
        if averaging["kept"] == "averaged"
        else averaging["validation_loss_best_epoch"]
    )
    assert metadata["validation_loss"] == pytest.approx(kept, abs=1e-3)
    if averaging["kept"] == "averaged":
        assert kept <= averaging["validation_loss_best_epoch"]
    backbone = json.loads((output / "config.json").read_text())["config"]
    assert [backbone[key] for key in NEW_KEYS] == [0.05, 0.1, "normal", True]


def test_label_smoothing_is_the_training_loss():
    """ε = 0 trains with sparse cross-entropy; ε > 0 with the smoothed one;
    both the mean over target tokens."""
    from applications.common.label_smoothed_cross_entropy import (
        SparseLabelSmoothedCrossEntropy,
    )
    from applications.translator.training import training_loss

    plain = training_loss(config())
    assert isinstance(plain, keras.losses.SparseCategoricalCrossentropy)
    assert plain.reduction == "mean_with_sample_weight"
    loss = training_loss(config(label_smoothing=0.2))
    assert loss.reduction == "mean_with_sample_weight"
    assert isinstance(loss, SparseLabelSmoothedCrossEntropy)
    assert loss.label_smoothing == 0.2
