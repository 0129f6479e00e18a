"""`TranslatorPreprocessor(pad_to_multiple_of=m)`: batches padded only to
their longest sentence (rounded up to a multiple of m) give the same
logits on the real tokens and the same per-token loss as full padding."""

import keras
import numpy as np
import pytest
from translator_helpers import SOURCES, TARGETS

from applications.translator.preprocessor import TranslatorPreprocessor
from applications.translator.training import TranslatorTrainingConfig, training_loss

PAIRS = (SOURCES[:3], TARGETS[:3])
# On jax, compiled with few XLA optimizations (see tests/conftest.py): the
# eager calls on three batch shapes compile in about half the time.
JAX_FEW_OPTIMIZATIONS = True


def padded(translator, multiple):
    translator.preprocessor.pad_to_multiple_of = multiple
    try:
        return translator.preprocessor(*PAIRS)
    finally:
        translator.preprocessor.pad_to_multiple_of = None


@pytest.mark.parametrize("multiple", [1, 4, 8])
def test_batches_are_cut_to_their_longest_sentence(any_translator, multiple):
    x, y, weights = padded(any_translator, None)
    cut_x, cut_y, cut_weights = padded(any_translator, multiple)
    for side, mask in (("encoder", x["encoder_padding_mask"]), ("decoder", weights)):
        longest = int(np.asarray(mask).sum(axis=-1).max())
        full = mask.shape[-1]
        expected = min(-(-longest // multiple) * multiple, full)
        assert cut_x[f"{side}_token_ids"].shape == (3, expected)
        # Only padding (and the decoder's reading of [END], which has no
        # label) is left out, and the kept part is unchanged.
        assert not np.asarray(mask)[:, expected:].any()
        np.testing.assert_array_equal(
            cut_x[f"{side}_token_ids"], x[f"{side}_token_ids"][:, :expected]
        )
    np.testing.assert_array_equal(cut_y, y[:, : cut_y.shape[1]])
    np.testing.assert_array_equal(cut_weights, weights[:, : cut_y.shape[1]])


def test_cut_batches_give_the_same_logits_and_loss(any_translator):
    x, y, weights = padded(any_translator, None)
    cut_x, cut_y, cut_weights = padded(any_translator, 1)
    assert cut_y.shape[1] < y.shape[1]
    logits = keras.ops.convert_to_numpy(any_translator(x))
    cut_logits = keras.ops.convert_to_numpy(any_translator(cut_x))
    real = np.asarray(cut_weights, bool)
    np.testing.assert_allclose(
        cut_logits[real], logits[:, : cut_y.shape[1]][real], atol=1e-4
    )
    loss = training_loss(TranslatorTrainingConfig(data="p.tsv", output="o"))
    # The per-token mean: sum(w * -log p_y) / sum(w), as numpy computes it.
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    token = -np.take_along_axis(log_p, np.asarray(y)[..., None], -1)[..., 0]
    w = np.asarray(weights, "float32")
    expected = (token * w).sum() / w.sum()
    assert float(loss(y, logits, sample_weight=weights)) == pytest.approx(
        expected, 1e-4
    )
    assert float(loss(cut_y, cut_logits, sample_weight=cut_weights)) == pytest.approx(
        expected, 1e-4
    )


def test_the_option_is_saved_and_checked(any_translator):
    config = any_translator.preprocessor.get_config()
    config["pad_to_multiple_of"] = 8
    preprocessor = TranslatorPreprocessor.from_config(config)
    assert preprocessor.pad_to_multiple_of == 8
    for bad in (0, -8, 2.5, "8"):
        config["pad_to_multiple_of"] = bad
        with pytest.raises(ValueError, match=rf"pad_to_multiple_of={bad!r}"):
            TranslatorPreprocessor.from_config(config)
