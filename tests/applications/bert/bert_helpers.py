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
    """Fits `masked_lm` on `SENTENCES`, masked anew in every batch.

    BERT's masking (15% of the words, at most `mask_selection_length` a row;
    of those 80% `[MASK]`, 10% a random token, 10% unchanged) is drawn here
    by a seeded numpy generator: the preprocessor draws its masks in
    `tf.data` from TensorFlow's op seeds, which depend on what else the
    process built, so a test's outcome would hang on the tests before it."""
    keras.utils.set_random_seed(seed)
    masked_lm.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        # XLA (TensorFlow) and torch.compile take longer to compile than
        # these few steps take to run.
        jit_compile=keras.config.backend() == "jax",
    )
    preprocessor = masked_lm.preprocessor
    tokenizer = preprocessor.tokenizer
    preprocessor.build(None)  # makes its packer
    token_ids, _ = preprocessor.packer(tokenizer(SENTENCES))  # unmasked
    token_ids = keras.ops.convert_to_numpy(token_ids)
    special = np.isin(
        token_ids,
        [tokenizer.pad_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id],
    )
    selection_length = preprocessor.mask_selection_length
    rng = np.random.default_rng(seed)
    rows = rng.integers(len(SENTENCES), size=steps * batch_size)
    sampled = token_ids[rows]  # a copy (integer indexing), masked below
    batch = {
        "token_ids": sampled,
        "padding_mask": sampled != tokenizer.pad_token_id,
        "mask_positions": np.zeros((len(rows), selection_length), "int32"),
    }
    if "segment_ids" in masked_lm.backbone.input:
        batch["segment_ids"] = np.zeros_like(batch["token_ids"])
    y = np.zeros_like(batch["mask_positions"])
    sample_weight = np.zeros(y.shape, "float32")
    for i, row in enumerate(rows):
        words = np.flatnonzero(~special[row])
        chosen = words[rng.random(len(words)) < 0.15][:selection_length]
        y[i, : len(chosen)] = token_ids[row, chosen]
        sample_weight[i, : len(chosen)] = 1.0
        batch["mask_positions"][i, : len(chosen)] = chosen
        draw = rng.random(len(chosen))
        random_ids = rng.integers(tokenizer.vocabulary_size(), size=len(chosen))
        replaced = np.where(draw < 0.9, random_ids, token_ids[row, chosen])
        batch["token_ids"][i, chosen] = np.where(
            draw < 0.8, tokenizer.mask_token_id, replaced
        )
    return masked_lm.fit(
        batch,
        y,
        sample_weight=sample_weight,
        batch_size=batch_size,
        epochs=1,
        shuffle=False,
        verbose=0,
    )


def word_texts(count, length, seed=0):
    """`count` texts of `length` random words of `WORDS`."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, length)) for _ in range(count)]
