"""The shipped eng-cmn translator presets against their records: each
preset's held-out BLEU and chrF (greedy), recomputed from its split seed, are
the recorded ones, both presets share that split, and the Transformer's
recomputed scores are above the GRU + attention preset's recorded ones
(docs/translator.md, "Transformer against GRU + attention")."""

import functools

import pytest

from applications.common.presets import PRESETS_DIR, load_preset_metadata

PRESETS = ("translator_tiny_en_zh", "translator_rnn_tiny_en_zh")


def test_presets_share_one_held_out_split():
    transformer, rnn = (load_preset_metadata(preset) for preset in PRESETS)
    for key in ("split_seed", "split_sizes", "training_data"):
        assert transformer[key] == rnn[key]


@functools.cache
def held_out_scores(shared_data, preset):
    """The preset's greedy BLEU and chrF on the held-out split, recomputed
    from the split seed it recorded (training never read these pairs)."""
    from applications.data.translation_pairs import (
        load_translation_pairs,
        split_pairs_by_source,
    )
    from applications.translator.evaluation import score_translator
    from applications.translator.task import Translator

    metadata = load_preset_metadata(preset)
    sources, targets = load_translation_pairs(
        shared_data / "translation" / "eng-cmn.tsv"
    )
    *_, (test_sources, test_references) = split_pairs_by_source(
        sources, targets, seed=metadata["split_seed"]
    )
    assert len(test_sources) == metadata["split_sizes"]["test"] == 2916
    return score_translator(
        Translator.from_preset(str(PRESETS_DIR / preset)),
        test_sources,
        test_references,
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_held_out_scores_are_the_recorded_ones(shared_data, preset):
    scores = held_out_scores(shared_data, preset)
    recorded = load_preset_metadata(preset)["held_out_test"]
    assert recorded["decoding"] == "greedy"
    assert scores["bleu"] == pytest.approx(recorded["bleu"], abs=0.3)
    assert scores["chrf"] == pytest.approx(recorded["chrf"], abs=0.3)


def test_transformer_beats_the_rnn_on_the_held_out_split(shared_data):
    transformer = held_out_scores(shared_data, "translator_tiny_en_zh")
    rnn = load_preset_metadata("translator_rnn_tiny_en_zh")["held_out_test"]
    assert rnn["decoding"] == "greedy"
    assert transformer["bleu"] > 30
    assert transformer["bleu"] > rnn["bleu"]
    assert transformer["chrf"] > rnn["chrf"]
