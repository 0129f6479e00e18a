"""Tiny BERT masked language models and a toy corpus for the BERT tests."""

import keras
import numpy as np

from applications.bert.backbone import BertBackbone
from applications.bert.preprocessor import BertMaskedLMPreprocessor
from applications.bert.task import BertMaskedLM
from applications.bert.tokenizer import BertTokenizer

# Six sentences without a word in common but "the" and "a": a masked word
# is determined by the others.
SENTENCES = [
    "the cat sat on the mat",
    "the dog ran in the park",
    "a bird flew over the house",
    "my friend drank hot tea",
    "she plays the old piano",
    "we watched a funny movie",
]
# Words of the masking-statistics corpus.
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo "
         "lima mike november oscar papa quebec romeo sierra tango").split()  # fmt: skip


def toy_tokenizer(texts=SENTENCES):
    """A tokenizer in which every word of `texts` is one piece."""
    return BertTokenizer.from_texts(list(texts) * 10, vocabulary_size=400)


def build_masked_lm(tokenizer, sequence_length=12, mask_selection_length=4, **kw):
    """A one-block BertMaskedLM of width 32 over `tokenizer`."""
    backbone = BertBackbone(
        vocabulary_size=tokenizer.vocabulary_size(),
        num_layers=1,
        num_heads=2,
        hidden_dim=32,
        intermediate_dim=64,
        max_sequence_length=sequence_length,
        dropout=0.0,
        **kw,
    )
    preprocessor = BertMaskedLMPreprocessor(
        tokenizer,
        sequence_length=sequence_length,
        mask_selection_length=mask_selection_length,
    )
    return BertMaskedLM(backbone, preprocessor)


def train_on_sentences(masked_lm, steps=200, batch_size=48, seed=0):
    """Fits `masked_lm` on `SENTENCES`, masked anew in every batch."""
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    masked_lm.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        # XLA (TensorFlow) and torch.compile take longer to compile than
        # these few steps take to run.
        jit_compile=keras.config.backend() == "jax",
    )
    dataset = (
        tf.data.Dataset.from_tensor_slices(SENTENCES)
        .repeat()
        .shuffle(64, seed=seed)
        .batch(batch_size)
    )
    return masked_lm.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)


def word_texts(count, length, seed=0):
    """`count` texts of `length` random words of `WORDS`."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, length)) for _ in range(count)]
