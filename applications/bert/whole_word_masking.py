"""Whole-word masking of BERT's masked language model, in TensorFlow ops
(it runs inside `tf.data`, like keras-hub's `MaskedLMMaskGenerator`).

Shape legend: B batch, T sequence length, W word slots (T: a sequence has at
most T words), P `mask_selection_length`.
"""

import random
import re
import unicodedata

import keras
import keras_hub
import numpy as np

from applications.bert.tokenizer import SPACE_PIECE

# A byte-fallback piece ("<0xE4>"): a part of a character, inside a word.
_BYTE_PIECE = re.compile(r"<0x[0-9A-Fa-f]{2}>")
# Scripts written without spaces: each character is a word of its own, as
# BERT's BasicTokenizer puts spaces around CJK ideographs (kana too here).
_STANDALONE_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2FA1F),  # CJK Extensions B-F, Compatibility Supplement
)


def is_standalone_character(char):
    """Whether `char` is a word by itself: a punctuation mark (BERT's
    `_is_punctuation`: Unicode category P*, or an ASCII symbol) or a
    character of a script written without spaces (CJK ideographs, kana)."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    if unicodedata.category(char).startswith("P"):
        return True
    return any(start <= code <= end for start, end in _STANDALONE_RANGES)


def word_boundaries(pieces):
    """Which pieces begin and which end a word, by their text.

    A piece begins a word if its first character is SentencePiece's space
    `"\u2581"`, another space (e.g. `"\\n"`) or a standalone character
    (`is_standalone_character`); it ends one if its last character is a
    space other than `"\u2581"` (which belongs to the word after it) or a
    standalone character. A byte-fallback piece does neither (it spells
    part of a character).

    Args:
        pieces: the vocabulary, a list of strings in id order.

    Returns:
        `(begins, ends)`: bool numpy arrays (V,).
    """
    begins = np.zeros(len(pieces), bool)
    ends = np.zeros(len(pieces), bool)
    for index, piece in enumerate(pieces):
        if not piece or _BYTE_PIECE.fullmatch(piece):
            continue
        first, last = piece[0], piece[-1]
        begins[index] = first.isspace() or first == SPACE_PIECE
        begins[index] |= is_standalone_character(first)
        ends[index] = last != SPACE_PIECE and (
            last.isspace() or is_standalone_character(last)
        )
    return begins, ends


class WholeWordMaskGenerator(keras_hub.layers.MaskedLMMaskGenerator):
    """keras-hub's `MaskedLMMaskGenerator`, choosing whole words.

    A word is a run of pieces between word boundaries: a piece that begins
    a word (it starts with SentencePiece's space `"\u2581"`, or is
    punctuation or a CJK character), a piece after one that ends a word,
    or a piece after a special token. As in BERT's whole-word masking
    (Google's `create_pretraining_data.py`), each sequence gets a budget of
    `ceil(mask_selection_rate x selectable tokens)` tokens (at most
    `mask_selection_length`, the count keras-hub's masking chooses), and
    its words are taken in a random order while their pieces fit in the
    budget. Where BERT then skips the word that would cross the budget and
    tries the next ones (a bias against long words, and ~13% of the tokens
    when words are ~3 pieces), that word is taken here with probability
    (room left) / (its length), never beyond `mask_selection_length`: the
    expected count is the budget, ~15% of the tokens, and no word is
    masked in part. Each chosen piece is then replaced on its own (80%
    `[MASK]`, 10% a random token, 10% kept), as BERT's whole-word masking
    does: the decision is per token, not per word.

    Args:
        word_begins, word_ends: bool arrays (V,), see `word_boundaries`.
        **kwargs: `keras_hub.layers.MaskedLMMaskGenerator`'s arguments;
            `mask_selection_length` must be set.

    Call arguments:
        inputs: token ids (B, T) or (T,), packed (dense).

    Returns:
        dict of `"token_ids"` (B, T) masked, `"mask_positions"` (B, P) in
        increasing order, `"mask_ids"` (B, P) the original tokens there,
        `"mask_weights"` (B, P) 1 where a position was chosen; padding is 0.
    """

    def __init__(self, word_begins, word_ends, **kwargs):
        super().__init__(**kwargs)
        self.word_begins = np.asarray(word_begins, bool)
        self.word_ends = np.asarray(word_ends, bool)

    def call(self, inputs):
        import tensorflow as tf

        eager = not self._use_tf_workflow()
        if eager:  # a backend tensor from keras-hub's Python path
            inputs = tf.convert_to_tensor(
                np.asarray(keras.ops.convert_to_numpy(inputs))
            )
        with tf.device("cpu"):
            token_ids = tf.cast(inputs, "int32")
            unbatched = token_ids.shape.rank == 1
            if unbatched:
                token_ids = token_ids[tf.newaxis]
            if eager:
                # Drawn from Python's `random`, as keras-hub's Python path.
                rng = np.random.default_rng(random.getrandbits(64))
                shape = tuple(token_ids.shape)

                def uniform():
                    return tf.constant(rng.random(shape, "float32"))

                def integers(maxval):
                    return tf.constant(rng.integers(0, maxval, shape, "int32"))

            else:
                shape = tf.shape(token_ids)

                def uniform():
                    return tf.random.uniform(shape)

                def integers(maxval):
                    return tf.random.uniform(shape, maxval=maxval, dtype="int32")

            outputs = self._masks(token_ids, uniform, integers)
            if unbatched:
                outputs = {key: value[0] for key, value in outputs.items()}
        if eager:
            outputs = {
                key: keras.ops.convert_to_tensor(value.numpy())
                for key, value in outputs.items()
            }
        return outputs

    def _masks(self, token_ids, uniform, integers):
        """The masking of (B, T) `token_ids`; `uniform()` and
        `integers(maxval)` draw (B, T) random numbers."""
        import tensorflow as tf

        batch, length = tf.shape(token_ids)[0], tf.shape(token_ids)[1]
        unselectable = tf.constant(list(self.unselectable_token_ids), "int32")
        selectable = tf.reduce_all(
            token_ids[:, :, tf.newaxis] != unselectable, axis=-1
        )  # (B, T)
        begins = tf.gather(self.word_begins, token_ids)  # (B, T)
        ends = tf.gather(self.word_ends, token_ids) | ~selectable
        after_end = tf.pad(ends[:, :-1], [[0, 0], [1, 0]], constant_values=True)
        starts = selectable & (begins | after_end)
        # Each token's word slot; the special tokens share the extra slot T.
        word = tf.cumsum(tf.cast(starts, "int32"), axis=1) - 1  # (B, T)
        word = tf.where(selectable, word, length)
        slots = length + 1
        offsets = slots * tf.range(batch)[:, tf.newaxis]
        word_lengths = tf.math.unsorted_segment_sum(
            tf.ones_like(word), word + offsets, batch * slots
        )
        word_lengths = tf.reshape(word_lengths, [batch, slots])[:, :length]  # (B, W)

        # The budget of each sequence, as keras-hub's (tf_text's) count.
        count = tf.reduce_sum(tf.cast(selectable, "float32"), axis=1)  # (B,)
        budget = tf.math.ceil(count * self.mask_selection_rate)
        budget = tf.minimum(budget, self.mask_selection_length)[:, tf.newaxis]
        # The words in a random order, taken while they fit in the budget;
        # the one that would cross it with probability (room left) / (its
        # length), so that the expected count is the budget.
        order = tf.argsort(uniform(), axis=1)  # (B, W)
        lengths = tf.cast(tf.gather(word_lengths, order, batch_dims=1), "float32")
        after = tf.cumsum(lengths, axis=1)  # (B, W): tokens chosen up to a word
        before = after - lengths
        crossing = (before < budget) & (after > budget)
        lucky = uniform() * lengths < budget - before
        taken = (lengths > 0) & (
            (after <= budget)
            | (crossing & lucky & (after <= self.mask_selection_length))
        )
        taken = tf.gather(taken, tf.argsort(order, axis=1), batch_dims=1)
        taken = tf.pad(taken, [[0, 0], [0, 1]])  # the special tokens' slot
        chosen = tf.gather(taken, word, batch_dims=1)  # (B, T)

        # 80% [MASK], 10% a random token, 10% unchanged: per token.
        draw = uniform()
        random_ids = integers(self.vocabulary_size)
        mask_rate = self.mask_token_rate
        values = tf.where(
            draw < mask_rate,
            self.mask_token_id,
            tf.where(draw < mask_rate + self.random_token_rate, random_ids, token_ids),
        )
        masked = tf.where(chosen, values, token_ids)

        # The chosen positions first, in order, padded (with T) to P.
        positions = tf.where(chosen, tf.range(length)[tf.newaxis], length)
        positions = tf.sort(positions, axis=1)
        width = self.mask_selection_length
        positions = tf.pad(positions, [[0, 0], [0, width]], constant_values=length)
        positions = positions[:, :width]  # (B, P)
        weights = positions < length
        positions = tf.where(weights, positions, 0)
        mask_ids = tf.where(weights, tf.gather(token_ids, positions, batch_dims=1), 0)
        return {
            "token_ids": masked,
            "mask_positions": positions,
            "mask_ids": mask_ids,
            "mask_weights": tf.cast(weights, self.compute_dtype),
        }
