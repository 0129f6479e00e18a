"""GPT backbone: GPT-2 small's size, keras-hub's GPT-2 as a peer, and the
cache giving the full causal pass's outputs."""

import json

import keras
import keras_hub
import numpy as np
import pytest
from gpt_helpers import build_gpt

from applications.common.presets import PRESETS_DIR
from applications.gpt import decoding_step
from applications.gpt.backbone import GPTBackbone


def gpt2_small_config(**changes):
    path = PRESETS_DIR / "gpt2_small" / "config.json"
    return {**json.loads(path.read_text())["config"], **changes}


def test_gpt2_small_has_gpt2_small_parameter_count():
    config = gpt2_small_config()
    assert (config["num_layers"], config["num_heads"], config["hidden_dim"]) == (
        12,
        12,
        768,
    )
    # GPT-2 small with tied embeddings (Radford et al. 2019; Hugging Face's
    # GPT2LMHeadModel): 50,257 x 768 tokens + 1,024 x 768 positions
    # + 12 x (4 x 768^2 + 4 x 768 attention, 2 x 768 x 3,072 + 3,072 + 768
    # feed-forward, 4 x 768 layer norms) + 2 x 768 final layer norm.
    per_block = 4 * 768**2 + 4 * 768 + 2 * 768 * 3072 + 3072 + 768 + 4 * 768
    expected = 50257 * 768 + 1024 * 768 + 12 * per_block + 2 * 768
    assert expected == 124_439_808
    # The count is linear in the vocabulary and in the blocks: built models
    # of the preset's configuration with 1 or 2 blocks and 1,000 or 2,000
    # tokens give it, extrapolated (building all 124M weights costs seconds
    # on jax; the test below builds it once, on torch).
    counts = {
        (tokens, blocks): GPTBackbone.from_config(
            gpt2_small_config(vocabulary_size=tokens, num_layers=blocks)
        ).count_params()
        for tokens, blocks in ((1000, 1), (1000, 2), (2000, 1))
    }
    per_token = (counts[2000, 1] - counts[1000, 1]) / 1000
    built_per_block = counts[1000, 2] - counts[1000, 1]
    assert built_per_block == per_block
    extrapolated = counts[1000, 1] + 11 * built_per_block + (50257 - 1000) * per_token
    assert extrapolated == expected


def test_gpt2_small_preset_builds_with_random_weights():
    # 124M weights take seconds to initialize; one backend is enough to show
    # that the shipped configuration builds (the count above is per backend).
    if keras.config.backend() != "torch":
        pytest.skip("built on the torch backend only (124M weights)")
    backbone = GPTBackbone.from_preset("gpt2_small")
    assert backbone.count_params() == 124_439_808
    assert (backbone.num_layers, backbone.num_heads, backbone.hidden_dim) == (
        12,
        12,
        768,
    )


def test_parameter_count_equals_keras_hub_gpt2_of_the_same_size():
    config = dict(vocabulary_size=1000, num_layers=2, num_heads=4, hidden_dim=64,
                  intermediate_dim=256, max_sequence_length=128)  # fmt: skip
    ours = GPTBackbone(**config)
    peer = keras_hub.models.GPT2Backbone(**config)
    assert ours.count_params() == peer.count_params()


def _full_logits(gpt, ids):
    mask = np.ones_like(ids)
    return keras.ops.convert_to_numpy(
        gpt({"token_ids": ids, "padding_mask": mask}, training=False)
    )


def test_cached_steps_equal_the_full_causal_pass(any_gpt):
    gpt = any_gpt
    ids = np.random.default_rng(0).integers(0, 200, size=(2, 10)).astype("int32")
    expected = _full_logits(gpt, ids)
    cache = gpt.backbone.initial_cache(2, 10)
    # A prefix of 4 tokens written in one pass, then one token per step.
    logits, _, cache = gpt.call_with_cache(ids[:, :4], cache, 0)
    steps = [keras.ops.convert_to_numpy(logits)]
    for index in range(4, 10):
        logits, _, cache = gpt.call_with_cache(ids[:, index : index + 1], cache, index)
        steps.append(keras.ops.convert_to_numpy(logits))
    np.testing.assert_allclose(np.concatenate(steps, axis=1), expected, atol=1e-4)


def test_attention_rows_are_causal_distributions(any_gpt):
    gpt = any_gpt
    ids = np.arange(1, 7, dtype="int32")[None]
    scores = gpt.backbone.attention_scores(ids, np.ones_like(ids))
    assert len(scores) == gpt.backbone.num_layers
    weights = keras.ops.convert_to_numpy(scores[-1])[0]  # (H, T, T)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.allclose(np.triu(weights, k=1), 0.0)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"num_heads": 3}, "must divide `hidden_dim`"),
        ({"position": "sinusoidal"}, "`position` must be one of"),
        ({"dropout": 1.0}, "`dropout` must be in"),
        ({"num_layers": 0}, "`num_layers` must be a positive integer"),
        ({"use_bias": "no"}, "`use_bias` must be True or False"),
    ],
)
def test_bad_configs_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        build_gpt(**overrides)


@pytest.mark.parametrize("normalize_first", [True, False])
@pytest.mark.parametrize("position", ["learned", "rotary"])
def test_direct_decoding_step_equals_the_layers(position, normalize_first):
    gpt = build_gpt(position=position, normalize_first=normalize_first)
    _check_direct_decoding_step(gpt)


def test_direct_decoding_step_without_bias_equals_the_layers():
    _check_direct_decoding_step(build_gpt(use_bias=False, num_layers=1))


def _check_direct_decoding_step(gpt):
    ids = np.random.default_rng(1).integers(0, 200, size=(3, 9)).astype("int32")
    cache = gpt.backbone.initial_cache(3, 12)
    _, _, cache = gpt.call_with_cache(ids[:, :5], cache, 0)
    reference_cache = cache
    cache = decoding_step.decoding_cache(cache)
    weights = decoding_step.decoding_weights(gpt.backbone)
    for index in range(5, 9):
        token = ids[:, index : index + 1]
        expected, _, reference_cache = gpt.call_with_cache(
            token, reference_cache, index
        )
        hidden, cache = decoding_step.decoding_step(
            gpt.backbone, weights, token, cache, index
        )
        found = gpt.output_projection(hidden)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(found),
            keras.ops.convert_to_numpy(expected),
            atol=1e-5,
        )
    # (B, N, 2, H, L, D) against (B, N, 2, L, H, D)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(cache),
        keras.ops.convert_to_numpy(reference_cache).transpose(0, 1, 2, 4, 3, 5),
        atol=1e-5,
    )


def test_backbone_without_bias_has_no_biases_nor_betas_and_round_trips(tmp_path):
    gpt = build_gpt(use_bias=False, num_layers=1, sequence_length=8)
    backbone = gpt.backbone
    names = [w.path.split("/")[-1] for w in backbone.weights]
    assert "bias" not in names and "beta" not in names
    vocabulary, n, e, f, t = backbone.vocabulary_size, 1, 16, 32, 8
    # Tokens + positions, per block 4 E^2 attention + 2 E F feed-forward
    # + 2 E gains, and the final layer norm's gain.
    per_block = 4 * e**2 + 2 * e * f + 2 * e
    assert backbone.count_params() == vocabulary * e + t * e + n * per_block + e

    config = backbone.get_config()
    assert config["use_bias"] is False
    rebuilt = GPTBackbone.from_config(config)
    assert rebuilt.count_params() == backbone.count_params()

    gpt.save_to_preset(tmp_path / "preset")
    loaded = type(gpt).from_preset(tmp_path / "preset")
    assert loaded.backbone.use_bias is False
    ids = np.random.default_rng(1).integers(0, vocabulary, size=(1, 6))
    np.testing.assert_allclose(
        _full_logits(loaded, ids.astype("int32")),
        _full_logits(gpt, ids.astype("int32")),
        atol=1e-5,
    )


def test_backbone_config_without_use_bias_keeps_the_biases():
    backbone = build_gpt().backbone
    config = backbone.get_config()
    assert config["use_bias"] is True
    del config["use_bias"]  # saved before the option existed
    old = GPTBackbone.from_config(config)
    assert [w.path for w in old.weights] == [w.path for w in backbone.weights]
    assert "final_layer_norm/beta" in [w.path for w in old.weights]
