"""Training configs: checked values, per-application defaults, the options
generated from them, and training from Python without the command line."""

import argparse
import dataclasses

import pytest

from applications.cli.options import add_config_arguments, config_from_arguments
from applications.common.config import (
    TrainingConfig,
    TransformerTrainingConfig,
    option,
    training_config,
)


@training_config(epochs=3, num_layers=option(6, "blocks of the test model", "model"))
class TinyConfig(TransformerTrainingConfig):
    """A config as an application defines one."""

    data: str | None = option(None, "a data file", "data", required=True)
    kind: str = option("a", "a choice", "model", choices=("a", "b"))
    flag: bool = option(False, "a switch", "training")


def test_defaults_are_overridden_and_the_help_kept_or_replaced():
    fields = {field.name: field for field in dataclasses.fields(TinyConfig)}
    assert TinyConfig().epochs == 3 and TinyConfig().num_layers == 6
    assert fields["epochs"].metadata == dataclasses.fields(TrainingConfig)[4].metadata
    assert fields["num_layers"].metadata["help"] == "blocks of the test model"
    assert TransformerTrainingConfig().num_layers == 2  # the base is unchanged


def test_an_unknown_default_name_is_a_type_error():
    with pytest.raises(TypeError, match="'epoch' is no field of its bases"):

        @training_config(epoch=3)
        class Wrong(TrainingConfig):
            pass


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epochs": 0}, ValueError,
         r"`epochs` \(--epochs\) must be an integer in \[1, inf\)"),
        ({"learning_rate": -1e-3}, ValueError, r"`learning_rate` .* in \(0, inf\)"),
        ({"patience": -1}, ValueError, r"`patience` .* or None. Received: patience=-1"),
        ({"dropout": 1.5}, ValueError,
         r"`dropout` \(--dropout\) must be a number in \[0, 1\)"),
        ({"validation_fraction": 1.0}, ValueError,
         r"`validation_fraction` .* \[0, 1\)"),
        ({"batch_size": "32"}, TypeError, r"`batch_size` .* Received: batch_size='32'"),
        ({"verbose": 3}, ValueError,
         r"`verbose` \(--verbose\) must be one of \(0, 1, 2\)"),
    ],
)  # fmt: skip
def test_bad_values_name_the_field_and_its_flag(kwargs, error, message):
    with pytest.raises(error, match=message):
        TinyConfig(**kwargs)


def _parser():
    parser = argparse.ArgumentParser(prog="train-tiny")
    add_config_arguments(parser, TinyConfig, titles={"model": "model options"})
    return parser


def test_options_are_generated_typed_with_defaults_and_map_back():
    parser = _parser()
    args = parser.parse_args(
        ["--output", "out", "--data", "x.tsv", "--epochs", "7", "--kind", "b",
         "--flag", "--patience", "2"]
    )  # fmt: skip
    config = config_from_arguments(TinyConfig, args)
    assert config == TinyConfig(
        output="out", data="x.tsv", epochs=7, kind="b", flag=True, patience=2
    )
    help_text = parser.format_help()
    assert "--num-layers NUM_LAYERS" in help_text and "(default: 6)" in help_text
    assert "model options:" in help_text and "split:" in help_text
    assert "--flag" in help_text and "(default: False)" not in help_text


@training_config()
class OnByDefaultConfig(TrainingConfig):
    """A config with a boolean option that is on by default."""

    bias: bool = option(True, "biases", "model")


def test_a_boolean_on_by_default_has_a_no_flag():
    parser = argparse.ArgumentParser()
    add_config_arguments(parser, OnByDefaultConfig)
    for argv, expected in ([], True), (["--bias"], True), (["--no-bias"], False):
        args = parser.parse_args(["--output", "out", *argv])
        assert config_from_arguments(OnByDefaultConfig, args).bias is expected
    assert "--bias, --no-bias" in parser.format_help()


def test_the_gpt_recipe_passes_no_bias_to_its_backbone():
    from applications.gpt.training import GPTTrainingConfig, build_gpt

    parser = argparse.ArgumentParser()
    add_config_arguments(parser, GPTTrainingConfig)
    args = parser.parse_args(["--output", "out", "--data", "x.txt", "--no-bias"])
    config = config_from_arguments(GPTTrainingConfig, args)
    assert config.bias is False
    config = dataclasses.replace(
        config, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
        sequence_length=8, vocabulary_size=300,
    )  # fmt: skip
    gpt = build_gpt(config, ["To be, or not to be: that is the question."])
    assert gpt.backbone.use_bias is False


def test_required_and_choice_options_are_enforced_by_the_parser(capsys):
    parser = _parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["--output", "out"])
    assert "required: --data" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--output", "out", "--data", "x", "--kind", "c"])
    assert "invalid choice: 'c'" in capsys.readouterr().err


def test_a_classifier_trains_from_python_and_returns_its_record(tmp_path):
    from applications.text_classifier.training import (
        TextClassifierTrainingConfig,
        train,
    )

    data = tmp_path / "train.tsv"
    rows = ["positive\ta warm film", "negative\ta dull film"] * 6
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = TextClassifierTrainingConfig(
        data=str(data), vocabulary_type="word", vocabulary_size=20,
        sequence_length=8, num_layers=1, num_heads=2, hidden_dim=8,
        intermediate_dim=8, epochs=1, batch_size=4, verbose=0,
        validation_fraction=0.25, test_fraction=0.25,
        checkpoint=str(tmp_path / "best.weights.h5"),
    )  # fmt: skip
    classifier, record = train(config)
    assert classifier.label_names == ["negative", "positive"]
    assert "training_command" not in record  # trained from Python
    assert record["training_config"]["data"] == str(data)
    assert record["split_sizes"] == {"train": 6, "validation": 3, "test": 3}
    assert 0.0 <= record["held_out_accuracy"] <= 1.0
    assert not (tmp_path / "preset").exists()  # no `output`: nothing written
