"""The shipped eng-cmn translator presets against their records: the
Transformer preset's held-out BLEU, recomputed from its split seed, is the
recorded one and above the GRU + attention preset's recorded BLEU."""

import json

import pytest

from applications.common.presets import PRESETS_DIR

TRANSFORMER = PRESETS_DIR / "translator_tiny_en_zh"
RNN = PRESETS_DIR / "translator_rnn_tiny_en_zh"


def record(preset):
    return json.loads((preset / "metadata.json").read_text(encoding="utf-8"))


def test_transformer_preset_beats_the_rnn_preset_on_held_out_pairs(shared_data):
    from applications.data.translation_pairs import (
        load_translation_pairs,
        split_pairs_by_source,
    )
    from applications.translator.evaluation import score_translator
    from applications.translator.task import Translator

    metadata = record(TRANSFORMER)
    sources, targets = load_translation_pairs(
        shared_data / "translation" / "eng-cmn.tsv"
    )
    *_, (test_sources, test_references) = split_pairs_by_source(
        sources, targets, seed=metadata["split_seed"]
    )
    assert len(test_sources) == metadata["split_sizes"]["test"]
    scores = score_translator(
        Translator.from_preset(str(TRANSFORMER)), test_sources, test_references
    )
    recorded = metadata["held_out_test"]
    assert scores["bleu"] == pytest.approx(recorded["bleu"], abs=0.3)
    assert scores["chrf"] == pytest.approx(recorded["chrf"], abs=0.3)
    rnn = record(RNN)["held_out_test"]
    assert scores["bleu"] > rnn["bleu"]
    assert scores["chrf"] > rnn["chrf"]
