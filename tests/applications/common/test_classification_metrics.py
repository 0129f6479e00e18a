"""Classification metrics against hand-computed numbers; the confusion matrix
picture."""

import matplotlib.image
import numpy as np
import pytest

from applications.common.classification_metrics import (
    check_known_labels,
    classification_report,
    format_classification_report,
    plot_confusion_matrix,
)

# Six examples, four classes ("d" never occurs).
TRUE = ["a", "a", "a", "b", "b", "c"]
PREDICTED = ["a", "a", "b", "b", "c", "c"]
NAMES = ["a", "b", "c", "d"]


def test_report_matches_hand_computed_scores():
    report = classification_report(TRUE, PREDICTED, NAMES)
    # a: TP 2, FP 0, FN 1 -> P 1, R 2/3, F1 2 * (2/3) / (5/3) = 0.8
    # b: TP 1 (4th), FP 1 (3rd), FN 1 (5th) -> P 1/2, R 1/2, F1 1/2
    # c: TP 1, FP 1 (5th), FN 0 -> P 1/2, R 1, F1 2 * 0.5 / 1.5 = 2/3
    # d: no true and no predicted example -> 0 / 0 = 0, support 0
    expected = {
        "a": (1.0, 2 / 3, 0.8, 3),
        "b": (0.5, 0.5, 0.5, 2),
        "c": (0.5, 1.0, 2 / 3, 1),
        "d": (0.0, 0.0, 0.0, 0),
    }
    for name, (precision, recall, f1, support) in expected.items():
        scores = report["per_class"][name]
        assert scores["precision"] == pytest.approx(precision)
        assert scores["recall"] == pytest.approx(recall)
        assert scores["f1"] == pytest.approx(f1)
        assert scores["support"] == support
    assert report["num_examples"] == 6
    assert report["accuracy"] == pytest.approx(4 / 6)
    # The mean over the classes that occur (a, b, c): d is left out.
    assert report["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert report["confusion_matrix"] == [
        [2, 1, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 0],
    ]
    assert report["label_names"] == NAMES


def test_report_text_has_a_row_per_class():
    text = format_classification_report(classification_report(TRUE, PREDICTED, NAMES))
    lines = text.splitlines()
    assert lines[0] == "6 examples: accuracy 0.6667, macro-F1 0.6556"
    assert lines[1].split() == ["class", "precision", "recall", "f1", "support"]
    assert lines[2].split() == ["a", "1.0000", "0.6667", "0.8000", "3"]
    assert lines[5].split() == ["d", "0.0000", "0.0000", "0.0000", "0"]


def test_unknown_labels_are_named_with_the_classes():
    with pytest.raises(ValueError, match=r"'x' \(2x\), 'y' \(1x\).*\['a', 'b'\]"):
        check_known_labels(["a", "x", "y", "x"], ["a", "b"])
    with pytest.raises(ValueError, match="'e'"):
        classification_report(["a", "e"], ["a", "a"], NAMES)
    with pytest.raises(ValueError, match="2 true and 1 predicted"):
        classification_report(["a", "b"], ["a"], NAMES)
    with pytest.raises(ValueError, match="0 true and 0 predicted"):
        classification_report([], [], NAMES)


def test_confusion_matrix_picture_is_a_png(tmp_path):
    report = classification_report(TRUE, PREDICTED, NAMES)
    path = tmp_path / "confusion.png"
    figure = plot_confusion_matrix(
        report["confusion_matrix"], NAMES, path, title="test"
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and min(pixels.shape[:2]) > 100
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == NAMES
    assert [label.get_text() for label in axes.get_yticklabels()] == NAMES
    counts = [text.get_text() for text in axes.texts]
    assert counts == [str(n) for n in np.ravel(report["confusion_matrix"])]


def test_confusion_matrix_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"\(3, 3\) matrix.*shape=\(2, 2\)"):
        plot_confusion_matrix([[1, 0], [0, 1]], ["a", "b", "c"])
