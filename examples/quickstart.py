"""Quickstart: the presets shipped in the package, on any backend, offline.

    KERAS_BACKEND=jax python examples/quickstart.py [--output-dir runs/quickstart]

Generates a few lines with the GPT presets (Shakespeare, character level;
Tang poems from a title), translates English to Chinese with the Transformer
and with the GRU + additive-attention translator, classifies movie-review
sentences, fills in masked words and characters with the BERT presets
(English; a famous line of a Tang poem), classifies handwritten digits with
the Vision Transformer, and draws where the models look: heatmaps of the
GPT's self-attention over its generated text and of the translator's
cross-attention for each sentence (PNG).
"""

import argparse
import os
import sys
from pathlib import Path

POEM_TITLES = ["春夜", "登高"]
SENTENCES = ["I like tea.", "Where is the station?", "Tom is my friend."]
MASKED = [
    ("bert_tiny_en", "How are [MASK]?"),
    ("bert_tiny_tang_poems", "海上生明[MASK]，天涯共此時。"),
]
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

    # As the command line: no TensorFlow log lines about absent CUDA drivers.
    from applications.cli.main import quiet_backend_logs

    quiet_backend_logs()

    import keras
    import matplotlib

    matplotlib.use("Agg")  # files only, no window

    from applications import (
        GPT,
        BertMaskedLM,
        TextClassifier,
        Translator,
        VisionTransformer,
    )
    from applications.data.images import load_digits
    from applications.gpt.generation import make_sampler
    from keras_attention.visualization import plot_attention_heatmap

    print(f"Keras {keras.__version__} on {keras.config.backend()}\n")

    print("== GPT: generated text (top-k sampling, seeded)")
    shakespeare = GPT.from_preset("gpt_tiny_shakespeare")
    shakespeare.compile(
        sampler=make_sampler("top_k", top_k=10, temperature=0.8, seed=1)
    )
    text = shakespeare.generate("ROMEO:\n", max_length=128)
    print(text, "\n")
    attention = shakespeare.self_attention(text[:48])
    path = output_dir / "gpt_self_attention.png"
    figure = plot_attention_heatmap(
        attention["weights"],
        query_tokens=attention["tokens"],
        key_tokens=attention["tokens"],
        title="gpt_tiny_shakespeare: causal self-attention (last block)",
        path=path,
    )
    matplotlib.pyplot.close(figure)
    print(f"self-attention heatmap: {path}\n")
    poet = GPT.from_preset("gpt_tiny_tang_poems")
    poet.compile(sampler=make_sampler("top_k", top_k=10, temperature=0.8, seed=1))
    for title in POEM_TITLES:
        print(poet.generate(title + "\n", max_length=60), "\n")

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

    print("\n== Fill in the blank (BERT masked language models)")
    for preset, text in MASKED:
        (candidates,) = BertMaskedLM.from_preset(preset).fill_mask([text], top_k=3)[0]
        guesses = ", ".join(f"{token.strip()!r} {p:.2f}" for token, p in candidates)
        print(f"{text:24} {guesses}")

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
