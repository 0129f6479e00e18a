"""Text for language models: documents, splits, token streams and windows.

A data file is plain text (`.txt`: one document, the whole file) or a TSV
(one document a row, its text columns joined by newlines). Two known sets
are read from `../shared/data/language_modeling` when present, else
downloaded: tiny Shakespeare (char-rnn, Karpathy 2015) and the Complete
Tang Poems (the chinese-poetry project).

Shape legend: N windows, T context length.
"""

import json
import os
from pathlib import Path

import numpy as np

from applications.data.shared import shared_data_directory, shown
from applications.data.splits import split_indices
from applications.data.text_lines import read_lines

SHAKESPEARE_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
    "tinyshakespeare/input.txt"
)
TANG_POEMS_URL = (
    "https://raw.githubusercontent.com/chinese-poetry/chinese-poetry/master/"
    "%E5%85%A8%E5%94%90%E8%AF%97/poet.tang.{start}.json"
)
#: Known data sets: name -> file under `../shared/data/language_modeling`.
DATASETS = {"tiny_shakespeare": "tinyshakespeare.txt", "tang_poems": "tang_poems.tsv"}


# The repository: the shared data lies beside it, in `../shared`.
def read_text(path):
    """The whole UTF-8 text of a file.

    Raises:
        FileNotFoundError: for a missing file.
        ValueError: for bytes that are not UTF-8 (naming the line and byte)
            or a file without a character.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such data file: {str(path)!r}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValueError(
            f"{path}:{line}: the file is not UTF-8 ({error.reason} at byte "
            f"{error.start}). Convert it, e.g. `iconv -f latin1 -t utf-8`."
        ) from None
    if not text.strip():
        raise ValueError(f"The data file {str(path)!r} holds no text.")
    return text


def load_documents(path, text_columns=None):
    """The documents of a `.txt` file (one) or a TSV (one a row).

    Args:
        path: the file.
        text_columns: for a TSV, the 0-based columns joined (by newlines)
            into a row's text; None: all of them. A header row is kept as
            text: leave it out of the file or skip it with the columns.

    Returns:
        list of str.

    Raises:
        FileNotFoundError, ValueError: see `read_text`; a TSV row without
            one of `text_columns`, naming the line.
    """
    if Path(path).suffix.lower() != ".tsv":
        return [read_text(path)]
    read_text(path)  # UTF-8 and not empty, with a clear error
    documents = []
    for number, line in read_lines(path):
        fields = line.split("\t")
        columns = range(len(fields)) if text_columns is None else text_columns
        if max(columns, default=0) >= len(fields):
            raise ValueError(
                f"{path}:{number}: the row has {len(fields)} columns; expected "
                f"columns {list(columns)} (--text-columns)."
            )
        text = "\n".join(fields[i] for i in columns if fields[i])
        if text.strip():
            documents.append(text)
    return documents


def tang_poem_document(title, text):
    """A poem as the recipe trains on it: its title, then one line per
    sentence (after each `。`, `？` or `！`).

    Example:
    >>> tang_poem_document("靜夜思", "床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。")
    '靜夜思\\n床前明月光，疑是地上霜。\\n舉頭望明月，低頭思故鄉。'
    """
    for mark in "。？！":
        text = text.replace(mark, mark + "\n")
    return title + "\n" + text.rstrip("\n")


def load_dataset(name, data_dir=None):
    """The documents of a known data set and where they came from.

    Args:
        name: one of `DATASETS`.
        data_dir: the directory of its file; None: `../shared/data/
            language_modeling` when it holds it, else downloaded into the
            Keras cache.

    Returns:
        `(documents, source)`: list of str and the file read, as records
        show it (`../shared/...` beside the repository, not this machine's
        absolute path).
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; known: {sorted(DATASETS)}.")
    directory = Path(data_dir) if data_dir else default_directory(DATASETS[name])
    path = None if directory is None else directory / DATASETS[name]
    if path is None or not path.is_file():
        if data_dir:
            raise FileNotFoundError(f"No {DATASETS[name]!r} in {str(data_dir)!r}.")
        path = download_dataset(name)
    if name == "tiny_shakespeare":
        return [read_text(path)], shown(path)
    rows = [line.split("\t") for _, line in read_lines(path)][1:]  # a header
    documents = [tang_poem_document(r[0], r[2]) for r in rows if len(r) == 3]
    return documents, shown(path)


def default_directory(filename):
    """`../shared/data/language_modeling` if it holds `filename`, else None."""
    return shared_data_directory("language_modeling", filename)


def download_dataset(name):
    """Downloads a known data set into the Keras cache; returns its file.

    Tiny Shakespeare is char-rnn's `input.txt`; the Tang poems are the
    chinese-poetry project's `poet.tang.*.json` files, written as the TSV
    `title<TAB>author<TAB>text` that `load_dataset` reads.
    """
    import keras

    if name == "tiny_shakespeare":
        return Path(keras.utils.get_file(DATASETS[name], SHAKESPEARE_URL))
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    path = home / "datasets" / DATASETS[name]
    if path.is_file():
        return path
    rows = ["title\tauthor\ttext"]
    for start in range(0, 58000, 1000):
        part = keras.utils.get_file(
            f"poet.tang.{start}.json", TANG_POEMS_URL.format(start=start)
        )
        for poem in json.loads(Path(part).read_text(encoding="utf-8")):
            text = "".join(poem.get("paragraphs", []))
            fields = (poem.get("title", ""), poem.get("author", ""), text)
            rows.append("\t".join(f.replace("\t", " ") for f in fields))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def split_documents(documents, validation_fraction, test_fraction, seed):
    """Train / validation / test documents.

    One document (a text file) is cut by position, as nanoGPT cuts tiny
    Shakespeare: the first share trains, the next validates, the last
    tests. Several documents are shuffled with `seed` and dealt out whole
    (`split_indices`), so no document is in two splits.

    Returns:
        `(train, validation, test)`, lists of str (possibly empty).
    """
    if len(documents) == 1:
        text = documents[0]
        # nanoGPT's boundary: train = text[:int(n * 0.9)].
        validation_start = int(len(text) * (1 - validation_fraction - test_fraction))
        test_start = int(len(text) * (1 - test_fraction))
        parts = (
            text[:validation_start],
            text[validation_start:test_start],
            text[test_start:],
        )
        return tuple([part] if part else [] for part in parts)
    splits = split_indices(len(documents), validation_fraction, test_fraction, seed)
    return tuple([documents[i] for i in indices] for indices in splits)


def token_stream(tokenizer, documents):
    """The documents' tokens as one stream, `</s>` between documents.

    A single document (running text) is its tokens alone, as nanoGPT
    encodes tiny Shakespeare; several start with `</s>` and each ends with
    one, so that the model learns where documents begin.

    Returns:
        int32 numpy array.
    """
    if not documents:
        return np.zeros((0,), "int32")
    rows = tokenizer.tokenize(documents)
    rows = [np.asarray(row, "int32") for row in rows]
    if len(rows) == 1:
        return rows[0]
    separator = np.asarray([tokenizer.end_token_id], "int32")
    return np.concatenate([separator] + [np.concatenate([r, separator]) for r in rows])


def check_stream(stream, sequence_length, split):
    """Raises a ValueError if a split holds less than one window."""
    if len(stream) < sequence_length + 1:
        raise ValueError(
            f"The {split} split has {len(stream)} tokens, fewer than one "
            f"context window of {sequence_length} + 1 (--sequence-length). Give "
            "more text or a shorter --sequence-length."
        )


def random_windows(stream, sequence_length, batch_size, seed):
    """An endless `tf.data` pipeline of random training windows.

    Each batch is `batch_size` windows of `sequence_length + 1` tokens at
    random offsets, drawn in one stateless op from `seed` and the batch's
    number (so the same every run) and read with one gather: inputs are a
    window's first T tokens, labels its last T.

    Returns:
        `tf.data.Dataset` of `({"token_ids", "padding_mask"} (B, T), (B, T))`.
    """
    import tensorflow as tf

    check_stream(stream, sequence_length, "training")
    tokens = tf.constant(stream, dtype=tf.int32)
    last = len(stream) - sequence_length
    columns = tf.range(sequence_length + 1, dtype=tf.int64)  # (T + 1,)

    def batch(number):
        offsets = tf.random.stateless_uniform(
            [batch_size], seed=[seed, number], maxval=last, dtype=tf.int64
        )  # (B,)
        windows = tf.gather(tokens, offsets[:, None] + columns)  # (B, T + 1)
        return _example(windows)

    return tf.data.Dataset.counter().map(batch).prefetch(tf.data.AUTOTUNE)


def evaluation_windows(stream, sequence_length, batch_size):
    """Consecutive windows covering a split, for its loss.

    Windows of `sequence_length + 1` tokens overlapping by one token, so
    every token but the first is predicted once, with the context of its
    window; a last remainder shorter than a window is left out.

    Returns:
        `tf.data.Dataset` of `({"token_ids", "padding_mask"}, labels)` batches.
    """
    import tensorflow as tf

    check_stream(stream, sequence_length, "evaluation")
    count = (len(stream) - 1) // sequence_length
    starts = np.arange(count) * sequence_length
    windows = np.stack([stream[s : s + sequence_length + 1] for s in starts])
    return (
        tf.data.Dataset.from_tensor_slices(windows)
        .map(_example)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )


def _example(window):
    import tensorflow as tf

    inputs = window[..., :-1]  # (..., T): a window or a batch of them
    return (
        {"token_ids": inputs, "padding_mask": tf.ones_like(inputs, dtype=tf.bool)},
        window[..., 1:],
    )
