"""BERT backbone: BERT-base's size from its preset, keras-hub's BertBackbone
as a peer, outputs and the checks of its configuration."""

import keras
import keras_hub
import numpy as np
import pytest

from applications.bert.backbone import BertBackbone

TINY = dict(vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=16,
            intermediate_dim=32, max_sequence_length=12)  # fmt: skip


@pytest.fixture(scope="module")
def bert_base():
    """BERT-base with random weights, built once (about 20 s on one core)."""
    return BertBackbone.from_preset("bert_base_uncased")


def test_bert_base_uncased_has_bert_base_parameter_count(bert_base):
    # Devlin et al. (2019) BERT-base, counted as Google's reference code (and
    # Hugging Face's BertModel, keras-hub's BertBackbone) counts it.
    embeddings = 30522 * 768 + 512 * 768 + 2 * 768 + 2 * 768
    per_block = 4 * (768 * 768 + 768) + 2 * 768 * 3072 + 3072 + 768 + 4 * 768
    pooler = 768 * 768 + 768
    expected = embeddings + 12 * per_block + pooler
    assert expected == 109_482_240
    assert bert_base.count_params() == expected
    sizes = (bert_base.num_layers, bert_base.num_heads, bert_base.hidden_dim,
             bert_base.intermediate_dim, bert_base.max_sequence_length,
             bert_base.num_segments, bert_base.vocabulary_size)  # fmt: skip
    assert sizes == (12, 12, 768, 3072, 512, 2, 30522)
    assert bert_base.use_pooler


def test_bert_base_weights_start_from_truncated_normal_0_02(bert_base):
    table = keras.ops.convert_to_numpy(bert_base.token_embedding.embeddings)
    assert abs(float(table.std()) - 0.02 * 0.88) < 1e-3  # truncated at 2 sigma
    # Keras' torch backend truncates approximately: a very few values pass 2 sigma.
    assert float(np.mean(np.abs(table) > 0.04)) < 1e-3


def test_parameter_count_equals_keras_hub_bert_of_the_same_size():
    ours = BertBackbone(**TINY)
    peer = keras_hub.models.BertBackbone(**TINY)
    assert ours.count_params() == peer.count_params()


def _inputs(batch=2, length=12, segments=True):
    rng = np.random.default_rng(0)
    inputs = {"token_ids": rng.integers(0, 100, (batch, length)).astype("int32")}
    if segments:
        inputs["segment_ids"] = np.repeat([[0] * 6 + [1] * 6], batch, 0)
    mask = np.ones((batch, length), "int32")
    mask[1, 9:] = 0
    inputs["padding_mask"] = mask
    return inputs


def test_outputs_are_named_and_shaped_as_keras_hub_bert():
    backbone = BertBackbone(**TINY)
    assert set(backbone.input) == {"token_ids", "segment_ids", "padding_mask"}
    outputs = backbone(_inputs())
    assert tuple(outputs["sequence_output"].shape) == (2, 12, 16)
    assert tuple(outputs["pooled_output"].shape) == (2, 16)
    pooled = keras.ops.convert_to_numpy(outputs["pooled_output"])
    first = keras.ops.convert_to_numpy(outputs["sequence_output"])[:, 0]
    dense = backbone.pooled_dense
    expected = np.tanh(
        first @ keras.ops.convert_to_numpy(dense.kernel)
        + keras.ops.convert_to_numpy(dense.bias)
    )
    np.testing.assert_allclose(pooled, expected, atol=1e-5)


def test_tanh_gelu_backbone_equals_keras_hub_bert_with_its_weights():
    """keras-hub's BertBackbone (tanh GELU) is the reference: its weights,
    copied by name into ours with `activation="gelu_approximate"`, give the
    same outputs; the default exact GELU differs from it by little."""
    keras.utils.set_random_seed(1)
    peer = keras_hub.models.BertBackbone(**TINY)
    peer_weights = {
        weight.path.replace("transformer_layer_", "transformer_encoder_block_").replace(
            "self_attention_layer/", "self_attention/"
        ): weight
        for weight in peer.weights
    }
    inputs = _inputs()
    expected = peer(inputs)
    outputs = {}
    for activation in ("gelu_approximate", "gelu"):
        ours = BertBackbone(**TINY, activation=activation)
        assert sorted(weight.path for weight in ours.weights) == sorted(peer_weights)
        for weight in ours.weights:
            weight.assign(peer_weights[weight.path])
        outputs[activation] = ours(inputs)
    mask = inputs["padding_mask"].astype(bool)
    for name in ("sequence_output", "pooled_output"):
        reference = keras.ops.convert_to_numpy(expected[name])
        tanh, exact = (
            keras.ops.convert_to_numpy(outputs[activation][name])
            for activation in ("gelu_approximate", "gelu")
        )
        if name == "sequence_output":  # padded positions: zeroed in ours
            reference, tanh, exact = reference[mask], tanh[mask], exact[mask]
        np.testing.assert_allclose(tanh, reference, atol=1e-5)
        assert 0 < np.abs(exact - reference).max() < 1e-2


def test_segment_ids_change_the_output_and_padding_does_not_leak():
    backbone = BertBackbone(**TINY)
    inputs = _inputs()
    base = keras.ops.convert_to_numpy(backbone(inputs)["sequence_output"])
    other = dict(inputs, segment_ids=1 - inputs["segment_ids"])
    changed = keras.ops.convert_to_numpy(backbone(other)["sequence_output"])
    assert not np.allclose(base, changed)
    padded = dict(inputs, token_ids=inputs["token_ids"].copy())
    padded["token_ids"][1, 9:] = 0
    moved = keras.ops.convert_to_numpy(backbone(padded)["sequence_output"])
    np.testing.assert_allclose(moved[1, :9], base[1, :9], atol=1e-5)


def test_without_segments_or_pooler():
    backbone = BertBackbone(**TINY, num_segments=0, use_pooler=False)
    assert set(backbone.input) == {"token_ids", "padding_mask"}
    outputs = backbone(_inputs(segments=False))
    assert set(outputs) == {"sequence_output"}
    assert backbone.count_params() == BertBackbone(**TINY).count_params() - (
        2 * 16 + 16 * 16 + 16
    )


def test_config_round_trip():
    backbone = BertBackbone(
        **TINY, num_segments=3, dropout=0.2, activation="gelu_approximate"
    )
    restored = BertBackbone.from_config(backbone.get_config())
    assert restored.get_config() == backbone.get_config()
    assert restored.num_segments == 3
    assert restored.activation == "gelu_approximate"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"num_layers": 0}, "`num_layers` must be a positive integer"),
        ({"num_heads": 3}, "`num_heads` must divide `hidden_dim`"),
        ({"num_segments": -1}, "`num_segments` must be a non-negative integer"),
        ({"num_segments": 1.5}, "`num_segments` must be a non-negative integer"),
        ({"use_pooler": "yes"}, "`use_pooler` must be True or False"),
        ({"dropout": 1.0}, r"`dropout` must be in \[0, 1\)"),
        ({"activation": "relu"}, "`activation` must be one of .*'gelu_approximate'"),
        ({"activation": ["gelu"]}, "`activation` must be one of"),
    ],
)
def test_bad_configs_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        BertBackbone(**{**TINY, **change})
