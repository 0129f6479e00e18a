"""Loaders for text classification data: MR polarity files and labeled TSV.

- MR (Pang & Lee 2005, "sentence polarity dataset v1.0"): `rt-polarity.pos`
  and `rt-polarity.neg`, one sentence per line.
- GLUE-style TSV: `sentence<TAB>label` (e.g. SST-2), optionally with a
  header row, or `label<TAB>text` with `text_column=1`.

Loaders return Python lists; `encode_labels` maps label strings to ids.

A TSV read in the wrong column order is refused rather than trained on: when
the label column looks like text (most labels have three words or more, or
there are more distinct labels than half the rows), `load_labeled_tsv`
raises a `ValueError` naming the file, the order it was read in and the
`text_column` (`--text-column`) to give. Numeric labels are normalised, so
"1", "1.0" and "01" are one class, "1".
"""

import os
from pathlib import Path

from applications.data.shared import shared_data_directory
from applications.data.text_lines import read_lines

MR_URL = (
    "https://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz"
)
MR_FILES = {"negative": "rt-polarity.neg", "positive": "rt-polarity.pos"}
MR_LABEL_NAMES = ["negative", "positive"]

# First-row values that mark a header rather than an example.
_HEADER_LABELS = {"label", "labels", "class", "category", "target", "sentiment", "y"}
_HEADER_TEXTS = {"sentence", "text", "review", "document", "content", "x"}


def default_mr_directory():
    """`../shared/data/classification` if it holds the MR files, else None
    (download)."""
    return shared_data_directory("classification", MR_FILES["positive"])


def load_movie_review_polarity(data_dir=None, encoding="cp1252"):
    """Loads the MR sentence polarity data set (5,331 + 5,331 sentences).

    The files are usually described as Latin-1, but their punctuation bytes
    are Windows-1252 (0x85 ellipsis, 0x91-0x97 quotes and dashes), so they
    are decoded as cp1252, which agrees with Latin-1 on every other byte.

    Args:
        data_dir: directory holding `rt-polarity.pos` and `rt-polarity.neg`.
            None downloads the original archive from Cornell (`MR_URL`) into
            the Keras cache.
        encoding: codec of the files.

    Returns:
        `(texts, labels)`: lists of str; labels are `"negative"` or
        `"positive"`, negatives first.

    Raises:
        FileNotFoundError: if a file is missing from `data_dir`.
        ValueError: on an empty file or an empty line (with its number).
    """
    if data_dir is None:
        data_dir = download_movie_review_polarity()
    data_dir = Path(data_dir)
    texts, labels = [], []
    for label in MR_LABEL_NAMES:
        path = data_dir / MR_FILES[label]
        if not path.is_file():
            raise FileNotFoundError(
                f"MR file {MR_FILES[label]!r} not found in {str(data_dir)!r}. "
                f"Expected {sorted(MR_FILES.values())}."
            )
        count = 0
        for number, line in read_lines(path, encoding=encoding):
            text = line.strip()
            if not text:
                raise ValueError(
                    f"{path}:{number}: empty line; expected one sentence per line."
                )
            texts.append(text)
            labels.append(label)
            count += 1
        if count == 0:
            raise ValueError(f"{path}: the file is empty; expected sentences.")
    return texts, labels


def download_movie_review_polarity(cache_dir=None):
    """Downloads and extracts MR from Cornell with `keras.utils.get_file`.

    Args:
        cache_dir: the Keras cache directory (default `~/.keras`).

    Returns:
        The directory holding `rt-polarity.pos` and `rt-polarity.neg`.
    """
    import keras

    extracted = keras.utils.get_file(
        fname="rt-polaritydata.tar.gz",
        origin=MR_URL,
        extract=True,
        cache_dir=cache_dir,
        cache_subdir="datasets",
    )
    for root, _, files in os.walk(extracted):
        if MR_FILES["positive"] in files:
            return root
    raise FileNotFoundError(
        f"The MR archive from {MR_URL} did not contain {MR_FILES['positive']!r} "
        f"(extracted to {extracted!r})."
    )


def _is_header(text, label):
    return label.strip().lower() in _HEADER_LABELS or (
        text.strip().lower() in _HEADER_TEXTS
    )


def load_labeled_tsv(path, text_column=0, header=None, encoding="utf-8"):
    """Loads a two-column tab-separated file of texts and labels.

    Args:
        path: the file.
        text_column: 0 for `text<TAB>label` (GLUE, e.g. SST-2), 1 for
            `label<TAB>text`.
        header: True if the first line is a header, False if not, None to
            detect it (first row's label cell is e.g. `label`/`class`, or its
            text cell is e.g. `sentence`/`text`).
        encoding: codec of the file.

    Returns:
        `(texts, labels)`: lists of str, in file order.

    Raises:
        ValueError: on an empty file, a line without exactly two non-empty
            tab-separated cells (with its line number), or a label column
            that looks like text (see `check_label_column`).
    """
    if text_column not in (0, 1):
        raise ValueError(
            "`text_column` must be 0 (text<TAB>label) or 1 (label<TAB>text). "
            f"Received: text_column={text_column!r}"
        )
    texts, labels = [], []
    first = True
    for number, line in read_lines(path, encoding=encoding):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 2:
            raise ValueError(
                f"{path}:{number}: expected 2 tab-separated columns "
                f"({'text, label' if text_column == 0 else 'label, text'}); "
                f"received {len(cells)}: {line!r:.120}"
            )
        text, label = cells[text_column].strip(), cells[1 - text_column].strip()
        if first:
            first = False
            is_header = _is_header(text, label) if header is None else header
            if is_header:
                continue
        if not text or not label:
            missing = "text" if not text else "label"
            raise ValueError(f"{path}:{number}: empty {missing} cell in {line!r:.120}")
        texts.append(text)
        labels.append(label)
    if not texts:
        raise ValueError(
            f"{path}: no examples found (the file is empty or has only a header)."
        )
    check_label_column(path, texts, labels, text_column)
    return texts, labels


# A text column with at most this many distinct values (of at most 2 words
# each) looks like a label column.
MAX_LABEL_LIKE_VALUES = 20


def check_label_column(path, texts, labels, text_column):
    """Refuses labels that look like text: the columns were swapped.

    A file in GLUE's `text<TAB>label` order read as `label<TAB>text` (or the
    other way round) would train one class per sentence. The file is refused
    only when both columns look swapped:

    - the label column looks like text: most labels have three words or
      more, or there are more distinct labels than half the rows (from 4
      rows on);
    - and the text column looks like labels: it is numeric, or it holds at
      most 20 distinct values of at most 2 words each.

    Multi-word class names, or many classes, next to real texts are read
    as they are.

    Args:
        path: the file, named in the error.
        texts, labels: the columns as read.
        text_column: the column read as text (0 or 1).

    Raises:
        ValueError: naming the file, what was found, the order expected and
            the `text_column` (`--text-column`) that reads it the other way.
    """
    rows = len(labels)
    wordy = sum(len(label.split()) >= 3 for label in labels)
    classes = len(set(normalize_numeric_labels(labels)))
    if not (2 * wordy > rows or (rows >= 4 and 2 * classes > rows)):
        return
    distinct_texts = list(dict.fromkeys(texts))
    numeric = all(_number(text) is not None for text in distinct_texts)
    short = len(distinct_texts) <= MAX_LABEL_LIKE_VALUES and all(
        len(text.split()) <= 2 for text in distinct_texts
    )
    if not (numeric or short):
        return
    orders = ("text<TAB>label", "label<TAB>text")
    examples = ", ".join(repr(value[:20]) for value in distinct_texts[:3])
    raise ValueError(
        f"{path}: the label column (column {2 - text_column} of "
        f"{orders[text_column]}) looks like text: {classes} distinct labels in "
        f"{rows} rows, {wordy} of them with 3 words or more; the text column "
        f"looks like labels: {len(distinct_texts)} distinct "
        f"{'numbers' if numeric else 'short values'} such as {examples}. "
        f"Expected {orders[text_column]} "
        f"(text_column={text_column}). If the file is {orders[1 - text_column]}, "
        f"give text_column={1 - text_column} (--text-column {1 - text_column})."
    )


def encode_labels(labels, label_names=None):
    """Maps label strings to integer ids.

    Numeric labels are normalised first (`normalize_numeric_labels`), so
    "1" and "1.0" are one class.

    Args:
        labels: list of label strings.
        label_names: the classes in id order. None sorts the distinct labels
            (numerically when they are all numbers, so "2" < "10").

    Returns:
        `(ids, label_names)`: list of int and list of str.

    Raises:
        ValueError: if a label is not in `label_names`, or there are fewer
            than two classes.
    """
    labels = normalize_numeric_labels(labels)
    if label_names is None:
        distinct = set(labels)
        if all(_number(label) is not None for label in distinct):
            label_names = sorted(distinct, key=_number)
        else:
            label_names = sorted(distinct)
    label_names = normalize_numeric_labels(list(label_names))
    if len(label_names) < 2:
        raise ValueError(
            f"Classification needs at least 2 classes. Received labels: {label_names!r}"
        )
    index = {name: i for i, name in enumerate(label_names)}
    ids = []
    for position, label in enumerate(labels):
        if label not in index:
            raise ValueError(
                f"Label {label!r} (example {position}) is not one of the "
                f"classes {label_names!r}."
            )
        ids.append(index[label])
    return ids, label_names


def normalize_numeric_labels(labels):
    """Writes numeric labels one way: "1.0" and "01" -> "1", "0.50" -> "0.5".

    Labels are changed only when every one of them is a finite number;
    otherwise they are returned as they are.

    Args:
        labels: list of label strings.

    Returns:
        list of str.
    """
    numbers = [_number(label) for label in labels]
    if any(number is None for number in numbers):
        return list(labels)
    return [
        str(int(number)) if number.is_integer() else repr(number) for number in numbers
    ]


def _number(text):
    """The finite float `text` holds, or None."""
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None
