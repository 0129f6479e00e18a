"""Tiny GPTs shared by the GPT tests."""

import keras

from applications.gpt.backbone import GPTBackbone
from applications.gpt.preprocessor import GPTPreprocessor
from applications.gpt.task import GPT
from applications.gpt.tokenizer import GPTTokenizer

TEXTS = [
    "To be, or not to be: that is the question.",
    "Whether 'tis nobler in the mind to suffer",
    "床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。",
]


def build_gpt(position="learned", seed=5, sequence_length=24, **backbone_args):
    """An untrained GPT with a character vocabulary of `TEXTS`."""
    keras.utils.set_random_seed(seed)
    tokenizer = GPTTokenizer.from_texts(TEXTS)
    config = dict(num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32)
    backbone = GPTBackbone(
        vocabulary_size=tokenizer.vocabulary_size(),
        max_sequence_length=sequence_length,
        position=position,
        **{**config, **backbone_args},
    )
    return GPT(backbone, GPTPreprocessor(tokenizer, sequence_length=sequence_length))
