"""A tiny translator for the tests, built from a handful of sentence pairs."""

import keras

from applications.translator.backbone import TranslatorBackbone
from applications.translator.preprocessor import (
    TARGET_TOKENIZER_CONFIG_FILE,
    TranslatorPreprocessor,
)
from applications.translator.task import Translator
from applications.translator.tokenizer import TranslatorTokenizer

SOURCES = [
    "I like tea.",
    "How are you?",
    "Where is the station?",
    "Tom is here.",
    "I like you.",
    "Where is Tom?",
]
TARGETS = [
    "我喜欢茶。",
    "你好吗？",
    "车站在哪里？",
    "汤姆在这里。",
    "我喜欢你。",
    "汤姆在哪里？",
]


def build_translator(architecture="transformer", shared_vocabulary=False, seed=0):
    """An untrained translator with both tokenizers (or one shared)."""
    keras.utils.set_random_seed(seed)
    if shared_vocabulary:
        tokenizer = TranslatorTokenizer.from_texts(
            SOURCES + TARGETS, 120, lowercase=False
        )
        target_tokenizer = None
        sizes = {"vocabulary_size": tokenizer.vocabulary_size()}
    else:
        tokenizer = TranslatorTokenizer.from_texts(SOURCES, 80)
        target_tokenizer = TranslatorTokenizer.from_texts(
            TARGETS, 80, lowercase=False, config_file=TARGET_TOKENIZER_CONFIG_FILE
        )
        sizes = {
            "vocabulary_size": target_tokenizer.vocabulary_size(),
            "source_vocabulary_size": tokenizer.vocabulary_size(),
        }
    backbone = TranslatorBackbone(
        **sizes,
        architecture=architecture,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=12,
        dropout=0.0,
    )
    preprocessor = TranslatorPreprocessor(
        tokenizer,
        target_tokenizer,
        encoder_sequence_length=10,
        decoder_sequence_length=10,
    )
    return Translator(backbone, preprocessor)
