"""Loader for sentence-pair files in the Tatoeba / Anki (manythings.org) format.

Each line is `source<TAB>target`, optionally followed by `<TAB>attribution`
(the manythings.org files, e.g. `eng-cmn.tsv`/`cmn.txt`, carry a CC-BY
attribution per line). Source is the first column (English in those files).
"""

from applications.data.text_lines import read_lines


def load_translation_pairs(path, max_pairs=None, reverse=False, encoding="utf-8"):
    """Loads sentence pairs from a Tatoeba / Anki TSV file.

    Blank lines are skipped. Repeated sources with different targets (several
    accepted translations) are all kept.

    Args:
        path: the file.
        max_pairs: keep only the first `max_pairs` pairs (None: all).
        reverse: swap the columns, e.g. to translate Chinese to English from
            `eng-cmn.tsv`.
        encoding: codec of the file.

    Returns:
        `(sources, targets)`: two lists of str of equal length.

    Raises:
        ValueError: on an empty file, or a line with fewer than 2 or more than
            3 tab-separated cells or an empty sentence (with its line number).

    Example:
    >>> sources, targets = load_translation_pairs("eng-cmn.tsv", max_pairs=2)
    >>> sources
    ['Hi.', 'Hi.']
    """
    if max_pairs is not None and (not isinstance(max_pairs, int) or max_pairs <= 0):
        raise ValueError(
            f"`max_pairs` must be a positive integer or None. Received: {max_pairs!r}"
        )
    sources, targets = [], []
    for number, line in read_lines(path, encoding=encoding):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) not in (2, 3):
            raise ValueError(
                f"{path}:{number}: expected 'source<TAB>target' with an optional "
                f"'<TAB>attribution'; received {len(cells)} cell(s): {line!r:.120}"
            )
        source, target = cells[0].strip(), cells[1].strip()
        if not source or not target:
            missing = "source" if not source else "target"
            raise ValueError(
                f"{path}:{number}: empty {missing} sentence: {line!r:.120}"
            )
        if reverse:
            source, target = target, source
        sources.append(source)
        targets.append(target)
        if max_pairs is not None and len(sources) == max_pairs:
            break
    if not sources:
        raise ValueError(f"{path}: no sentence pairs found (the file is empty).")
    return sources, targets


def split_pairs_by_source(
    sources, targets, validation_fraction=0.05, test_fraction=0.1, seed=0
):
    """Seeded train / validation / test split that keeps each source whole.

    Tatoeba files repeat a source sentence once per accepted translation.
    Splitting the pairs themselves would put some translations of a sentence
    in training and others in the test set; this splits the *distinct*
    sources (with `applications.data.splits.split_indices`) and sends every
    pair of a source to that source's split.

    Args:
        sources: list of source sentences.
        targets: list of target sentences, parallel to `sources`.
        validation_fraction: share of the distinct sources for validation.
        test_fraction: share of the distinct sources held out for testing.
        seed: the shuffle seed.

    Returns:
        `(train, validation, test)`: each a `(sources, targets)` pair of
        lists, in file order.

    Example:
    >>> train, validation, test = split_pairs_by_source(
    ...     ["Hi.", "Hi.", "Run.", "Go."], ["嗨。", "你好。", "跑。", "走。"],
    ...     validation_fraction=0.0, test_fraction=0.34, seed=0)
    """
    from applications.data.splits import split_indices

    if len(sources) != len(targets):
        raise ValueError(
            "`sources` and `targets` must have the same length. Received "
            f"{len(sources)} sources and {len(targets)} targets."
        )
    distinct = list(dict.fromkeys(sources))
    if not distinct:
        raise ValueError("Received no sentence pairs to split.")
    parts = split_indices(
        len(distinct),
        validation_fraction=validation_fraction,
        test_fraction=test_fraction,
        seed=seed,
    )
    split_of = {}
    for split, indices in enumerate(parts):
        for index in indices:
            split_of[distinct[index]] = split
    splits = [([], []), ([], []), ([], [])]
    for source, target in zip(sources, targets):
        split_sources, split_targets = splits[split_of[source]]
        split_sources.append(source)
        split_targets.append(target)
    return tuple(splits)


def write_translation_pairs(path, sources, targets):
    """Writes `source<TAB>target` lines (UTF-8), e.g. a held-out test split.

    Args:
        path: the file to write.
        sources: list of source sentences (without tabs or newlines).
        targets: list of target sentences, parallel to `sources`.
    """
    from pathlib import Path

    with open(Path(path), "w", encoding="utf-8") as file:
        for source, target in zip(sources, targets):
            file.write(f"{source}\t{target}\n")
