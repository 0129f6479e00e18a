"""One harness for every application: a tiny task and its inputs per entry.

`APPLICATION_CASES` holds, per application (and architecture), how to build
a tiny untrained task with the application's own training recipe (its
`build_*` function and a small config), the inputs of a forward pass, and a
few labeled examples for `fit`. `test_application_harness.py` applies the
same checks to every entry, like keras-hub's `run_backbone_test`,
`run_task_test` and `run_preset_test`. A new application joins by adding one
entry here.
"""

import dataclasses
import functools
import random

import keras
import numpy as np

from applications.bert.task import BertMaskedLM
from applications.bert.training import BertMaskedLMTrainingConfig, build_masked_lm
from applications.gpt.task import GPT
from applications.gpt.training import GPTTrainingConfig, build_gpt
from applications.text_classifier.task import TextClassifier
from applications.text_classifier.training import (
    TextClassifierTrainingConfig,
    build_classifier,
)
from applications.translator.task import Translator
from applications.translator.training import TranslatorTrainingConfig, build_translator
from applications.vision_transformer.task import VisionTransformer
from applications.vision_transformer.training import (
    VisionTransformerTrainingConfig,
    build_vision_transformer,
)

# Shared by the tiny models: one layer, two heads.
TINY = {"num_layers": 1, "num_heads": 2, "dropout": 0.0}

REVIEWS = [
    "A warm, clever film.",
    "Dull and far too long.",
    "Smart writing and fine acting.",
    "The story makes no sense.",
]
SENTIMENTS = ["positive", "negative", "positive", "negative"]
SENTIMENT_NAMES = ["negative", "positive"]

PAIRS = [
    ("I like tea.", "我喜欢茶。"),
    ("Where is Tom?", "汤姆在哪里？"),
    ("Tom likes you.", "汤姆喜欢你。"),
    ("Where is the tea?", "茶在哪里？"),
]

DIGIT_NAMES = ["zero", "one", "two"]

VERSES = [
    "To be, or not to be: that is the question.",
    "床前明月光，疑是地上霜。",
    "Shall I compare thee to a summer's day?",
    "舉頭望明月，低頭思故鄉。",
]


def _digit_images(count=4):
    """Random (count, 8, 8, 1) uint8 images and their labels."""
    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, size=(count, 8, 8, 1)).astype("uint8")
    return images, np.arange(count) % len(DIGIT_NAMES)


@dataclasses.dataclass
class ApplicationCase:
    """An application under test.

    Args:
        name: test id.
        task_cls: the task class (for `from_preset`).
        build: `build(**overrides)` returns a fresh, untrained task with a
            preprocessor (deterministic: seeded); `overrides` replace entries
            of its training config (e.g. `num_heads=4`).
        forward_inputs: `forward_inputs(task)` returns what the functional
            task takes (the preprocessor's output, as numpy).
        fit_data: `(x, y)` raw examples for `task.fit` (through the
            preprocessor); `y` is None for a language model.
    """

    name: str
    task_cls: type
    build: callable
    forward_inputs: callable
    fit_data: tuple


def _seeded(build):
    def seeded_build(**overrides):
        keras.utils.set_random_seed(11)
        return build(**{**TINY, **overrides})

    return seeded_build


def _text_classifier(**tiny):
    config = TextClassifierTrainingConfig(
        data="reviews.tsv",
        vocabulary_size=40,
        vocabulary_type="word",
        sequence_length=12,
        **{"hidden_dim": 8, "intermediate_dim": 16, **tiny},
    )
    return build_classifier(config, REVIEWS, SENTIMENT_NAMES)


def _translator(architecture, **tiny):
    config = TranslatorTrainingConfig(
        data="pairs.tsv",
        architecture=architecture,
        source_vocabulary_size=300,  # SentencePiece, 261 reserved ids
        target_vocabulary_size=300,
        sequence_length=10,
        **{"hidden_dim": 16, "intermediate_dim": 32, **tiny},
    )
    sources, targets = (list(side) for side in zip(*PAIRS))
    return build_translator(config, sources, targets)


def _vision_transformer(**tiny):
    config = VisionTransformerTrainingConfig(
        dataset="digits",
        patch_size=2,
        **{"hidden_dim": 16, "intermediate_dim": 32, **tiny},
    )
    return build_vision_transformer(config, (8, 8, 1), DIGIT_NAMES)


def _gpt(**tiny):
    config = GPTTrainingConfig(
        data="verses.txt",
        vocabulary_size=300,
        sequence_length=16,
        **{"hidden_dim": 16, "intermediate_dim": 32, **tiny},
    )
    return build_gpt(config, VERSES)


def _bert(**tiny):
    config = BertMaskedLMTrainingConfig(
        data="verses.txt",
        vocabulary_size=330,
        sequence_length=16,
        **{"hidden_dim": 16, "intermediate_dim": 32, **tiny},
    )
    return build_masked_lm(config, VERSES)


def _bert_inputs(task):
    random.seed(5)  # the same masks every time (drawn with Python's random)
    return _numpy(task.preprocessor(VERSES)[0])


def _numpy(tree):
    return keras.tree.map_structure(lambda x: np.asarray(x), tree)


def _translator_inputs(task):
    sources, targets = (list(side) for side in zip(*PAIRS))
    x, _, _ = task.preprocessor(sources, targets)
    return _numpy(x)


APPLICATION_CASES = [
    ApplicationCase(
        "text_classifier",
        TextClassifier,
        _seeded(_text_classifier),
        lambda task: _numpy(task.preprocessor(REVIEWS)),
        (REVIEWS, np.array([SENTIMENT_NAMES.index(s) for s in SENTIMENTS])),
    ),
    *(
        ApplicationCase(
            f"translator_{architecture}",
            Translator,
            _seeded(functools.partial(_translator, architecture)),
            _translator_inputs,
            tuple(list(side) for side in zip(*PAIRS)),
        )
        for architecture in ("transformer", "rnn_attention")
    ),
    ApplicationCase(
        "vision_transformer",
        VisionTransformer,
        _seeded(_vision_transformer),
        lambda task: _digit_images()[0].astype("float32") / 255.0,
        _digit_images(),
    ),
    ApplicationCase(
        "gpt",
        GPT,
        _seeded(_gpt),
        lambda task: _numpy(task.preprocessor(VERSES)[0]),
        (VERSES, None),
    ),
    ApplicationCase("bert", BertMaskedLM, _seeded(_bert), _bert_inputs, (VERSES, None)),
]


def forward(task, inputs):
    """The task's outputs for `inputs` (inference mode), as float32 numpy."""
    outputs = task(inputs, training=False)
    return np.asarray(keras.ops.convert_to_numpy(outputs)).astype("float32")
