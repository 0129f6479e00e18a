"""Kim (2014) CNN-rand, the quality bar of `classifier_tiny_mr`, on our MR data.

Kim reports 76.1% for CNN-rand on MR by 10-fold cross-validation. This
script rebuilds that model as the paper describes it and measures it the two
ways `classifier_tiny_mr` is measured, on the very same sentences:

- `--protocol held-out`: trained on the preset's 9,596 training sentences
  (split seed 1337), scored once on its 1,066 held-out sentences;
- `--protocol 10-fold`: Kim's protocol, with the folds of
  `keras-attention train classifier --cross-validate 10 --seed 1337`.

The model (Kim 2014, section 2 and 3.1): words cleaned and lowercased as in
Kim's code, 300-d embeddings drawn from U(-0.25, 0.25) and trained, zero
padding of 4 on each side, filters of widths 3, 4, 5 with 100 maps each and
ReLU, max-over-time pooling, dropout 0.5, a softmax layer whose weight
vectors are rescaled to an L2 norm of at most 3, Adadelta (rho 0.95),
mini-batches of 50, 25 epochs, and 10% of the training sentences held aside
as a dev set to pick the epoch (MR has no standard dev set).

Run: KERAS_BACKEND=jax python benchmarks/kim_cnn_rand_mr.py --protocol held-out
     KERAS_BACKEND=jax python benchmarks/kim_cnn_rand_mr.py --protocol 10-fold
"""

import argparse
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

EMBEDDING_DIM = 300
FILTER_WIDTHS = (3, 4, 5)
FILTERS_PER_WIDTH = 100
BATCH_SIZE = 50
EPOCHS = 25
PADDING, UNKNOWN = 0, 1


def clean(text):
    """Kim's text cleaning: keep letters, digits and ( ) , ! ? ' `, split
    clitics and punctuation off, lowercase."""
    text = re.sub(r"[^A-Za-z0-9(),!?'`]", " ", text)
    text = re.sub(r"('s|'ve|n't|'re|'d|'ll)", r" \1", text)
    text = re.sub(r"([,!?()])", r" \1 ", text)
    return text.lower().split()


class WordIds:
    """Word -> id over the training sentences; unseen words share one id."""

    def __init__(self, sentences):
        words = sorted({word for sentence in sentences for word in sentence})
        self.ids = {word: index + 2 for index, word in enumerate(words)}
        self.size = len(words) + 2
        self.length = max(len(sentence) for sentence in sentences)

    def encode(self, sentences):
        """(N, length + 8) ids: 4 pads, the words (cut to length), 4+ pads."""
        pad = max(FILTER_WIDTHS) - 1
        ids = np.full((len(sentences), self.length + 2 * pad), PADDING, "int32")
        for row, sentence in enumerate(sentences):
            words = [self.ids.get(word, UNKNOWN) for word in sentence[: self.length]]
            ids[row, pad : pad + len(words)] = words
        return ids


def build_model(vocabulary_size, length, num_classes):
    import keras

    tokens = keras.Input((length,), dtype="int32")
    embedded = keras.layers.Embedding(
        vocabulary_size,
        EMBEDDING_DIM,
        embeddings_initializer=keras.initializers.RandomUniform(-0.25, 0.25),
    )(tokens)
    # Padding stays the zero vector, as in Kim's code.
    not_padding = keras.ops.cast(keras.ops.not_equal(tokens, PADDING), "float32")
    embedded = embedded * keras.ops.expand_dims(not_padding, -1)
    pooled = [
        keras.layers.GlobalMaxPooling1D()(
            keras.layers.Conv1D(FILTERS_PER_WIDTH, width, activation="relu")(embedded)
        )
        for width in FILTER_WIDTHS
    ]
    features = keras.layers.Dropout(0.5)(keras.layers.Concatenate()(pooled))
    outputs = keras.layers.Dense(
        num_classes,
        activation="softmax",
        kernel_constraint=keras.constraints.MaxNorm(3.0, axis=0),
    )(features)
    model = keras.Model(tokens, outputs, name="kim_cnn_rand")
    model.compile(
        optimizer=keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def train_and_score(train_texts, train_labels, test_texts, test_labels, seed, verbose):
    """Trains CNN-rand on the training texts (10% of them as the dev set) and
    returns its accuracy on the test texts at the best dev epoch."""
    import keras

    from applications.data.splits import split_indices

    keras.utils.set_random_seed(seed)
    train_sentences = [clean(text) for text in train_texts]
    fit_rows, dev_rows, _ = split_indices(len(train_texts), 0.1, 0.0, seed=seed)
    words = WordIds([train_sentences[i] for i in fit_rows])
    ids = words.encode(train_sentences)
    labels = np.asarray(train_labels)
    model = build_model(words.size, ids.shape[1], int(labels.max()) + 1)
    best = keras.callbacks.ModelCheckpoint(
        os.path.join(tempfile.gettempdir(), f"kim_cnn_rand_{os.getpid()}.weights.h5"),
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )
    history = model.fit(
        ids[fit_rows],
        labels[fit_rows],
        validation_data=(ids[dev_rows], labels[dev_rows]),
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        callbacks=[best],
        verbose=verbose,
    )
    model.load_weights(best.filepath)
    os.remove(best.filepath)
    test_ids = words.encode([clean(text) for text in test_texts])
    probabilities = model.predict(test_ids, batch_size=500, verbose=0)
    accuracy = float(np.mean(probabilities.argmax(-1) == np.asarray(test_labels)))
    dev = history.history["val_accuracy"]
    return {
        "accuracy": round(accuracy, 4),
        "best_dev_epoch": int(np.argmax(dev)) + 1,
        "best_dev_accuracy": round(float(max(dev)), 4),
        "vocabulary_size": words.size,
        "parameters": model.count_params(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", choices=("held-out", "10-fold"), required=True)
    parser.add_argument("--data-dir", help="directory of rt-polarity.pos/.neg")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument(
        "--folds",
        type=lambda text: [int(fold) for fold in text.split(",") if fold],
        default=list(range(10)),
        help="10-fold: which folds (0-9, comma-separated) to run in this process",
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        metavar="JSON",
        help="10-fold: combine the --json files of processes that ran other folds",
    )
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)

    import keras

    from applications.data.splits import fold_assignments, split_arrays
    from applications.data.text_classification import (
        default_mr_directory,
        encode_labels,
        load_movie_review_polarity,
    )
    from benchmarks.common import utc_date

    texts, labels = load_movie_review_polarity(args.data_dir or default_mr_directory())
    label_ids = np.asarray(encode_labels(labels)[0])
    start = time.perf_counter()
    merged = []  # the --merge files' commands and times (10-fold)
    if args.protocol == "held-out":
        # The split of `keras-attention train classifier --dataset mr
        # --validation-fraction 0 --test-fraction 0.1 --seed 1337`.
        train, _, test = split_arrays(
            texts, label_ids, validation_fraction=0.0, test_fraction=0.1, seed=args.seed
        )
        runs = [train_and_score(*train, *test, args.seed, args.verbose)]
    else:
        fold_of = fold_assignments(len(texts), 10, seed=args.seed)
        runs = []
        for fold in args.folds:
            train_rows = np.flatnonzero(fold_of != fold)
            test_rows = np.flatnonzero(fold_of == fold)
            run = train_and_score(
                [texts[i] for i in train_rows],
                label_ids[train_rows],
                [texts[i] for i in test_rows],
                label_ids[test_rows],
                args.seed + fold,
                args.verbose,
            )
            runs.append(dict(run, fold=fold))
            print(f"fold {fold + 1}/10: accuracy {run['accuracy']:.4f}", flush=True)
        for path in args.merge or ():
            with open(path, encoding="utf-8") as file:
                other = json.load(file)
            runs += other["runs"]
            merged.append({key: other[key] for key in ("command", "wall_time_seconds")})
        runs.sort(key=lambda run: run["fold"])
    accuracies = [run["accuracy"] for run in runs]
    result = {
        "model": "Kim (2014) CNN-rand",
        "protocol": args.protocol,
        "backend": keras.config.backend(),
        "date": utc_date(),  # when this process started
        "seed": args.seed,
        "runs": runs,
        "mean_accuracy": round(float(np.mean(accuracies)), 4),
        "std_accuracy": round(float(np.std(accuracies)), 4),
        "wall_time_seconds": round(time.perf_counter() - start, 1),
        "command": f"KERAS_BACKEND={keras.config.backend()} python "
        + " ".join(sys.argv),
    }
    if merged:
        result["merged_from"] = merged
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(result, file, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
