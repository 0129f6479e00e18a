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
