"""A tiny text classifier for the tests, built from a handful of sentences."""

import keras

from applications.text_classifier.backbone import TextClassifierBackbone
from applications.text_classifier.preprocessor import TextClassifierPreprocessor
from applications.text_classifier.task import TextClassifier
from applications.text_classifier.tokenizer import TextClassifierTokenizer

TEXTS = [
    "A gorgeous, witty film.",
    "A dull, lifeless film.",
    "Warm and funny from start to finish.",
    "Boring and far too long.",
    "Great acting and a smart script.",
    "The plot makes no sense at all.",
]
LABELS = ["positive", "negative", "positive", "negative", "positive", "negative"]
LABEL_NAMES = ["negative", "positive"]
LABEL_IDS = [LABEL_NAMES.index(label) for label in LABELS]

# The smallest model the `train classifier` options build: fast to train.
TINY_MODEL = [
    "--num-layers", "1", "--num-heads", "2", "--hidden-dim", "8",
    "--intermediate-dim", "8", "--sequence-length", "10",
    "--vocabulary-type", "word", "--vocabulary-size", "40",
]  # fmt: skip
# More labeled texts, for held-out splits of a few examples.
EXTRA = [
    ("positive", "Lovely and moving."),
    ("negative", "Tedious and flat."),
    ("positive", "A joy to watch."),
    ("negative", "I want my money back."),
]

SMALL = dict(num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16)


def build_classifier(seed=0, sequence_length=12, pooling="mean", **backbone_kwargs):
    """An untrained word-level classifier without dropout (deterministic)."""
    keras.utils.set_random_seed(seed)
    tokenizer = TextClassifierTokenizer.from_texts(
        TEXTS, vocabulary_size=40, vocabulary_type="word"
    )
    backbone = TextClassifierBackbone(
        vocabulary_size=tokenizer.vocabulary_size(),
        max_sequence_length=16,
        dropout=0.0,
        **{**SMALL, **backbone_kwargs},
    )
    preprocessor = TextClassifierPreprocessor(tokenizer, sequence_length)
    return TextClassifier(
        backbone,
        label_names=LABEL_NAMES,
        preprocessor=preprocessor,
        pooling=pooling,
        dropout=0.0,
    )
