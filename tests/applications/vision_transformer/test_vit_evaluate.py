"""`evaluate vit`: a folder of class sub-folders and a data set's test split,
scored as the library scores them; the split a preset's record names."""

import json

import keras
import numpy as np
import pytest
from vit_helpers import LABEL_NAMES, TINY

from applications.cli import main
from applications.common.classification_metrics import evaluate_classifier
from applications.common.presets import load_preset_metadata
from applications.data.images import load_image_folder
from applications.vision_transformer.backbone import VisionTransformerBackbone
from applications.vision_transformer.evaluation import held_out_images, recorded_split
from applications.vision_transformer.preprocessor import (
    VisionTransformerImageConverter,
    VisionTransformerPreprocessor,
)
from applications.vision_transformer.task import VisionTransformer


def _json_line(out):
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def vit_preset(tiny_vit, tmp_path_factory):
    directory = tmp_path_factory.mktemp("vit") / "preset"
    tiny_vit.save_to_preset(directory)
    return directory


def _image_folder(root, classes):
    rng = np.random.default_rng(0)
    for index, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        np.save(root / name / "a.npy", rng.integers(0, 256, (8, 8, 1), "uint8"))
        if index == 0:  # a batch of two, floats in [0, 1]
            np.save(root / name / "b.npy", rng.random((2, 8, 8, 1), "float32"))
    (root / "notes.txt").write_text("skipped", encoding="utf-8")
    return root


def test_folder_of_classes_is_scored_as_the_library_scores_it(
    tiny_vit, vit_preset, tmp_path, capsys
):
    folder = _image_folder(tmp_path / "images", LABEL_NAMES)
    images, labels = load_image_folder(folder, (8, 8), 1)
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.float32
    assert labels == [
        "one",
        "two",
        "zero",
        "zero",
        "zero",
    ]  # sorted folders, then files
    plot = tmp_path / "confusion.png"
    command = ["evaluate", "vit", "--preset", str(vit_preset), "--data", str(folder)]
    assert main(command + ["--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    report = _json_line(out)
    assert report == evaluate_classifier(tiny_vit, images, labels)
    assert report["num_examples"] == 5
    assert report["per_class"]["zero"]["support"] == 3
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_class_folder_is_refused(vit_preset, tmp_path, capsys):
    folder = _image_folder(tmp_path / "images", ["zero", "seven"])
    command = ["evaluate", "vit", "--preset", str(vit_preset), "--data", str(folder)]
    assert main(command) == 1
    error = capsys.readouterr().err
    assert "'seven' (1x)" in error and "['zero', 'one', 'two']" in error


def test_digits_test_split_is_scored(tmp_path, capsys):
    keras.utils.set_random_seed(0)
    digits = [str(i) for i in range(10)]
    vit = VisionTransformer(
        VisionTransformerBackbone(**TINY, dropout=0.0),
        label_names=digits,
        preprocessor=VisionTransformerPreprocessor(
            VisionTransformerImageConverter(image_size=(8, 8), num_channels=1)
        ),
    )
    preset = tmp_path / "digits_preset"
    vit.save_to_preset(preset)
    command = ["evaluate", "vit", "--preset", str(preset), "--dataset", "digits"]
    assert main(command + ["--test-fraction", "0.05", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digits test split (a stratified 5%, seed 7): 90 examples")
    images, labels, _ = held_out_images("digits", {}, test_fraction=0.05, seed=7)
    assert _json_line(out) == evaluate_classifier(vit, images, labels)


def test_split_defaults_come_from_the_training_record():
    # vit_tiny_digits' record: seed 1337, the default test share.
    assert recorded_split(load_preset_metadata("vit_tiny_digits"), "digits") == (
        0.2,
        1337,
    )
    record = {"training_config": {"dataset": "digits", "test_fraction": 0.1, "seed": 3}}
    assert recorded_split(record, "digits") == (0.1, 3)
    assert recorded_split(record, "mnist") == (0.2, 1337)  # another data set
    assert recorded_split({}, "digits") == (0.2, 1337)
    images, labels, description = held_out_images("digits", record)
    assert len(images) == len(labels) == 180  # 10% of 1,797, stratified
    assert description == "digits test split (a stratified 10%, seed 3)"


def test_empty_folder_is_refused(tmp_path):
    (tmp_path / "empty" / "zero").mkdir(parents=True)
    with pytest.raises(ValueError, match="no images found"):
        load_image_folder(tmp_path / "empty", (8, 8), 1)
    with pytest.raises(FileNotFoundError, match="No such image folder"):
        load_image_folder(tmp_path / "missing", (8, 8), 1)
