"""Presets lose nothing: atomic saves (SIGKILL included), a manifest of what
belongs together, verified on load, and a head that is never left random."""

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pytest

from applications.common.presets import (
    METADATA_FILE,
    PRESETS_DIR,
    preset_manifest,
    verify_preset_manifest,
)
from applications.text_classifier.task import TextClassifier
from applications.text_classifier.training import (
    TextClassifierTrainingConfig,
    build_classifier,
)
from applications.vision_transformer.task import VisionTransformer
from applications.vision_transformer.training import (
    VisionTransformerTrainingConfig,
    build_vision_transformer,
)

REVIEWS = ["a warm clever film", "dull and far too long", "smart fine acting"]
IMAGES = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 1)).astype("uint8")


def tiny_vit(seed):
    keras.utils.set_random_seed(seed)
    config = VisionTransformerTrainingConfig(
        dataset="digits", patch_size=2, num_layers=1, num_heads=2, hidden_dim=8,
        intermediate_dim=16, dropout=0.0,
    )  # fmt: skip
    return build_vision_transformer(config, (8, 8, 1), ["a", "b", "c"])


def tiny_classifier(seed=0, texts=REVIEWS):
    keras.utils.set_random_seed(seed)
    config = TextClassifierTrainingConfig(
        data="reviews.tsv", vocabulary_type="word", vocabulary_size=40,
        sequence_length=8, num_layers=1, num_heads=2, hidden_dim=8,
        intermediate_dim=16, dropout=0.0,
    )  # fmt: skip
    return build_classifier(config, texts, ["negative", "positive"])


def vit_outputs(preset):
    return VisionTransformer.from_preset(preset).predict(IMAGES, verbose=0)


def metadata(preset):
    return json.loads((preset / METADATA_FILE).read_text(encoding="utf-8"))


def siblings(preset):
    return sorted(p.name for p in preset.parent.iterdir() if p.name != preset.name)


# === The manifest ===


def test_a_saved_preset_records_its_weights_and_assets(tmp_path):
    preset = tmp_path / "classifier"
    tiny_classifier().save_to_preset(preset)
    files = metadata(preset)["files"]
    assert sorted(files) == [
        "assets/tokenizer/vocabulary.txt", "model.weights.h5", "task.weights.h5"
    ]  # fmt: skip
    for name, entry in files.items():
        data = (preset / name).read_bytes()
        assert entry == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert siblings(preset) == []  # the temporary directory became the preset


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _swap_vocabulary(preset, tmp_path):
    """Another run's vocabulary: same tokens, other order, same size."""
    other = tmp_path / "other"
    tiny_classifier(texts=list(reversed(REVIEWS)) + ["warm warm warm"]).save_to_preset(
        other
    )
    vocabulary = preset / "assets" / "tokenizer" / "vocabulary.txt"
    lines = vocabulary.read_text(encoding="utf-8").splitlines()
    lines[4], lines[5] = lines[5], lines[4]
    vocabulary.write_text("\n".join(lines) + "\n", encoding="utf-8")


DAMAGES = {
    "missing head": (
        lambda preset, tmp: (preset / "task.weights.h5").unlink(),
        r"'.*task.weights.h5' is missing: metadata.json of .* records it "
        r"\(\d+ bytes, sha256 [0-9a-f]{64}\)\. Found: no such file",
    ),
    "truncated weights": (
        lambda preset, tmp: _truncate(preset / "model.weights.h5"),
        r"'.*model.weights.h5' has \d+ bytes: metadata.json of .* records \d+ "
        r"bytes \(truncated or replaced\)",
    ),
    "vocabulary cut in half": (
        lambda preset, tmp: _truncate(preset / "assets/tokenizer/vocabulary.txt"),
        r"'.*assets/tokenizer/vocabulary.txt' has \d+ bytes: .* \(truncated",
    ),
    "vocabulary swapped": (
        _swap_vocabulary,
        r"'.*assets/tokenizer/vocabulary.txt' has sha256 [0-9a-f]{64}: metadata.json "
        r"of .* records [0-9a-f]{64} \(changed, or swapped for another preset's",
    ),
    "stray weights file": (
        lambda preset, tmp: (preset / "extra.weights.h5").write_bytes(
            (preset / "task.weights.h5").read_bytes()
        ),
        r"holds weights files that its metadata.json manifest does not record: "
        r"\['extra.weights.h5'\]",
    ),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_preset_fails_to_load_naming_the_file(tmp_path, damage):
    preset = tmp_path / "classifier"
    tiny_classifier().save_to_preset(preset)
    spoil, message = DAMAGES[damage]
    spoil(preset, tmp_path)
    with pytest.raises(ValueError, match=message):
        TextClassifier.from_preset(preset)


def test_a_malformed_manifest_is_named(tmp_path):
    with pytest.raises(ValueError, match="manifest in .*metadata.json' is malformed"):
        verify_preset_manifest(tmp_path, {"model.weights.h5": 123})


def test_a_preset_without_manifest_loads_but_not_without_its_head(tmp_path):
    preset = tmp_path / "vit"
    tiny_vit(0).save_to_preset(preset)
    record = metadata(preset)
    del record["files"]  # as presets saved before the manifest
    (preset / METADATA_FILE).write_text(json.dumps(record), encoding="utf-8")
    expected = vit_outputs(preset)
    (preset / "task.weights.h5").unlink()
    with pytest.raises(ValueError, match=r"has no 'task.weights.h5', but Vision"):
        VisionTransformer.from_preset(preset)
    # A new head for new classes is the one intended random head.
    new_head = VisionTransformer.from_preset(preset, label_names=["x", "y"])
    assert new_head.label_names == ["x", "y"]
    assert expected.shape == (3, 3)


def test_the_shipped_presets_record_their_files_and_match_them():
    shipped = sorted(p for p in PRESETS_DIR.iterdir() if (p / METADATA_FILE).is_file())
    assert len(shipped) >= 6
    for preset in shipped:
        files = metadata(preset).get("files")
        assert files is not None, f"{preset.name} has no manifest"
        assert files == preset_manifest(preset), preset.name
        verify_preset_manifest(preset, files)
        weights = {p.name for p in preset.glob("*.h5")}
        assert weights <= set(files), preset.name
        assets = {
            p.relative_to(preset).as_posix()
            for p in (preset / "assets").rglob("*")
            if p.is_file()
        }
        assert assets <= set(files), preset.name


def test_a_shipped_preset_missing_a_file_names_it(tmp_path):
    import shutil

    copy = tmp_path / "vit_tiny_digits"
    shutil.copytree(PRESETS_DIR / "vit_tiny_digits", copy)
    (copy / "task.weights.h5").unlink()
    with pytest.raises(ValueError, match=r"vit_tiny_digits/task.weights.h5' is miss"):
        VisionTransformer.from_preset(copy)


# === Atomic saves ===


def test_a_failed_save_leaves_the_old_preset_as_it_was(tmp_path, monkeypatch):
    import keras_hub

    preset = tmp_path / "vit"
    tiny_vit(0).save_to_preset(preset)
    before = {p.name: p.read_bytes() for p in preset.iterdir()}
    expected = vit_outputs(preset)

    def fail(self, *args, **kwargs):
        raise OSError("No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(keras_hub.models.Backbone, "save_weights", fail)
        with pytest.raises(OSError, match="No space left"):
            tiny_vit(1).save_to_preset(preset)

    def reject(directory):
        raise ValueError("the new preset does not reproduce the model")

    with pytest.raises(ValueError, match="does not reproduce"):
        tiny_vit(1).save_to_preset(preset, check=reject)
    assert {p.name: p.read_bytes() for p in preset.iterdir()} == before
    np.testing.assert_array_equal(vit_outputs(preset), expected)
    assert siblings(preset) == []

    tiny_vit(1).save_to_preset(preset)  # and a save that succeeds replaces it
    assert not np.allclose(vit_outputs(preset), expected)


def test_a_directory_that_is_no_preset_is_never_replaced(tmp_path):
    (tmp_path / "project" / "src").mkdir(parents=True)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    for directory in (tmp_path / "project", tmp_path / "notes"):
        with pytest.raises(ValueError, match="existing directory that is not a pre"):
            tiny_vit(0).save_to_preset(directory)
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="'.*file' is a file; expected a directory"):
        tiny_vit(0).save_to_preset(tmp_path / "file")


def test_a_tokenizer_saved_into_a_preset_replaces_only_its_files(tmp_path):
    from applications.text_classifier.tokenizer import TextClassifierTokenizer

    preset = tmp_path / "classifier"
    tiny_classifier().save_to_preset(preset)
    config = (preset / "config.json").read_bytes()
    tokenizer = TextClassifierTokenizer.from_texts(
        REVIEWS + ["new words here"], vocabulary_size=40, vocabulary_type="word"
    )
    tokenizer.save_to_preset(preset)  # keras-hub's idiom: parts into one dir
    assert (preset / "config.json").read_bytes() == config
    vocabulary = (preset / "assets/tokenizer/vocabulary.txt").read_text("utf-8")
    assert "here" in vocabulary.split()
    assert metadata(preset)["files"] == preset_manifest(preset)  # recomputed
    loaded = TextClassifierTokenizer.from_preset(preset)
    assert loaded.vocabulary_size() == tokenizer.vocabulary_size()


# === SIGKILL during a save ===

_BLOCKING_SAVE = """
import sys, time
import keras_hub
from applications.vision_transformer.task import VisionTransformer

source, target = sys.argv[1:3]
task = VisionTransformer.from_preset(source)
write_weights = keras_hub.models.Backbone.save_weights

def save_weights_then_block(self, *args, **kwargs):
    write_weights(self, *args, **kwargs)  # part of the new preset is written
    print("WROTE", flush=True)
    time.sleep(600)

keras_hub.models.Backbone.save_weights = save_weights_then_block
task.save_to_preset(target)
"""

_SAVING_FOREVER = """
import itertools, sys
from applications.vision_transformer.task import VisionTransformer

target, *sources = sys.argv[1:]
tasks = [VisionTransformer.from_preset(source) for source in sources]
print("READY", flush=True)
for task in itertools.cycle(tasks):
    task.save_to_preset(target)
"""


def _start(code, *args):
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "KERAS_BACKEND": keras.config.backend()},
    )


def _wait_for(process, word, timeout=300):
    start = time.monotonic()
    for line in process.stdout:
        if line.strip() == word:
            return
        assert time.monotonic() - start < timeout
    pytest.fail(f"the subprocess ended (status {process.wait()}) before {word!r}")


def _kill(process):
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.one_backend
def test_a_save_killed_midway_leaves_the_old_preset_whole(tmp_path):
    old, new, preset = tmp_path / "old", tmp_path / "new", tmp_path / "preset"
    tiny_vit(0).save_to_preset(old)
    tiny_vit(1).save_to_preset(new)
    tiny_vit(0).save_to_preset(preset)
    old_outputs = vit_outputs(old)
    assert not np.allclose(old_outputs, vit_outputs(new))

    process = _start(_BLOCKING_SAVE, new, preset)
    _wait_for(process, "WROTE")  # new weights written, the rest not yet
    _kill(process)
    np.testing.assert_array_equal(vit_outputs(preset), old_outputs)
    stray = f".preset.tmp-{process.pid}"
    assert stray in siblings(preset)  # recognizable, and cleaned up by ...
    tiny_vit(1).save_to_preset(preset)  # ... the next save
    assert stray not in siblings(preset)
    np.testing.assert_array_equal(vit_outputs(preset), vit_outputs(new))


@pytest.mark.slow
@pytest.mark.one_backend
def test_saves_killed_at_random_moments_leave_a_whole_preset(tmp_path):
    first, second, preset = tmp_path / "first", tmp_path / "second", tmp_path / "p"
    tiny_vit(0).save_to_preset(first)
    tiny_vit(1).save_to_preset(second)
    tiny_vit(0).save_to_preset(preset)
    candidates = [vit_outputs(first), vit_outputs(second)]
    draw = random.Random(12)
    for _ in range(3):
        process = _start(_SAVING_FOREVER, preset, second, first)
        _wait_for(process, "READY")
        time.sleep(draw.uniform(0.2, 2.0))
        _kill(process)
        outputs = vit_outputs(preset)  # loads: every file checked
        assert any(np.array_equal(outputs, c) for c in candidates)


@pytest.mark.parametrize(
    "task_name, preset, backbone, trained",
    [
        ("BertMaskedLM", "bert_base_uncased", "BertBackbone", None),
        ("GPT", "gpt2_small", "GPTBackbone", "gpt_tiny_shakespeare"),
        (
            "Translator",
            "transformer_base",
            "TranslatorBackbone",
            "translator_tiny_en_zh",
        ),
    ],
)
def test_an_architecture_preset_given_to_a_task_says_so(
    task_name, preset, backbone, trained
):
    # An architecture preset is a backbone config with random weights and
    # no tokenizer; keras-hub's own error names only the missing file.
    import applications

    task_cls = getattr(applications, task_name)
    with pytest.raises(ValueError, match="is an architecture preset") as error:
        task_cls.from_preset(preset)
    message = str(error.value)
    assert "tokenizer.json" in message
    assert f"`{backbone}.from_preset('{preset}')`" in message
    if trained:
        assert repr(trained) in message
