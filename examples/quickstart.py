"""Quickstart: the presets shipped in the package, on any backend, offline.

    KERAS_BACKEND=jax python examples/quickstart.py [--output-dir runs/quickstart]

Translates English to Chinese with the Transformer and with the GRU +
additive-attention translator, classifies movie-review sentences, classifies
handwritten digits with the Vision Transformer, and draws where the
translator looks: a heatmap of its cross-attention for each sentence (PNG).
"""

import argparse
import os
import sys
from pathlib import Path

SENTENCES = ["I like tea.", "Where is the station?", "Tom is my friend."]
REVIEWS = [
    "a gorgeous, witty, seductive movie.",
    "the plot is a mess and the acting is worse.",
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default="runs/quickstart")
    args = parser.parse_args(argv)
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    import keras
    import matplotlib

    matplotlib.use("Agg")  # files only, no window

    from applications import TextClassifier, Translator, VisionTransformer
    from applications.data.images import load_digits
    from keras_attention.visualization import plot_attention_heatmap

    print(f"Keras {keras.__version__} on {keras.config.backend()}\n")

    print("== English -> Chinese")
    transformer = Translator.from_preset("translator_tiny_en_zh")
    rnn = Translator.from_preset("translator_rnn_tiny_en_zh")
    for sentence, by_transformer, by_rnn in zip(
        SENTENCES, transformer.translate(SENTENCES), rnn.translate(SENTENCES)
    ):
        print(f"{sentence:24} Transformer: {by_transformer}   GRU+attention: {by_rnn}")

    for index, sentence in enumerate(SENTENCES):
        attention = transformer.cross_attention(sentence)
        path = output_dir / f"attention_{index}.png"
        figure = plot_attention_heatmap(
            attention["weights"],
            query_tokens=attention["target_tokens"],
            key_tokens=attention["source_tokens"],
            title=f"translator_tiny_en_zh: {sentence}",
            path=path,
        )
        matplotlib.pyplot.close(figure)
        print(f"attention heatmap: {path}")

    print("\n== Movie-review sentiment")
    classifier = TextClassifier.from_preset("classifier_tiny_mr")
    labels, probabilities = classifier.classify(REVIEWS)
    for review, label, row in zip(REVIEWS, labels, probabilities):
        print(f"{label:9} {row.max():.2f}  {review}")

    print("\n== Handwritten digits (8x8) with a Vision Transformer")
    vit = VisionTransformer.from_preset("vit_tiny_digits")
    digits = load_digits()
    labels, _ = vit.classify(digits.images[:10])
    print("true:     ", " ".join(digits.class_names[i] for i in digits.labels[:10]))
    print("predicted:", " ".join(labels))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "jax")
    sys.exit(main())
