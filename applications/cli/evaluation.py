"""Options and output the `evaluate` commands of the classifiers share.

    keras-attention evaluate classifier --preset P --data test.tsv --plot c.png
    keras-attention evaluate vit --preset P --dataset digits --plot c.png

Imports no Keras: the hooks add these options before `--backend` is read.
"""


def add_plot_argument(parser):
    """`--plot PATH`: where to draw the confusion matrix (PNG, ...)."""
    parser.add_argument(
        "--plot",
        metavar="PATH",
        help="also draw the confusion matrix there (PNG; SVG or PDF by suffix)",
    )


def print_classification_report(report, data, plot=None):
    """Prints a classification report: a summary line, the per-class table
    and one JSON line of all the numbers; draws the confusion matrix to
    `plot` when given.

    Args:
        report: `applications.common.classification_metrics
            .classification_report()`'s dict.
        data: what was evaluated (a path or a data set name), printed first.
        plot: a picture's path, or None.

    Returns:
        0, the exit status.
    """
    import json

    from applications.common.classification_metrics import (
        format_classification_report,
        plot_confusion_matrix,
    )

    print(f"{data}: {format_classification_report(report)}")
    if plot:
        plot_confusion_matrix(
            report["confusion_matrix"],
            report["label_names"],
            plot,
            title=f"{data}: accuracy {report['accuracy']:.1%}",
        )
        print(f"Wrote the confusion matrix to {plot!r}")
    print(json.dumps(report, ensure_ascii=False))
    return 0
