"""How well a classifier did on labeled data: accuracy, macro-F1, per-class
precision / recall / F1, the confusion matrix, and a picture of it.

    report = evaluate_classifier(classifier, texts_or_images, labels)
    print(format_classification_report(report))
    plot_confusion_matrix(report["confusion_matrix"], report["label_names"],
                          "confusion.png")

The numbers come from scikit-learn (`sklearn.metrics`); labels are class
names (strings), compared with the names a preset knows. Both classification
tasks (text classifier, ViT) are evaluated by `evaluate_classifier`, which
calls their `classify()`: the most probable class is the prediction, as in
the training records' held-out accuracy.

Shape legend: N examples, C classes.
"""

import numpy as np


def check_known_labels(labels, label_names):
    """Raises if `labels` holds a class the model does not know.

    Args:
        labels: the N true labels of the data (strings).
        label_names: the C class names of the model (a preset's classes).

    Raises:
        ValueError: naming the unknown labels (with how many examples carry
            each) and the model's classes.
    """
    known = set(label_names)
    unknown = {}
    for label in labels:
        if label not in known:
            unknown[label] = unknown.get(label, 0) + 1
    if unknown:
        listed = ", ".join(f"{label!r} ({count}x)" for label, count in unknown.items())
        raise ValueError(
            f"The data have labels the model does not know: {listed}. "
            f"Expected labels among the model's classes {list(label_names)!r}."
        )


def classification_report(true_labels, predicted_labels, label_names):
    """Accuracy, macro-F1, per-class scores and the confusion matrix.

    Per class c: precision = TP / (TP + FP), recall = TP / (TP + FN),
    F1 = 2 PR / (P + R), support = the number of true examples of c; a
    0 / 0 is 0 (scikit-learn's `zero_division=0`). The macro-F1 is the
    unweighted mean of the F1s of the classes that occur in the true or
    the predicted labels (scikit-learn's `average="macro"`); a class of
    the model that occurs in neither is listed with support 0 and left out
    of the mean.

    Args:
        true_labels: N true class names.
        predicted_labels: N predicted class names.
        label_names: the C class names, in the order of the rows and columns.

    Returns:
        dict: `num_examples` (N), `accuracy` and `macro_f1` (floats in
        [0, 1]), `per_class` (class name -> `precision`, `recall`, `f1`,
        `support`), `label_names`, and `confusion_matrix` (C lists of C
        ints: row = true class, column = predicted class).

    Raises:
        ValueError: for no examples, lists of different lengths, or a true
            or predicted label outside `label_names` (see
            `check_known_labels`).

    Example:
    >>> report = classification_report(["a", "b", "b"], ["a", "b", "a"], ["a", "b"])
    >>> report["accuracy"], report["per_class"]["a"]["precision"]
    (0.6666666666666666, 0.5)
    """
    from sklearn import metrics

    true_labels, predicted_labels = list(true_labels), list(predicted_labels)
    label_names = list(label_names)
    if len(true_labels) != len(predicted_labels) or not true_labels:
        raise ValueError(
            "Expected as many predicted as true labels (at least one). Received "
            f"{len(true_labels)} true and {len(predicted_labels)} predicted labels."
        )
    check_known_labels(true_labels, label_names)
    check_known_labels(predicted_labels, label_names)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        true_labels, predicted_labels, labels=label_names, zero_division=0
    )
    present = set(true_labels) | set(predicted_labels)
    macro_f1 = float(
        np.mean([score for name, score in zip(label_names, f1) if name in present])
    )
    matrix = metrics.confusion_matrix(true_labels, predicted_labels, labels=label_names)
    return {
        "num_examples": len(true_labels),
        "accuracy": float(metrics.accuracy_score(true_labels, predicted_labels)),
        "macro_f1": macro_f1,
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(label_names)
        },
        "label_names": label_names,
        "confusion_matrix": matrix.astype(int).tolist(),
    }


def evaluate_classifier(classifier, inputs, labels, batch_size=32, **classify_kwargs):
    """Classifies `inputs` and scores the predictions against `labels`.

    Args:
        classifier: a classification task with `label_names` and
            `classify(inputs, batch_size=...)` (`TextClassifier`,
            `VisionTransformer`).
        inputs: what its `classify()` takes: N texts, or (N, H, W, C) images.
        labels: the N true class names (numeric names as the preset writes
            them, e.g. "1" rather than "1.0").
        batch_size: inputs per forward pass.
        **classify_kwargs: further `classify()` arguments (e.g. a text
            classifier's `on_overflow`).

    Returns:
        `classification_report()`'s dict.

    Raises:
        ValueError: for labels the classifier does not know (checked before
            anything is predicted), or no inputs; `classify()`'s errors.
    """
    labels = list(labels)
    label_names = list(classifier.label_names)
    check_known_labels(labels, label_names)
    if len(inputs) != len(labels) or not labels:
        raise ValueError(
            "Expected one label per input (at least one). Received "
            f"{len(inputs)} inputs and {len(labels)} labels."
        )
    predicted, _ = classifier.classify(inputs, batch_size=batch_size, **classify_kwargs)
    return classification_report(labels, predicted, label_names)


def format_classification_report(report):
    """The report as text: a summary line and a per-class table.

    Args:
        report: `classification_report()`'s dict.

    Returns:
        str (lines without a final newline).

    Example:
    >>> print(format_classification_report(report))
    3 examples: accuracy 0.6667, macro-F1 0.6667
    class  precision  recall  f1      support
    a      0.5000     1.0000  0.6667  1
    b      1.0000     0.5000  0.6667  2
    """
    rows = [("class", "precision", "recall", "f1", "support")]
    for name, scores in report["per_class"].items():
        rows.append(
            (
                name,
                f"{scores['precision']:.4f}",
                f"{scores['recall']:.4f}",
                f"{scores['f1']:.4f}",
                str(scores["support"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        f"{report['num_examples']} examples: accuracy {report['accuracy']:.4f}, "
        f"macro-F1 {report['macro_f1']:.4f}"
    ]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def plot_confusion_matrix(matrix, label_names, path=None, title=None):
    """Draws a confusion matrix: true classes as rows, predicted as columns.

    Each cell shows its count; the colour is the share of its row (the
    recall of the row's class on the diagonal), so rare classes stay
    readable. Needs matplotlib; writes the file without a display (Agg).

    Args:
        matrix: (C, C) counts (row = true class, column = predicted class).
        label_names: the C class names, written on both axes.
        path: if given, the figure is saved there (PNG, SVG, PDF, ... by
            suffix).
        title: optional title.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: for a matrix that is not (C, C) with C the number of
            names, or negative counts.
    """
    matrix = np.asarray(matrix)
    label_names = [str(name) for name in label_names]
    size = len(label_names)
    if matrix.shape != (size, size) or (matrix.size and matrix.min() < 0):
        raise ValueError(
            f"Expected a ({size}, {size}) matrix of counts >= 0 for the classes "
            f"{label_names!r}. Received: shape={matrix.shape}"
        )
    from matplotlib.figure import Figure

    side = min(max(4.0, 0.5 * size + 2.0), 40.0)
    figure = Figure(figsize=(side + 1.0, side))
    ax = figure.add_subplot()
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(
        matrix, totals, out=np.zeros(matrix.shape, dtype="float64"), where=totals > 0
    )
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=ax, label="share of the true class")
    ax.set_xticks(range(size), label_names, rotation=45, ha="right")
    ax.set_yticks(range(size), label_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title)
    if size <= 30:  # counts stay legible
        for row in range(size):
            for column in range(size):
                ax.text(
                    column,
                    row,
                    str(int(matrix[row, column])),
                    ha="center",
                    va="center",
                    fontsize=8 if size > 12 else 10,
                    color="white" if shares[row, column] > 0.5 else "black",
                )
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure
