"""A catalogue of bad inputs to the applications, and the silent failures
they replaced.

Each catalogue entry is a call, the exception (or warning) it must raise and
a regex its message must match: the message names the argument, the
command-line flag or the file, and says what was received. The tables cover
the tasks (`classify`, `translate`, `generate`, `predict`, `fit`), the
preprocessors, damaged copies of the shipped presets, the training configs,
the data loaders and the command line (`main()` in-process, with training
disabled: every check must fail before training starts). The same on
TensorFlow, JAX and torch.
"""

import contextlib
import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import typing
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

from applications.cli import main
from applications.common import training
from applications.common.config import field_type
from applications.common.presets import METADATA_FILE, PRESETS_DIR, preset_manifest
from applications.common.texts import check_lengths
from applications.data.images import load_image_file
from applications.data.text_classification import encode_labels, load_labeled_tsv
from applications.data.translation_pairs import load_translation_pairs
from applications.text_classifier.backbone import TextClassifierBackbone
from applications.text_classifier.task import TextClassifier
from applications.text_classifier.training import TextClassifierTrainingConfig
from applications.translator.preprocessor import TranslatorPreprocessor
from applications.translator.task import Translator
from applications.translator.training import TranslatorTrainingConfig
from applications.vision_transformer.preprocessor import (
    VisionTransformerImageConverter,
)
from applications.vision_transformer.task import VisionTransformer
from applications.vision_transformer.training import VisionTransformerTrainingConfig

CLASSIFIER = "classifier_tiny_mr"  # 48 tokens
TRANSLATOR = "translator_tiny_en_zh"  # 32 positions
RNN = "translator_rnn_tiny_en_zh"  # 32 positions
VIT = "vit_tiny_digits"  # 8x8 gray images
LONG_TEXT = " ".join(["a gorgeous witty film"] * 30)  # 120 words
PREFIX_40 = "我" * 40  # 40 target tokens (characters or WordPiece pieces)
REVIEWS = ["a warm clever film", "dull and far too long"] * 4


@dataclasses.dataclass
class Case:
    """One bad input: `call(ctx)` must raise `error` matching `match`."""

    id: str
    error: type
    match: str
    call: typing.Callable


class CommandLineError(Exception):
    """`main()` exited non-zero; the message is what it printed to stderr."""


def cli(*argv):
    """Runs `keras-attention ARGV` in-process; raises `CommandLineError` with
    its stderr when it fails (a reported error or an argparse usage error)."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main([str(arg) for arg in argv])
        except SystemExit as exit:
            status = exit.code
    if status:
        raise CommandLineError(stderr.getvalue())
    return status


@pytest.fixture(scope="module")
def loaded():
    """The shipped presets, each loaded once for the module (read-only use)."""
    return {
        CLASSIFIER: TextClassifier.from_preset(CLASSIFIER),
        TRANSLATOR: Translator.from_preset(TRANSLATOR),
        RNN: Translator.from_preset(RNN),
        VIT: VisionTransformer.from_preset(VIT),
    }


class Context:
    """What a catalogue entry works with: the loaded presets, and a fresh
    temporary directory for files and damaged preset copies."""

    def __init__(self, loaded, tmp_path):
        self.tmp = tmp_path
        self.classifier = loaded[CLASSIFIER]
        self.translator = loaded[TRANSLATOR]
        self.rnn = loaded[RNN]
        self.vit = loaded[VIT]

    def write(self, name, content):
        """Writes `content` (str: UTF-8 text; bytes; an array: a `.npy`)."""
        path = self.tmp / name
        if isinstance(content, np.ndarray):
            np.save(path, content, allow_pickle=content.dtype == object)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def damaged(self, preset, *damages, manifest=True):
        """A copy of a shipped preset with each `damage(directory)` applied.

        With `manifest`, the copy's manifest is recomputed after the damage,
        so that the check under test, not the manifest, catches it.
        """
        directory = self.tmp / preset
        shutil.copytree(PRESETS_DIR / preset, directory)
        for damage in damages:
            damage(directory)
        if manifest:
            metadata = json.loads((directory / METADATA_FILE).read_text())
            metadata["files"] = preset_manifest(directory)
            (directory / METADATA_FILE).write_text(json.dumps(metadata))
        return directory

    def train(self, application, *options, data=None):
        """`keras-attention train APPLICATION ...`, writing only into `tmp`."""
        argv = ["train", application, "--output", self.tmp / "out", "--verbose", 0]
        argv += ["--checkpoint", self.tmp / "run" / "best.weights.h5"]
        return cli(*argv, *(["--data", data] if data else []), *options)

    def reviews(self):
        """A good label<TAB>text TSV for `train classifier`."""
        rows = [f"{('negative', 'positive')[i % 2]}\t{text}\n" for i, text in
                enumerate(REVIEWS)]  # fmt: skip
        return self.write("reviews.tsv", "".join(rows))

    def pairs(self):
        """A good source<TAB>target TSV for `train translator`."""
        return self.write("pairs.tsv", "I like tea.\t我喜欢茶。\nHi.\t你好。\n" * 6)


@pytest.fixture
def ctx(loaded, tmp_path, monkeypatch):
    """A `Context`; training is disabled: a check must fail before it starts."""

    def no_training(*args, **kwargs):
        raise AssertionError("training started: the bad input was not caught")

    monkeypatch.setattr(training.TrainingRun, "fit", no_training)
    return Context(loaded, tmp_path)


# === Damages of a preset copy ===


def edit_json(name, change):
    """A damage: `change(value)` on the parsed JSON file `name`, in place or
    returning the new value."""

    def damage(directory):
        path = directory / name
        value = json.loads(path.read_text(encoding="utf-8"))
        changed = change(value)
        path.write_text(json.dumps(value if changed is None else changed))

    return damage


def set_in(name, keys, value):
    """A damage: `config[keys[0]][keys[1]]... = value` in the JSON file
    `name` (None deletes the key)."""

    def change(config):
        *parents, last = keys
        for key in parents:
            config = config[key]
        if value is None:
            del config[last]
        else:
            config[last] = value

    return edit_json(name, change)


def write_file(name, data):
    def damage(directory):
        (directory / name).write_bytes(data)

    return damage


def delete(name):
    return lambda directory: (directory / name).unlink()


def truncate(name):
    def damage(directory):
        path = directory / name
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    return damage


def latin1_token(name):
    """A damage: the vocabulary's 11th token becomes `café` in Latin-1."""

    def damage(directory):
        path = directory / name
        lines = path.read_bytes().split(b"\n")
        lines[10] = b"caf\xe9"
        path.write_bytes(b"\n".join(lines))

    return damage


def load(cls, preset, *damages, manifest=True):
    """A call: `cls.from_preset` of a damaged copy of `preset`."""
    return lambda c: cls.from_preset(c.damaged(preset, *damages, manifest=manifest))


@keras.saving.register_keras_serializable(package="outside")
class OutsideLayer(keras.layers.Layer):
    """A registered class of a module outside the allowed packages (this one)."""


# === Inputs ===

RNG = np.random.default_rng(0)
UINT8 = RNG.integers(0, 256, (3, 8, 8, 1)).astype("uint8")
FLOATS = (UINT8 / 255.0).astype("float32")
DIGITS_0_16 = RNG.integers(0, 17, (3, 8, 8, 1))
NAN_PIXELS = np.where(UINT8 > 250, np.nan, FLOATS).astype("float32")
DARK = DIGITS_0_16.astype("uint8")  # 0-16 gray levels, or a dark 0-255 photo
DARK_WARNING = r"reach only 16: the values look like 0-16 gray levels"
# Kind -> (images, error, message): one rule for every path (issue item 11).
BAD_IMAGES = {
    "float 0-16": (DIGITS_0_16.astype("float32"), ValueError,
                   r"Float images must be in \[0, 1\].*pass `images / 16`"),
    "float 0-255": (UINT8.astype("float32"), ValueError,
                    r"Float images must be in \[0, 1\].*pass `images / 255`"),
    "int32 above 255": (UINT8.astype("int32") + 100, ValueError,
                        r"Integer images must hold values in \[0, 255\].* to 355"),
    "negative integers": (UINT8.astype("int16") - 3, ValueError,
                          r"values in \[0, 255\] .*Received: values from -3"),
    "boolean": (UINT8 > 128, TypeError,
                r"Boolean images have no gray levels.* Received: dtype bool"),
    "NaN pixels": (NAN_PIXELS, ValueError,
                   r"must hold finite values. Received: \d+ NaN or infinite"),
    "inf pixels": (np.full((2, 8, 8, 1), np.inf, "float32"), ValueError,
                   r"Received: 128 NaN or infinite value\(s\) among 128"),
    "empty batch": (np.zeros((0, 8, 8, 1), "uint8"), ValueError,
                    r"at least one image. Received: an empty batch, "
                    r"shape=\(0, 8, 8, 1\)"),
    "no channel axis": (np.zeros((2, 8, 8), "uint8"), ValueError,
                        r"Received: shape=\(2, 8, 8\). Add a channel axis"),
    "rank 5": (np.zeros((1, 2, 8, 8, 1), "uint8"), ValueError,
               r"shape \(B, 8, 8, 1\).*Received: shape=\(1, 2, 8, 8, 1\)"),
    "3 channels": (np.zeros((2, 8, 8, 3), "uint8"), ValueError,
                   r"with 1 channel\(s\).*Received: 3 channel"),
    "28x28": (np.zeros((2, 28, 28, 1), "uint8"), ValueError,
              r"size \(height, width\)=\(8, 8\). Received: .* \(28, 28\)"),
    "strings": (np.full((1, 8, 8, 1), "a"), TypeError,
                r"Expected numeric images.* Received: dtype <U1"),
    "complex": (FLOATS.astype("complex64"), TypeError,
                r"Expected numeric images.* Received: dtype complex64"),
}  # fmt: skip


def image_cases():
    """Every bad image through `predict` and `classify`; some through `fit`,
    `evaluate`, the preprocessor and `keras-attention classify-image` too."""
    cases = []
    for kind, (images, error, match) in BAD_IMAGES.items():
        cases += [
            Case(f"vit predict {kind}", error, match,
                 lambda c, x=images: c.vit.predict(x, verbose=0)),
            Case(f"vit classify {kind}", error, match,
                 lambda c, x=images: c.vit.classify(x)),
        ]  # fmt: skip
    for kind in ("float 0-16", "int32 above 255", "boolean", "NaN pixels"):
        images, error, match = BAD_IMAGES[kind]
        labels = np.zeros(len(images), "int32")
        cases += [
            Case(f"vit fit {kind}", error, match,
                 lambda c, x=images, y=labels: c.vit.fit(x, y, verbose=0)),
            Case(f"vit evaluate {kind}", error, match,
                 lambda c, x=images, y=labels: c.vit.evaluate(x, y, verbose=0)),
            Case(f"vit preprocessor {kind}", error, match,
                 lambda c, x=images: c.vit.preprocessor(x)),
        ]  # fmt: skip
    for kind in ("float 0-16", "int32 above 255", "boolean", "empty batch", "28x28"):
        images, _, match = BAD_IMAGES[kind]
        cases.append(
            Case(f"cli classify-image {kind} .npy", CommandLineError, match,
                 lambda c, x=images: classify_image(c, "images.npy", x))
        )  # fmt: skip
    return cases


def prefix(text, source="Hi."):
    """`generate()` inputs: a source and a target prefix to continue."""
    return {"encoder_text": [source], "decoder_text": [text]}


def png_bytes():
    """A valid 8x8 gray PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(UINT8[0, :, :, 0]).save(buffer, format="PNG")
    return buffer.getvalue()


def glue_tsv(c):
    """60 sentences in GLUE's text<TAB>label order."""
    words = ["warm", "dull", "clever", "long", "witty", "flat", "bright", "slow"]
    rows = [f"a {words[i % 8]} and {words[i * 3 % 8]} film, take {i}\t{i % 2}\n"
            for i in range(60)]  # fmt: skip
    return c.write("glue.tsv", "".join(rows))


def integer_cases(method, name, call, values, expected=None):
    """`call(c, value)` for each bad `value` of the integer argument `name`:
    a `ValueError` for an integer out of range, a `TypeError` for anything
    else; the message names `name` (as `expected`, a regex, says it) and
    quotes the value received."""
    expected = expected or rf"`{name}` must be an integer in \[1, inf\)"
    return [
        Case(f"{method} {name} {value!r}",
             ValueError if type(value) is int else TypeError,
             expected + rf".* Received: {name}={re.escape(repr(value))}",
             lambda c, v=value: call(c, v))
        for value in values
    ]  # fmt: skip


# === The tables ===

TEXT_CLASSIFIER = integer_cases(
    "classify", "batch_size",
    lambda c, v: c.classifier.classify("a film", batch_size=v), (0, -4, 2.5, True),
) + [
    Case("classify empty text", ValueError,
         r"`texts` holds an empty string at index 0",
         lambda c: c.classifier.classify("")),
    Case("classify blank text in a batch", ValueError,
         r"`texts` holds an empty string at index 1",
         lambda c: c.classifier.classify(["a fine film", " \t "])),
    Case("classify no texts", ValueError,
         r"`texts` must hold at least one text. Received: \[\]",
         lambda c: c.classifier.classify([])),
    Case("classify a number", TypeError,
         r"`texts` must hold strings. Received int 3 at index 1",
         lambda c: c.classifier.classify(["a film", 3])),
    Case("classify None", TypeError,
         r"`texts` must be a string or a list of strings. Received: NoneType",
         lambda c: c.classifier.classify(None)),
    Case("classify non-UTF-8 bytes", ValueError,
         r"`texts` holds bytes that are not UTF-8 at index 0",
         lambda c: c.classifier.classify([b"caf\xe9"])),
    Case("classify on_overflow unknown", ValueError,
         r"`on_overflow` must be one of \('warn', 'truncate', 'error'\). "
         r"Received: on_overflow='ignore'",
         lambda c: c.classifier.classify("a film", on_overflow="ignore")),
    Case("classify too long, on_overflow error", ValueError,
         r"1 of the 1 `texts` is longer than the model's limit of 48 tokens .*"
         r"texts\[0\] has 122 tokens",
         lambda c: c.classifier.classify(LONG_TEXT, on_overflow="error")),
    Case("classify too long warns", UserWarning,
         r"2 of the 3 `texts` are longer than the model's limit of 48 tokens .*"
         r"texts\[2\] has 242 tokens",
         lambda c: c.classifier.classify(
             [LONG_TEXT, "a film", f"{LONG_TEXT} {LONG_TEXT}"])),
    Case("predict empty text", ValueError,
         r"`texts` holds an empty string at index 1",
         lambda c: c.classifier.predict(["a film", ""], verbose=0)),
    Case("predict batch_size 0", ValueError,
         r"`batch_size` .* Received: batch_size=0",
         lambda c: c.classifier.predict(["a film"], batch_size=0, verbose=0)),
    Case("fit batch_size -1", ValueError,
         r"`batch_size` .* Received: batch_size=-1",
         lambda c: c.classifier.fit(["a", "b"], [0, 1], batch_size=-1, verbose=0)),
    Case("fit positional batch_size 0", ValueError,
         r"`batch_size` .* Received: batch_size=0",
         lambda c: c.classifier.fit(["a", "b"], [0, 1], 0, verbose=0)),
    Case("evaluate empty text", ValueError,
         r"`texts` holds an empty string at index 0",
         lambda c: c.classifier.evaluate([""], [0], verbose=0)),
    Case("preprocessor empty text", ValueError,
         r"`texts` holds an empty string",
         lambda c: c.classifier.preprocessor([""])),
    Case("tokenizer blank text", ValueError,
         r"`texts` holds an empty string",
         lambda c: c.classifier.preprocessor.tokenizer("  ")),
    Case("from_preset num_classes 1", ValueError,
         r"`num_classes` must be an integer >= 2",
         lambda c: TextClassifier.from_preset(CLASSIFIER, num_classes=1)),
    Case("from_preset label_names a string", TypeError,
         r"`label_names` must be a list of strings. Received: 'ab'",
         lambda c: TextClassifier.from_preset(CLASSIFIER, label_names="ab")),
    Case("from_preset repeated label_names", ValueError,
         r"`label_names` must be unique",
         lambda c: TextClassifier.from_preset(CLASSIFIER, label_names=["a", "a"])),
    Case("from_preset pooling max", ValueError,
         r"`pooling` must be one of \('token', 'mean'\). Received: pooling='max'",
         lambda c: TextClassifier.from_preset(CLASSIFIER, pooling="max")),
]  # fmt: skip

MAX_LENGTH = r"`max_length` \(the longest translation .*max_sequence_length=32\)"
TRANSLATOR_CASES = integer_cases(
    "translate", "max_length",
    lambda c, v: c.translator.translate("Hi.", max_length=v),
    (-3, 0, 1, 40, 2.5, "10"), MAX_LENGTH + r" must be an integer in \[2, 32\]",
) + integer_cases(
    "translate", "num_beams",
    lambda c, v: c.translator.translate("Hi.", num_beams=v), (0, -2, 1.5),
) + integer_cases(
    "translate", "batch_size",
    lambda c, v: c.translator.translate("Hi.", batch_size=v), (0, -1, None),
) + [
    Case("translate empty text", ValueError,
         r"`texts` holds an empty string at index 0",
         lambda c: c.translator.translate("")),
    Case("translate no texts", ValueError,
         r"`texts` must hold at least one text",
         lambda c: c.translator.translate([])),
    Case("translate None in a batch", TypeError,
         r"`texts` must hold strings. Received NoneType None at index 1",
         lambda c: c.translator.translate(["Hi.", None])),
    Case("translate on_overflow unknown", ValueError,
         r"`on_overflow` must be one of .* Received: on_overflow='clip'",
         lambda c: c.translator.translate("Hi.", on_overflow="clip")),
    Case("translate too long, on_overflow error", ValueError,
         r"`texts` is longer than the model's limit of 32 tokens .*"
         r"texts\[0\] has \d+ tokens",
         lambda c: c.translator.translate(LONG_TEXT, on_overflow="error")),
    Case("generate a 40-token prefix", ValueError,
         r"`decoder_text\[0\]`, a target prefix, has 40 tokens: with \[START\] "
         r"it fills 41 of the 32 positions",
         lambda c: c.translator.generate(prefix(PREFIX_40))),
    Case("generate a prefix, max_length 40", ValueError,
         MAX_LENGTH + r".* Received: max_length=40",
         lambda c: c.translator.generate(prefix(PREFIX_40), max_length=40)),
    Case("generate a prefix filling max_length", ValueError,
         r"`decoder_text\[0\]`.* has 9 tokens: with \[START\] it fills 10 of "
         r"the 10 positions",
         lambda c: c.translator.generate(prefix("我" * 9), max_length=10)),
    Case("generate max_length 33", ValueError,
         MAX_LENGTH + r".* Received: max_length=33",
         lambda c: c.translator.generate("Hi.", max_length=33)),
    Case("generate empty source", ValueError,
         r"`texts` holds an empty string at index 0",
         lambda c: c.translator.generate(prefix("", source=""))),
    Case("generate a number as prefix", TypeError,
         r"`decoder_text` must hold strings .* Received int 5 at index 0",
         lambda c: c.translator.generate(prefix(5))),
    Case("generate too long, on_overflow error", ValueError,
         r"`texts` is longer than the model's limit of 32 tokens",
         lambda c: c.translator.generate(LONG_TEXT, on_overflow="error")),
    Case("generate_preprocess a 40-token prefix", ValueError,
         r"`decoder_text\[0\]`.* has 40 tokens",
         lambda c: c.translator.preprocessor.generate_preprocess(prefix(PREFIX_40))),
    Case("preprocessor without targets", ValueError,
         r"Training pairs need targets.* Received: y=None",
         lambda c: c.translator.preprocessor(["Hi."])),
    Case("preprocessor empty target", ValueError,
         r"`decoder_text` holds an empty string at index 0",
         lambda c: c.translator.preprocessor(["Hi."], [""])),
    Case("preprocessor sample_weight", ValueError,
         r"`sample_weight` must be None",
         lambda c: c.translator.preprocessor(["Hi."], ["你好。"], [1.0])),
    Case("preprocessor encoder_sequence_length 2", ValueError,
         r"`encoder_sequence_length` must be an integer >= 3.* "
         r"Received: encoder_sequence_length=2",
         lambda c: TranslatorPreprocessor(
             c.translator.preprocessor.tokenizer, encoder_sequence_length=2)),
    Case("preprocessor one tokenizer twice", ValueError,
         r"different `config_file`s",
         lambda c: TranslatorPreprocessor(c.translator.preprocessor.tokenizer,
                                          c.translator.preprocessor.tokenizer)),
    Case("cross_attention empty source", ValueError,
         r"`source` holds an empty string",
         lambda c: c.translator.cross_attention("")),
    Case("token ids longer than the positions", ValueError,
         r"`inputs\['decoder_token_ids'\]` \(its length, at most the backbone's "
         r"max_sequence_length=32\).*shape\[-1\]=40",
         lambda c: Translator(c.translator.backbone, None).generate(
             {"encoder_token_ids": np.ones((1, 8), "int32"),
              "encoder_padding_mask": np.ones((1, 8), bool),
              "decoder_token_ids": np.ones((1, 40), "int32"),
              "decoder_padding_mask": np.ones((1, 40), bool)},
             stop_token_ids=None)),
    Case("translate without a preprocessor", ValueError,
         r"`translate\(\)` needs a preprocessor",
         lambda c: Translator(c.translator.backbone, None).translate("Hi.")),
    Case("rnn translate max_length 33", ValueError,
         MAX_LENGTH + r".* Received: max_length=33",
         lambda c: c.rnn.translate("Hi.", max_length=33)),
    Case("rnn generate a 40-token prefix", ValueError,
         r"`decoder_text\[0\]`.* has 40 tokens",
         lambda c: c.rnn.generate(prefix(PREFIX_40))),
    Case("rnn translate too long, on_overflow error", ValueError,
         r"limit of 32 tokens",
         lambda c: c.rnn.translate([LONG_TEXT], on_overflow="error")),
]  # fmt: skip

VISION_TRANSFORMER = image_cases() + [
    Case("vit predict a list of no images", ValueError,
         r"at least one image. Received: an empty list",
         lambda c: c.vit.predict([], verbose=0)),
    Case("vit predict a backend tensor with NaN", ValueError,
         r"must hold finite values",
         lambda c: c.vit.predict(keras.ops.convert_to_tensor(NAN_PIXELS), verbose=0)),
    Case("vit predict batch_size 0", ValueError,
         r"`batch_size` .* Received: batch_size=0",
         lambda c: c.vit.predict(UINT8, batch_size=0, verbose=0)),
    Case("vit classify batch_size 0", ValueError,
         r"`batch_size` .* Received: batch_size=0",
         lambda c: c.vit.classify(UINT8, batch_size=0)),
    Case("vit classify batch_size 1.5", TypeError,
         r"`batch_size` .* Received: batch_size=1.5",
         lambda c: c.vit.classify(UINT8, batch_size=1.5)),
    Case("vit predict_on_batch float 0-16", ValueError,
         r"Float images must be in \[0, 1\]",
         lambda c: c.vit.predict_on_batch(BAD_IMAGES["float 0-16"][0])),
    Case("vit image converter uint8 0-16 warns", UserWarning, DARK_WARNING,
         lambda c: c.vit.preprocessor.image_converter(DARK)),
    Case("vit preprocessor uint8 0-16 warns", UserWarning, DARK_WARNING,
         lambda c: c.vit.preprocessor(DARK)),
    Case("vit predict uint8 0-16 warns", UserWarning, DARK_WARNING,
         lambda c: c.vit.predict(DARK, verbose=0)),
    Case("vit evaluate uint8 0-16 warns", UserWarning, DARK_WARNING,
         lambda c: c.vit.evaluate(DARK, np.zeros(len(DARK), "int32"), verbose=0)),
    Case("vit classify uint8 0-16 warns", UserWarning, DARK_WARNING,
         lambda c: c.vit.classify(DARK)),
    Case("image converter num_channels 0", ValueError,
         r"`num_channels` must be a positive integer. Received: num_channels=0",
         lambda c: VisionTransformerImageConverter(image_size=8, num_channels=0)),
    Case("image converter max_value 0", ValueError,
         r"`max_value` must be a positive number",
         lambda c: VisionTransformerImageConverter(image_size=8, max_value=0)),
]  # fmt: skip

LOADED_AS = r"Preset '.*{}' could not be loaded as a {} \(from its configs .*\): "
PRESETS = [
    Case("unknown preset", ValueError,
         r"Unknown preset for TextClassifier: 'classifier_huge_mr'.*"
         r"Known built-in presets: .*classifier_bert_tiny_mr, classifier_tiny_mr",
         lambda c: TextClassifier.from_preset("classifier_huge_mr")),
    Case("another application's preset", ValueError,
         r"Preset 'translator_tiny_en_zh' belongs to TranslatorBackbone, not "
         r"to TextClassifier",
         lambda c: TextClassifier.from_preset(TRANSLATOR)),
    Case("preset of another type", TypeError,
         r"`preset` must be .* Received: preset=42 of type int",
         lambda c: TextClassifier.from_preset(42)),
    Case("preset is a file", ValueError,
         r"must be a directory .* Received a file: preset='.*notes.txt'",
         lambda c: TextClassifier.from_preset(str(c.write("notes.txt", "x")))),
    Case("task.json invalid JSON", ValueError,
         r"Preset file '.*task.json' is not valid JSON",
         load(TextClassifier, CLASSIFIER, write_file("task.json", b'{"module": '))),
    Case("config.json invalid JSON", ValueError,
         r"Preset file '.*config.json' is not valid JSON",
         load(Translator, TRANSLATOR, write_file("config.json", b"[1, 2"))),
    Case("metadata.json invalid JSON", ValueError,
         r"Preset file '.*metadata.json' is not valid JSON",
         load(VisionTransformer, VIT, write_file("metadata.json", b"{,}"),
              manifest=False)),
    Case("task.json without config", ValueError,
         r"Preset file '.*task.json': 'config' is missing or of the wrong "
         r"type.* Received: no such key",
         load(TextClassifier, CLASSIFIER, set_in("task.json", ["config"], None))),
    Case("task.json config a list", ValueError,
         r"'.*task.json': 'config' is missing or of the wrong type.* "
         r"Received: config=\[\] of type list",
         load(TextClassifier, CLASSIFIER, set_in("task.json", ["config"], []))),
    Case("task.json a list", ValueError,
         r"Preset file '.*task.json' must hold a Keras object config.* "
         r"Received: list",
         load(Translator, TRANSLATOR, edit_json("task.json", lambda v: [v]))),
    Case("config.json without class_name", ValueError,
         r"'.*config.json': 'class_name' is missing",
         load(VisionTransformer, VIT, set_in("config.json", ["class_name"], None))),
    Case("config.json registered_name a number", ValueError,
         r"'.*config.json': 'registered_name' is missing or of the wrong type.*"
         r"registered_name=5",
         load(TextClassifier, CLASSIFIER,
              set_in("config.json", ["registered_name"], 5))),
    Case("preprocessor.json module a number", ValueError,
         r"'.*preprocessor.json': 'module' is missing or of the wrong type",
         load(Translator, TRANSLATOR, set_in("preprocessor.json", ["module"], 7))),
    Case("metadata.json a list", ValueError,
         r"Preset file '.*metadata.json' must hold a JSON object.* Received: list",
         load(TextClassifier, CLASSIFIER, write_file("metadata.json", b"[1, 2]"),
              manifest=False)),
    Case("metadata.json manifest malformed", ValueError,
         r"The 'files' manifest in '.*metadata.json' is malformed",
         load(TextClassifier, CLASSIFIER,
              set_in("metadata.json", ["files"], ["model.weights.h5"]),
              manifest=False)),
    Case("task.json label_names a string", TypeError,
         LOADED_AS.format(CLASSIFIER, "TextClassifier")
         + r"`label_names` must be a list of strings",
         load(TextClassifier, CLASSIFIER,
              set_in("task.json", ["config", "label_names"], "ab"))),
    Case("task.json num_layers a string", ValueError,
         LOADED_AS.format(CLASSIFIER, "TextClassifier") + r".*num_layers='two'",
         load(TextClassifier, CLASSIFIER, set_in(
             "task.json", ["config", "backbone", "config", "num_layers"], "two"))),
    Case("task.json without the backbone", TypeError,
         LOADED_AS.format(TRANSLATOR, "Translator") + r".*'backbone'",
         load(Translator, TRANSLATOR,
              set_in("task.json", ["config", "backbone"], None))),
    Case("task.json image converter num_channels 0", ValueError,
         LOADED_AS.format(VIT, "VisionTransformer") + r".*num_channels=0",
         load(VisionTransformer, VIT, set_in(
             "task.json", ["config", "preprocessor", "config", "image_converter",
                           "config", "num_channels"], 0))),
    Case("Latin-1 vocabulary", ValueError,
         r"Preset file '.*assets/tokenizer/vocabulary.txt' is not UTF-8 text: "
         r"byte 0xe9 at line 11",
         load(TextClassifier, CLASSIFIER,
              latin1_token("assets/tokenizer/vocabulary.txt"))),
    Case("truncated target SentencePiece model", ValueError,
         r"'.*assets/target_tokenizer/vocabulary.spm' is not a readable "
         r"SentencePiece model \(truncated or corrupt\)",
         load(Translator, RNN, truncate("assets/target_tokenizer/vocabulary.spm"))),
    Case("Latin-1 vocabulary, manifest kept", ValueError,
         r"'.*assets/tokenizer/vocabulary.txt' has \d+ bytes: metadata.json of "
         r".* records \d+ bytes",
         load(TextClassifier, CLASSIFIER,
              latin1_token("assets/tokenizer/vocabulary.txt"), manifest=False)),
    Case("no config.json", ValueError,
         r"Preset directory '.*' has no 'config.json'",
         load(TextClassifier, CLASSIFIER, delete("config.json"))),
    Case("no model.weights.h5", ValueError,
         r"has no weights file 'model.weights.h5'",
         load(VisionTransformer, VIT, delete("model.weights.h5"))),
    Case("truncated model.weights.h5", ValueError,
         r"'.*model.weights.h5' has \d+ bytes: metadata.json .* \(truncated",
         load(Translator, RNN, truncate("model.weights.h5"), manifest=False)),
    Case("task class in a foreign module", ValueError,
         r"'.*task.json' names the class 'TextClassifier' of module 'evil' .*"
         r"a preset may only use classes of keras, keras_hub, keras_attention, "
         r"applications",
         load(TextClassifier, CLASSIFIER, set_in("task.json", ["module"], "evil"))),
    Case("nested class in a foreign module", ValueError,
         r"'.*config.json' names the class 'DTypePolicy' of module 'evil.policies'",
         load(Translator, TRANSLATOR, set_in(
             "config.json", ["config", "dtype", "module"], "evil.policies"))),
    Case("registered name of a class outside", ValueError,
         r"names the class 'OutsideLayer' of module '.*test_application_bad_input'",
         load(TextClassifier, CLASSIFIER, edit_json("config.json", lambda v: {
             **v, "class_name": "OutsideLayer",
             "registered_name": "outside>OutsideLayer"}))),
]  # fmt: skip


def flag_pattern(name):
    flag = "--" + name.replace("_", "-")
    return rf"`{name}` \({flag}\)"


# Field, bad value, error, the message after "`field` (--flag) ".
CONFIG_FIELDS = [
    ("epochs", 0, ValueError,
     r"must be an integer in \[1, inf\). Received: epochs=0"),
    ("epochs", 2.5, TypeError,
     r"must be an integer .* Received: epochs=2.5 of type float"),
    ("batch_size", 0, ValueError, r".* Received: batch_size=0"),
    ("batch_size", -5, ValueError, r".* Received: batch_size=-5"),
    ("batch_size", "32", TypeError, r".* Received: batch_size='32' of type str"),
    ("learning_rate", -1e-3, ValueError, r"must be a number in \(0, inf\)"),
    ("learning_rate", 0.0, ValueError, r".* Received: learning_rate=0.0"),
    ("learning_rate", float("nan"), ValueError, r".* Received: learning_rate=nan"),
    ("patience", -1, ValueError, r"must be an integer in \[0, inf\) or None"),
    ("dropout", 1.5, ValueError,
     r"must be a number in \[0, 1\). Received: dropout=1.5"),
    ("dropout", -0.1, ValueError, r".* Received: dropout=-0.1"),
    ("validation_fraction", -0.1, ValueError, r"must be a number in \[0, 1\)"),
    ("validation_fraction", 1.0, ValueError, r".* validation_fraction=1.0"),
    ("test_fraction", 1.5, ValueError, r".* Received: test_fraction=1.5"),
    ("seed", -1, ValueError, r"must be an integer in \[0, 4294967296\)"),
    ("steps_per_epoch", 0, ValueError, r"must be an integer in \[1, inf\) or None"),
    ("num_layers", 0, ValueError, r"must be an integer in \[1, inf\)"),
    ("num_heads", 0, ValueError, r".* Received: num_heads=0"),
    ("hidden_dim", -8, ValueError, r".* Received: hidden_dim=-8"),
    ("intermediate_dim", 0, ValueError, r".* Received: intermediate_dim=0"),
    ("weight_decay", -0.1, ValueError, r"must be a number in \[0, inf\)"),
    ("verbose", 3, ValueError,
     r"must be one of \(0, 1, 2\). Received: verbose=3"),
    ("pooling", "max", ValueError, r"must be one of \('token', 'mean'\)"),
    ("overwrite", "yes", TypeError,
     r"must be True or False. Received: overwrite='yes'"),
    ("distribution", "pipeline", ValueError,
     r"must be one of \('data', 'model'\)"),
    ("model_parallel", 0, ValueError, r".* Received: model_parallel=0"),
    ("vocabulary_size", 4, ValueError, r"must be an integer in \[5, inf\)"),
    ("sequence_length", 2, ValueError, r"must be an integer in \[3, inf\)"),
    ("token_dropout", 1.0, ValueError, r"must be a number in \[0, 1\)"),
    ("teacher_weight", 1.5, ValueError, r"must be a number in \[0, 1\]"),
    ("text_column", 2, ValueError,
     r"must be one of \(0, 1\). Received: text_column=2"),
    ("vocabulary_type", "char", ValueError, r"must be one of"),
    ("description", 5, TypeError, r"must be a string or None"),
]  # fmt: skip
TRANSLATOR_FIELDS = [
    ("sequence_length", 2, ValueError, r"must be an integer in \[3, inf\)"),
    ("source_vocabulary_size", 0, ValueError, r"must be an integer in \[5"),
    ("max_pairs", 0, ValueError, r"must be an integer in \[1, inf\) or None"),
    ("warmup_steps", -1, ValueError, r".* Received: warmup_steps=-1"),
    ("architecture", "lstm", ValueError,
     r"must be one of \('transformer', 'rnn_attention'\)"),
]  # fmt: skip
VIT_FIELDS = [
    ("patch_size", 3, ValueError,
     r"must divide the 8x8 images of digits. Received: patch_size=3"),
    ("rotation", -5.0, ValueError, r"must be a number in \[0, 180\]"),
    ("shift", -1, ValueError, r".* Received: shift=-1"),
    ("warmup_epochs", -1, ValueError, r".* Received: warmup_epochs=-1"),
    ("monitor", "f1", ValueError, r"must be one of \('loss', 'accuracy'\)"),
]  # fmt: skip
CONFIGS = [
    Case(f"{label} {name}={value!r}", error, flag_pattern(name) + " " + match,
         lambda c, cls=cls, given={**given, name: value}: cls(**given))
    for label, cls, given, rows in (
        ("config", TextClassifierTrainingConfig, {"data": "reviews.tsv"},
         CONFIG_FIELDS),
        ("translator config", TranslatorTrainingConfig, {"data": "p.tsv"},
         TRANSLATOR_FIELDS),
        ("vit config", VisionTransformerTrainingConfig, {"dataset": "digits"},
         VIT_FIELDS),
    )
    for name, value, error, match in rows
] + [
    Case("config fractions adding up to 1", ValueError,
         r"`validation_fraction` \(--validation-fraction\) and `test_fraction` "
         r"\(--test-fraction\) must add up to less than 1",
         lambda c: TextClassifierTrainingConfig(
             data="x.tsv", validation_fraction=0.5, test_fraction=0.5)),
    Case("config mesh without distribution", ValueError,
         r"`mesh` \(--mesh\) .* need `distribution`",
         lambda c: TextClassifierTrainingConfig(data="x.tsv", mesh="2x1")),
    Case("config data and dataset", ValueError,
         r"Give one of `data` \(--data, a labeled TSV\) and `dataset`",
         lambda c: TextClassifierTrainingConfig(data="x.tsv", dataset="mr")),
    Case("config dataset unknown", ValueError,
         r"`dataset` \(--dataset\) must be one of \('mr',\)",
         lambda c: TextClassifierTrainingConfig(dataset="sst2")),
    Case("translator config without data", ValueError,
         r"`data` \(--data\) must be a TSV of sentence pairs",
         lambda c: TranslatorTrainingConfig()),
    Case("vit config dataset unknown", ValueError,
         r"`dataset` \(--dataset\) must be one of .*Received: dataset='imagenet'",
         lambda c: VisionTransformerTrainingConfig(dataset="imagenet")),
    Case("vit config without dataset", ValueError,
         r"`dataset` \(--dataset\) must be one of .*Received: dataset=None",
         lambda c: VisionTransformerTrainingConfig()),
]  # fmt: skip

DATA = [
    Case("tsv in GLUE order read as label<TAB>text", ValueError,
         r"glue.tsv: the label column \(column 1 of label<TAB>text\) looks like "
         r"text.* give text_column=0 \(--text-column 0\)",
         lambda c: load_labeled_tsv(glue_tsv(c), text_column=1)),
    Case("tsv in label order read as text<TAB>label", ValueError,
         r"reviews.tsv: the label column \(column 2 of text<TAB>label\).* "
         r"give text_column=1 \(--text-column 1\)",
         lambda c: load_labeled_tsv(c.reviews(), text_column=0)),
    Case("tsv text_column 2", ValueError,
         r"`text_column` must be 0 \(text<TAB>label\) or 1",
         lambda c: load_labeled_tsv(c.reviews(), text_column=2)),
    Case("labels of one class written three ways", ValueError,
         r"at least 2 classes. Received labels: \['1'\]",
         lambda c: encode_labels(["1", "1.0", "01"])),
    Case("translation pairs max_pairs 0", ValueError,
         r"`max_pairs` must be a positive integer",
         lambda c: load_translation_pairs(c.pairs(), max_pairs=0)),
    Case("corrupt PNG", ValueError,
         r"broken.png: cannot read the image file",
         lambda c: load_image_file(
             c.write("broken.png", b"\x89PNG\r\n\x1a\n garbage"), (8, 8), 1)),
    Case("truncated PNG", ValueError,
         r"cut.png: cannot read the image file .*truncated",
         lambda c: load_image_file(c.write("cut.png", png_bytes()[:60]), (8, 8), 1)),
]  # fmt: skip


def option_case(flag, value, kind, interval):
    """`train classifier FLAG VALUE` must fail as argparse parses it."""
    return Case(f"cli train classifier {flag} {value}", CommandLineError,
                rf"argument {flag}: must be {kind} in {re.escape(interval)}. "
                rf"Received: '?{re.escape(value)}'?",
                lambda c: c.train("classifier", flag, value, data=c.reviews()),
                )  # fmt: skip


def classify_image(c, name, content, *options):
    return cli("classify-image", "--preset", VIT, *options, c.write(name, content))


COMMAND_LINE = [
    option_case("--epochs", "0", "an integer", "[1, inf)"),
    option_case("--epochs", "abc", "an integer", "[1, inf)"),
    option_case("--batch-size", "0", "an integer", "[1, inf)"),
    option_case("--batch-size", "-3", "an integer", "[1, inf)"),
    option_case("--learning-rate", "-0.1", "a number", "(0, inf)"),
    option_case("--patience", "-1", "an integer", "[0, inf)"),
    option_case("--dropout", "1.5", "a number", "[0, 1)"),
    option_case("--validation-fraction", "-0.1", "a number", "[0, 1)"),
    option_case("--validation-fraction", "1", "a number", "[0, 1)"),
    option_case("--test-fraction", "1.2", "a number", "[0, 1)"),
    option_case("--weight-decay", "-1", "a number", "[0, inf)"),
    option_case("--sequence-length", "2", "an integer", "[3, inf)"),
    option_case("--vocabulary-size", "3", "an integer", "[5, inf)"),
    option_case("--teacher-weight", "2", "a number", "[0, 1]"),
    option_case("--cross-validate", "1", "an integer", "[2, inf)"),
    option_case("--seed", "-1", "an integer", "[0, 4294967296)"),
    Case("cli train classifier fractions adding up to 1", CommandLineError,
         r"`validation_fraction` \(--validation-fraction\) and `test_fraction` "
         r"\(--test-fraction\) must add up to less than 1",
         lambda c: c.train("classifier", "--validation-fraction", "0.6",
                           "--test-fraction", "0.5", data=c.reviews())),
    Case("cli train classifier GLUE-order TSV", CommandLineError,
         r"glue.tsv: the label column .* looks like text: \d+ distinct labels in "
         r"60 rows.*\(--text-column 0\)",
         lambda c: c.train("classifier", data=glue_tsv(c))),
    Case("cli train classifier empty TSV", CommandLineError,
         r"empty.tsv: no examples found",
         lambda c: c.train("classifier", data=c.write("empty.tsv", ""))),
    Case("cli train classifier one-column TSV", CommandLineError,
         r"one.tsv:1: expected 2 tab-separated columns \(label, text\); received 1",
         lambda c: c.train("classifier", data=c.write("one.tsv", "a warm film\n"))),
    Case("cli train classifier missing data file", CommandLineError,
         r"No such data file: '.*missing.tsv'",
         lambda c: c.train("classifier", data=c.tmp / "missing.tsv")),
    Case("cli train classifier Latin-1 TSV", CommandLineError,
         r"latin1.tsv:2: cannot decode the line as utf-8",
         lambda c: c.train("classifier", data=c.write(
             "latin1.tsv", b"positive\ta fine film\nnegative\tun caf\xe9 froid\n"))),
    Case("cli train classifier one class", CommandLineError,
         r"at least 2 classes. Received labels: \['1'\]",
         lambda c: c.train("classifier", data=c.write(
             "one_class.tsv", "1\ta warm film\n1.0\ta dull film\n"))),
    Case("cli train translator --sequence-length 2", CommandLineError,
         r"argument --sequence-length: must be an integer in \[3, inf\). "
         r"Received: 2",
         lambda c: c.train("translator", "--sequence-length", "2", data=c.pairs())),
    Case("cli train translator --max-pairs 0", CommandLineError,
         r"argument --max-pairs: must be an integer in \[1, inf\)",
         lambda c: c.train("translator", "--max-pairs", "0", data=c.pairs())),
    Case("cli train translator --warmup-steps -1", CommandLineError,
         r"argument --warmup-steps: .* Received: -1",
         lambda c: c.train("translator", "--warmup-steps", "-1", data=c.pairs())),
    Case("cli train translator missing data file", CommandLineError,
         r"No such data file: '.*nowhere.tsv'",
         lambda c: c.train("translator", data=c.tmp / "nowhere.tsv")),
    Case("cli train translator one-column TSV", CommandLineError,
         r"single.tsv:1: expected 'source<TAB>target'.*received 1 cell",
         lambda c: c.train("translator", data=c.write("single.tsv", "I like tea.\n"))),
    Case("cli train translator empty TSV", CommandLineError,
         r"void.tsv: no sentence pairs found",
         lambda c: c.train("translator", data=c.write("void.tsv", "\n"))),
    Case("cli train translator unknown preset", CommandLineError,
         r"Unknown preset: 'translator_huge' is neither a built-in preset name",
         lambda c: c.train("translator", "--preset", "translator_huge",
                           data=c.pairs())),
    Case("cli train vit --patch-size 3", CommandLineError,
         r"`patch_size` \(--patch-size\) must divide the 8x8 images of digits",
         lambda c: c.train("vit", "--dataset", "digits", "--patch-size", "3")),
    Case("cli train vit --rotation -1", CommandLineError,
         r"argument --rotation: must be a number in \[0, 180\]. Received: -1",
         lambda c: c.train("vit", "--dataset", "digits", "--rotation", "-1")),
    Case("cli train vit --shift -1", CommandLineError,
         r"argument --shift: .* Received: -1",
         lambda c: c.train("vit", "--dataset", "digits", "--shift", "-1")),
    Case("cli train vit --dataset imagenet", CommandLineError,
         r"argument --dataset: invalid choice: 'imagenet'",
         lambda c: c.train("vit", "--dataset", "imagenet")),
    Case("cli classify --batch-size 0", CommandLineError,
         r"argument --batch-size: must be an integer in \[1, inf\). Received: 0",
         lambda c: cli("classify", "--preset", CLASSIFIER, "--batch-size", "0",
                       "a film")),
    Case("cli classify unknown preset", CommandLineError,
         r"Unknown preset for TextClassifier: 'classifier_huge_mr'",
         lambda c: cli("classify", "--preset", "classifier_huge_mr", "a film")),
    Case("cli classify nothing", CommandLineError,
         r"Nothing to classify: give texts as arguments or --file",
         lambda c: cli("classify", "--preset", CLASSIFIER)),
    Case("cli classify empty text", CommandLineError,
         r"`texts` holds an empty string at index 0",
         lambda c: cli("classify", "--preset", CLASSIFIER, "")),
    Case("cli classify too long, --on-overflow error", CommandLineError,
         r"longer than the model's limit of 48 tokens",
         lambda c: cli("classify", "--preset", CLASSIFIER, "--on-overflow",
                       "error", LONG_TEXT)),
    Case("cli classify missing --file", CommandLineError,
         r"No such data file: '.*absent.txt'",
         lambda c: cli("classify", "--preset", CLASSIFIER, "--file",
                       c.tmp / "absent.txt")),
    Case("cli translate --max-length -3", CommandLineError,
         r"argument --max-length: must be an integer in \[2, inf\). Received: -3",
         lambda c: cli("translate", "--preset", TRANSLATOR, "--max-length", "-3",
                       "Hi.")),
    Case("cli translate --max-length 40", CommandLineError,
         MAX_LENGTH + r".* Received: max_length=40",
         lambda c: cli("translate", "--preset", TRANSLATOR, "--max-length", "40",
                       "Hi.")),
    Case("cli translate --num-beams 0", CommandLineError,
         r"argument --num-beams: must be an integer in \[1, inf\). Received: 0",
         lambda c: cli("translate", "--preset", TRANSLATOR, "--num-beams", "0",
                       "Hi.")),
    Case("cli translate --batch-size -2", CommandLineError,
         r"argument --batch-size: .* Received: -2",
         lambda c: cli("translate", "--preset", TRANSLATOR, "--batch-size", "-2",
                       "Hi.")),
    Case("cli translate --on-overflow bogus", CommandLineError,
         r"argument --on-overflow: invalid choice: 'bogus'",
         lambda c: cli("translate", "--preset", TRANSLATOR, "--on-overflow",
                       "bogus", "Hi.")),
    Case("cli evaluate translator --num-beams 0", CommandLineError,
         r"argument --num-beams: must be an integer",
         lambda c: cli("evaluate", "translator", "--preset", TRANSLATOR, "--data",
                       c.pairs(), "--num-beams", "0")),
    Case("cli evaluate translator missing data", CommandLineError,
         r"No such data file: '.*gone.tsv'",
         lambda c: cli("evaluate", "translator", "--preset", TRANSLATOR, "--data",
                       c.tmp / "gone.tsv")),
    Case("cli classify-image corrupt PNG", CommandLineError,
         r"broken.png: cannot read the image file",
         lambda c: classify_image(c, "broken.png", b"\x89PNG\r\n\x1a\n garbage")),
    Case("cli classify-image missing file", CommandLineError,
         r"No such image file: '.*nothing.png'",
         lambda c: cli("classify-image", "--preset", VIT, c.tmp / "nothing.png")),
    Case("cli classify-image a text file", CommandLineError,
         r"notes.txt: expected a .npy array or an image file",
         lambda c: classify_image(c, "notes.txt", "x")),
    Case("cli classify-image corrupt .npy", CommandLineError,
         r"bad.npy: cannot read the file as a numpy array",
         lambda c: classify_image(c, "bad.npy", b"\x93NUMPY garbage")),
    Case("cli classify-image pickled .npy", CommandLineError,
         r"objects.npy: cannot read the file as a numpy array .*no pickled",
         lambda c: classify_image(c, "objects.npy", np.array([{}], dtype=object))),
    Case("cli classify-image --batch-size 0", CommandLineError,
         r"argument --batch-size: must be an integer",
         lambda c: classify_image(c, "ok.npy", UINT8, "--batch-size", "0")),
]  # fmt: skip

CATALOGUE = (
    TEXT_CLASSIFIER
    + TRANSLATOR_CASES
    + VISION_TRANSFORMER
    + PRESETS
    + CONFIGS
    + DATA
    + COMMAND_LINE
)


def test_the_catalogue_has_at_least_100_distinct_entries():
    ids = [case.id for case in CATALOGUE]
    assert len(ids) == len(set(ids)) >= 100


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: case.id)
def test_bad_input_is_reported(case, ctx):
    if issubclass(case.error, Warning):
        with pytest.warns(case.error, match=case.match):
            case.call(ctx)
        return
    with pytest.raises(case.error, match=case.match):
        case.call(ctx)


# === Silently wrong before: over-long inputs (issue items 8 and 10) ===


def test_classify_warns_once_per_call_naming_the_length_and_the_limit(loaded):
    """A 10,000-word text was labelled from its first 46 tokens without a word."""
    classifier = loaded[CLASSIFIER]
    essay = " ".join(["a gorgeous, witty film."] * 10) + " dull" * 10000
    texts = [essay, "a dull film", "a witty film"]  # one batch shape: one compile
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labels, _ = classifier.classify(texts)
        classifier.classify([essay, essay, "a film"])
    ours = [w for w in caught if "model's limit" in str(w.message)]
    messages = [str(w.message) for w in ours]
    assert len(messages) == 2, messages  # one per call, not one per text
    assert messages[0].startswith("1 of the 3 `texts` is longer than the model's ")
    assert "texts[0] has 10062 tokens" in messages[0]
    assert "limit of 48 tokens" in messages[0] and "first 46 tokens" in messages[0]
    assert messages[1].startswith("2 of the 3 `texts` are longer")
    assert ours[0].filename == __file__  # it points at the caller's line
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        truncated, _ = classifier.classify(texts, on_overflow="truncate")
    assert not [w for w in caught if "model's limit" in str(w.message)]
    assert truncated == labels  # the policy changes the word, not the result


def test_translate_warns_once_for_an_overlong_sentence(loaded):
    """A long sentence was translated from its first 30 tokens without a word."""
    translator = loaded[TRANSLATOR]
    long = " ".join(["Tom is here."] * 20)  # 80 source tokens for 32 positions
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        translations = translator.translate([long, "Hi.", long], max_length=6)
    messages = [str(w.message) for w in caught if "model's limit" in str(w.message)]
    assert len(messages) == 1 and len(translations) == 3
    assert messages[0].startswith("2 of the 3 `texts` are longer than the model's "
                                  "limit of 32 tokens")  # fmt: skip
    with pytest.raises(ValueError, match=r"`decoder_text\[0\]`.* has 40 tokens"):
        translator.generate(prefix(PREFIX_40))  # JAX clamped it silently


def test_truncate_tokenizes_nothing_and_warn_tokenizes_once():
    calls = []

    def tokenizer(texts):
        calls.append(list(texts))
        return [[1] * 20 for _ in texts]

    assert check_lengths(tokenizer, ["a", "b"], 10, 2, "truncate") is None
    assert not calls
    with pytest.warns(UserWarning, match="2 of the 2 `texts` are longer"):
        assert check_lengths(tokenizer, ["a", "b"], 10, 2, "warn") == [22, 22]
    assert calls == [["a", "b"]]


# === Silently wrong before: images on the wrong scale (issue item 11) ===


@pytest.mark.parametrize(
    "kind", ["float 0-16", "int32 above 255", "boolean", "NaN pixels"]
)
def test_every_image_path_applies_the_same_rule(loaded, tmp_path, kind):
    """`predict`, `fit`, `evaluate`, `classify`, the preprocessor and
    `classify-image` refuse the same images with the same message."""
    vit = loaded[VIT]
    images, error, _ = BAD_IMAGES[kind]
    labels = np.zeros(len(images), "int32")
    calls = [
        lambda: vit.predict(images, verbose=0),
        lambda: vit.fit(images, labels, epochs=1, verbose=0),
        lambda: vit.evaluate(images, labels, verbose=0),
        lambda: vit.classify(images),
        lambda: vit.preprocessor(images),
    ]
    messages = set()
    for call in calls:
        with pytest.raises(error) as raised:
            call()
        messages.add(str(raised.value))
    assert len(messages) == 1, messages
    np.save(tmp_path / "images.npy", images)
    with pytest.raises(CommandLineError) as raised:
        cli("classify-image", "--preset", VIT, tmp_path / "images.npy")
    assert messages.pop() in str(raised.value)


def test_uint8_and_unit_floats_are_read_alike(loaded):
    vit = loaded[VIT]
    expected = vit.predict(UINT8, verbose=0)
    assert np.isfinite(expected).all()
    np.testing.assert_allclose(vit.predict(FLOATS, verbose=0), expected, atol=1e-5)
    _, probabilities = vit.classify(UINT8)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    black = np.concatenate([UINT8[:2], np.zeros((1, 8, 8, 1), "uint8")])
    _, probabilities = vit.classify(black)  # an all-black image is no other scale
    assert np.isfinite(probabilities).all()


def test_dark_uint8_images_warn_once_per_call_and_are_read_on_0_255(loaded):
    """A dark photo (brightest pixel <= 16) was refused with no way out: it is
    read as it is, with one warning per call naming the 0-16 scale and the fix."""
    vit = loaded[VIT]
    labels = np.zeros(len(DARK), "int32")
    expected = vit.predict(DARK.astype("float32") / 255, verbose=0)
    calls = {
        "predict": lambda: vit.predict(DARK, verbose=0),
        "evaluate": lambda: vit.evaluate(DARK, labels, verbose=0),
        "classify": lambda: vit.classify(DARK)[1],
        "preprocessor": lambda: vit.preprocessor(DARK),
        "converter": lambda: vit.preprocessor.image_converter(DARK),
        "fit": lambda: VisionTransformer.from_preset(VIT).fit(
            DARK, labels, epochs=1, verbose=0
        ),
    }
    for name, call in calls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = call()
        ours = [str(w.message) for w in caught if "0-16 gray levels" in str(w.message)]
        assert len(ours) == 1, (name, ours)
        assert "`images / 16`" in ours[0] and "Received: values from" in ours[0]
        if name in ("predict", "classify"):
            np.testing.assert_allclose(result, expected, atol=1e-5)
        if name in ("preprocessor", "converter"):
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(result), DARK / 255, atol=1e-6
            )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vit.classify(DARK.astype("float32") / 16)  # floats in [0, 1]: no warning
    assert not [w for w in caught if "0-16 gray levels" in str(w.message)]


# === Silently wrong before: a TSV read in the wrong order (issue item 12) ===


def test_a_glue_order_tsv_is_refused_then_read_with_the_flag_it_names(ctx):
    """It trained a 59-class model from 60 sentences and exited 0."""
    path = glue_tsv(ctx)
    with pytest.raises(CommandLineError) as raised:
        ctx.train("classifier", data=path)
    message = str(raised.value)
    assert str(path) in message and "--text-column 0" in message
    assert not (ctx.tmp / "out").exists()
    texts, labels = load_labeled_tsv(path, text_column=0)
    assert len(texts) == 60 and sorted(set(labels)) == ["0", "1"]


def test_multi_word_class_names_and_many_classes_are_accepted(tmp_path):
    """A legitimate TSV was refused: 3-word class names, more classes than
    half the rows, next to real texts."""
    topics = [f"news about topic {i}" for i in range(12)]  # 12 classes, 4 words
    rows = [f"{topics[i % 12]}\tan article on subject {i}, with details\n"
            for i in range(16)]  # fmt: skip
    path = tmp_path / "topics.tsv"
    path.write_text("".join(rows))
    texts, labels = load_labeled_tsv(path, text_column=1)
    assert len(texts) == 16 and len(set(labels)) == 12
    assert labels[0] == "news about topic 0" and texts[0].startswith("an article")
    reversed_path = tmp_path / "topics_text_first.tsv"
    reversed_path.write_text("".join(
        f"{text}\t{label}\n" for text, label in zip(texts, labels)
    ))  # fmt: skip
    assert load_labeled_tsv(reversed_path, text_column=0) == (texts, labels)


def test_numeric_labels_written_two_ways_are_one_class(tmp_path):
    path = tmp_path / "numbers.tsv"
    path.write_text("1\ta warm film\n1.0\ta fine film\n0\ta dull film\n0.0\tflat\n")
    _, labels = load_labeled_tsv(path, text_column=1)
    assert encode_labels(labels) == ([1, 1, 0, 0], ["0", "1"])
    assert encode_labels(["2", "10", "2.0"]) == ([0, 1, 0], ["2", "10"])
    assert encode_labels(["0.5", "0.50", "1"]) == ([0, 0, 1], ["0.5", "1"])
    assert encode_labels(["pos", "neg", "1.0"])[1] == ["1.0", "neg", "pos"]


def test_every_numeric_training_option_declares_its_range():
    """A number without declared bounds or choices would go unchecked."""
    for cls in (
        TextClassifierTrainingConfig,
        TranslatorTrainingConfig,
        VisionTransformerTrainingConfig,
    ):
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            kind, _ = field_type(hints[field.name])
            if kind in (int, float):
                metadata = field.metadata
                assert metadata.get("bounds") or metadata.get("choices"), field.name


# === Loading a preset never runs code from elsewhere ===


def test_a_preset_naming_a_foreign_module_is_refused_before_importing_it(
    tmp_path, monkeypatch
):
    marker = tmp_path / "imported.txt"
    site = tmp_path / "site"
    site.mkdir()
    (site / "marker_module.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\n"
        "import keras\n\n\n"
        "class Evil(keras.layers.Layer):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(site))
    directory = tmp_path / "preset"
    shutil.copytree(PRESETS_DIR / CLASSIFIER, directory)
    for name in ("task.json", "config.json"):
        path = directory / name
        config = json.loads(path.read_text())
        config.update(module="marker_module", class_name="Evil")
        config["registered_name"] = "marker_module>Evil"
        path.write_text(json.dumps(config))
    for cls in (TextClassifier, TextClassifierBackbone):
        refused = "names the class 'Evil' of module 'marker_module'.* Refused"
        with pytest.raises(ValueError, match=refused):
            cls.from_preset(directory)
    assert not marker.exists() and "marker_module" not in sys.modules


LOADING_CODE = """
import importlib.metadata as metadata, json, re, sys
from applications.text_classifier.task import TextClassifier
from applications.translator.task import Translator
from applications.vision_transformer.task import VisionTransformer

before = set(sys.modules)
TextClassifier.from_preset("classifier_tiny_mr")
Translator.from_preset("translator_tiny_en_zh")
VisionTransformer.from_preset("vit_tiny_digits")
added = {name.split(".")[0] for name in set(sys.modules) - before}
required = set()
for distribution in ("keras", "keras-hub"):
    for line in metadata.requires(distribution) or []:
        if "extra ==" not in line:
            required.add(re.split(r"[ ;<>=!~\\[(]", line)[0].lower().replace("_", "-"))
distributions = metadata.packages_distributions()
print(json.dumps({
    name: sorted(distributions.get(name, []))
    for name in sorted(added - set(sys.stdlib_module_names))
    if not {d.lower().replace("_", "-") for d in distributions.get(name, [])}
    & required
}))
"""
BACKEND_PACKAGES = {
    "tensorflow": {"tensorflow"},
    "jax": {"jax", "jaxlib"},
    "torch": {"torch"},
}


@pytest.mark.slow
@pytest.mark.one_backend
def test_loading_the_shipped_presets_imports_nothing_from_elsewhere():
    """In a fresh process, loading a preset of each application adds to
    `sys.modules` only the standard library, this library, Keras, keras-hub,
    their requirements and the backend. (One backend: a fresh process costs
    a full import; which classes a preset may name does not depend on it.)"""
    backend = keras.config.backend()
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOADING_CODE)],
        env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True, text=True, timeout=600,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    outside = json.loads(result.stdout.strip().splitlines()[-1])
    allowed = {"keras", "keras_hub", "keras_attention", "applications"}
    foreign = set(outside) - allowed - BACKEND_PACKAGES[backend]
    assert not foreign, outside
