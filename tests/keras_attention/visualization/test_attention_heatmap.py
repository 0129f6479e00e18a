import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from keras_attention.visualization import plot_attention_heatmap  # noqa: E402


def test_draws_the_weights_with_token_labels(tmp_path):
    weights = np.random.default_rng(0).random((3, 4)).astype("float32")
    path = tmp_path / "heatmap.png"
    figure = plot_attention_heatmap(
        weights, ["a", "b", "c"], ["w", "x", "y", "z"], title="t", path=path
    )
    ax = figure.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), weights)
    assert [label.get_text() for label in ax.get_xticklabels()] == list("wxyz")
    assert [label.get_text() for label in ax.get_yticklabels()] == list("abc")
    assert path.stat().st_size > 0


def test_heads_are_averaged_or_picked():
    scores = np.random.default_rng(1).random((1, 2, 3, 4)).astype("float32")
    mean = plot_attention_heatmap(scores).axes[0].images[0].get_array()
    np.testing.assert_allclose(mean, scores[0].mean(axis=0), rtol=1e-6)
    second = plot_attention_heatmap(scores, head=1).axes[0].images[0].get_array()
    np.testing.assert_allclose(second, scores[0, 1])


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="key_tokens.*Received: 2 labels, expected 4"):
        plot_attention_heatmap(np.zeros((3, 4)), key_tokens=["a", "b"])
    with pytest.raises(ValueError, match=r"scores.shape=\(5,\)"):
        plot_attention_heatmap(np.zeros(5))


def test_chinese_labels_render_with_a_cjk_font(recwarn):
    figure = plot_attention_heatmap(
        np.full((2, 3), 1 / 3), ["我", "茶"], ["i", "like", "tea"]
    )
    figure.canvas.draw()
    missing = [str(w.message) for w in recwarn if "missing from" in str(w.message)]
    assert not missing, missing
    font = figure.axes[0].get_yticklabels()[0].get_fontname()
    assert "CJK" in font or font in ("SimHei", "WenQuanYi Micro Hei"), font
