"""Fit, save_to_preset / from_preset round trips, across backends too."""

import json

import keras
import numpy as np
import pytest
from translator_helpers import SOURCES, TARGETS, build_translator

from applications import Translator
from applications.translator.preprocessor import TranslatorPreprocessor

# On jax, compiled with few XLA optimizations (see tests/conftest.py): one
# training step and a few predictions compile in less time.
JAX_FEW_OPTIMIZATIONS = True


def backbone_logits(translator, sources=SOURCES[:3]):
    packed = translator.preprocessor.generate_preprocess(sources)
    return np.asarray(translator.backbone.predict_on_batch(packed))


def test_fit_one_step_then_save_and_reload(tmp_path):
    translator = build_translator("transformer")
    before = [keras.ops.convert_to_numpy(w) for w in translator.backbone.weights]
    translator.fit(x=SOURCES, y=TARGETS, batch_size=6, epochs=1, verbose=0)
    after = [keras.ops.convert_to_numpy(w) for w in translator.backbone.weights]
    assert any(not np.allclose(a, b) for a, b in zip(before, after))

    translator.save_to_preset(tmp_path / "preset", metadata={"note": "test"})
    files = {path.name for path in (tmp_path / "preset").iterdir()}
    expected = {"config.json", "model.weights.h5", "metadata.json", "task.json"}
    assert expected | {"preprocessor.json", "target_tokenizer.json"} <= files
    reloaded = Translator.from_preset(tmp_path / "preset")
    np.testing.assert_allclose(
        backbone_logits(reloaded), backbone_logits(translator), atol=1e-6
    )
    metadata = json.loads((tmp_path / "preset" / "metadata.json").read_text())
    assert metadata["note"] == "test" and metadata["task"] == "Translator"


def test_shared_vocabulary_rnn_preset_round_trip(tmp_path):
    translator = build_translator("rnn_attention", shared_vocabulary=True)
    translator.save_to_preset(tmp_path / "preset")
    assert not (tmp_path / "preset" / "target_tokenizer.json").exists()
    reloaded = Translator.from_preset(tmp_path / "preset")
    assert reloaded.backbone.architecture == "rnn_attention"
    assert reloaded.backbone.source_vocabulary_size is None
    np.testing.assert_allclose(
        backbone_logits(reloaded), backbone_logits(translator), atol=1e-6
    )
    preprocessor = TranslatorPreprocessor.from_preset(tmp_path / "preset")
    x, y, weights = preprocessor(SOURCES[:1], TARGETS[:1])
    assert np.asarray(x["decoder_token_ids"])[0, 0] == 2  # [START]
    # Labels are the decoder inputs shifted left by one.
    np.testing.assert_array_equal(
        np.asarray(y)[0, :-1], np.asarray(x["decoder_token_ids"])[0, 1:]
    )


def test_preset_loads_on_another_backend(
    tmp_path, run_on_backend, other_backend, transformer_translator
):
    translator = transformer_translator
    preset = tmp_path / "preset"
    translator.save_to_preset(preset)
    logits = backbone_logits(translator)
    result = run_on_backend(
        other_backend,
        f"""
        import json
        import numpy as np
        from applications import Translator
        translator = Translator.from_preset({str(preset)!r})
        packed = translator.preprocessor.generate_preprocess({SOURCES[:3]!r})
        logits = np.asarray(translator.backbone.predict_on_batch(packed))
        print(json.dumps({{"logits": logits.tolist()}}))
        """,
    )
    np.testing.assert_allclose(np.array(result["logits"]), logits, atol=1e-4)


def test_bad_inputs_are_rejected(transformer_translator):
    translator = transformer_translator
    with pytest.raises(ValueError, match="empty string at index 1"):
        translator.translate(["I like tea.", "  "])
    with pytest.raises(ValueError, match="at least one text"):
        translator.translate([])
    with pytest.raises(ValueError, match="num_beams"):
        translator.translate(["I like tea."], num_beams=0)
    with pytest.raises(ValueError, match="decoder_text"):
        translator.preprocessor(["I like tea."], [""])
    with pytest.raises(ValueError, match="Unknown preset.*translator_tiny_en_zh"):
        Translator.from_preset("translator_huge_en_zh")


def test_missing_weights_file_is_named(tmp_path, transformer_translator):
    translator = transformer_translator
    translator.save_to_preset(tmp_path / "preset")
    (tmp_path / "preset" / "model.weights.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="model.weights.h5"):
        Translator.from_preset(tmp_path / "preset")


def test_backbone_and_preprocessor_must_agree(transformer_translator):
    translator = transformer_translator
    small = translator.backbone.__class__(
        vocabulary_size=5, source_vocabulary_size=5, num_layers=1, num_heads=2,
        hidden_dim=8, intermediate_dim=8, max_sequence_length=12,
    )  # fmt: skip
    with pytest.raises(ValueError, match="target tokenizer has"):
        Translator(small, translator.preprocessor)
