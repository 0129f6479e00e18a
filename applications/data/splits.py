"""Seeded, deterministic train / validation / test splits."""

import numpy as np


def sample_indices(num_examples, sample_size, seed):
    """A seeded random sample of `sample_size` of `range(num_examples)`,
    without repeats, sorted (the examples keep their order).

    Raises:
        ValueError: for a `sample_size` outside [1, num_examples].
    """
    if not 1 <= sample_size <= num_examples:
        raise ValueError(
            f"`sample_size` must be in [1, {num_examples}] (the number of "
            f"examples). Received: sample_size={sample_size!r}"
        )
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(num_examples, sample_size, replace=False))


def split_indices(num_examples, validation_fraction=0.1, test_fraction=0.1, seed=0):
    """Shuffles `range(num_examples)` with a seed and cuts it in three.

    The test set is taken first from the shuffled order, then the validation
    set, so for a given `seed` and `test_fraction` the test set does not
    change when `validation_fraction` does.

    Args:
        num_examples: the data set size.
        validation_fraction: share of all examples for validation.
        test_fraction: share of all examples held out for testing.
        seed: the shuffle seed.

    Returns:
        `(train, validation, test)`: sorted int64 numpy arrays of indices.

    Raises:
        ValueError: for fractions outside [0, 1) summing to 1 or more, or
            when a non-zero fraction or the training set would be empty.

    Example:
    >>> train, validation, test = split_indices(10, 0.2, 0.1, seed=1)
    >>> len(train), len(validation), len(test)
    (7, 2, 1)
    """
    if not isinstance(num_examples, (int, np.integer)) or num_examples <= 0:
        raise ValueError(
            f"`num_examples` must be a positive integer. Received: {num_examples!r}"
        )
    for name, fraction in (
        ("validation_fraction", validation_fraction),
        ("test_fraction", test_fraction),
    ):
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"`{name}` must be in [0, 1). Received: {name}={fraction}")
    if validation_fraction + test_fraction >= 1.0:
        raise ValueError(
            "`validation_fraction + test_fraction` must be below 1 to leave "
            f"training data. Received: {validation_fraction} + {test_fraction}"
        )
    num_test = int(round(num_examples * test_fraction))
    num_validation = int(round(num_examples * validation_fraction))
    for name, fraction, count in (
        ("validation", validation_fraction, num_validation),
        ("test", test_fraction, num_test),
    ):
        if fraction > 0 and count == 0:
            raise ValueError(
                f"A {name} fraction of {fraction} of {num_examples} examples "
                f"gives an empty {name} set; use more data or a larger fraction."
            )
    if num_test + num_validation >= num_examples:
        raise ValueError(
            f"{num_examples} examples leave no training data after "
            f"{num_validation} validation and {num_test} test examples."
        )
    order = np.random.default_rng(seed).permutation(num_examples)
    test = np.sort(order[:num_test])
    validation = np.sort(order[num_test : num_test + num_validation])
    train = np.sort(order[num_test + num_validation :])
    return train, validation, test


def stratified_split(labels, test_fraction=0.2, validation_fraction=0.1, seed=1337):
    """Seeded, class-stratified train / validation / test indices.

    The test set is cut first (`test_fraction` of all examples); the
    validation set is then carved from the rest only (`validation_fraction`
    of the non-test examples), so the test set does not depend on
    `validation_fraction` and is never seen in training. Uses
    `sklearn.model_selection.train_test_split`.

    Args:
        labels: (N,) int class ids.
        test_fraction: share of all examples held out for testing (0: none).
        validation_fraction: share of the non-test examples for validation
            (0: none).
        seed: the shuffle seed.

    Returns:
        `(train, validation, test)`: sorted int arrays of indices.

    Raises:
        ValueError: for a fraction outside [0, 1).

    Example:
    >>> labels = np.repeat(np.arange(4), 25)
    >>> [len(part) for part in stratified_split(labels, 0.2, 0.25, seed=7)]
    [60, 20, 20]
    """
    from sklearn.model_selection import train_test_split

    for name, fraction in (
        ("test_fraction", test_fraction),
        ("validation_fraction", validation_fraction),
    ):
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"`{name}` must be in [0, 1). Received: {fraction}")
    labels = np.asarray(labels)

    def cut(indices, fraction):
        if fraction == 0:
            return indices, indices[:0]
        keep, held = train_test_split(
            indices, test_size=fraction, random_state=seed, stratify=labels[indices]
        )
        return np.sort(keep), np.sort(held)

    rest, test = cut(np.arange(len(labels)), test_fraction)
    train, validation = cut(rest, validation_fraction)
    return train, validation, test


def fold_assignments(num_examples, num_folds, seed=0):
    """The fold (0 .. num_folds - 1) of each example for K-fold
    cross-validation: a seeded permutation dealt round-robin, so fold sizes
    differ by at most one.

    Example:
    >>> fold_assignments(5, 2, seed=0).tolist()
    [1, 0, 0, 0, 1]
    """
    if not 2 <= num_folds <= num_examples:
        raise ValueError(
            f"Cross-validation needs 2 to {num_examples} folds for "
            f"{num_examples} examples. Received: num_folds={num_folds}"
        )
    fold_of = np.empty(num_examples, dtype=int)
    fold_of[np.random.default_rng(seed).permutation(num_examples)] = (
        np.arange(num_examples) % num_folds
    )
    return fold_of


def split_arrays(*arrays, validation_fraction=0.1, test_fraction=0.1, seed=0):
    """Splits parallel sequences (texts, labels, ...) with `split_indices`.

    Args:
        *arrays: lists or numpy arrays of the same length.
        validation_fraction: share of all examples for validation.
        test_fraction: share of all examples held out for testing.
        seed: the shuffle seed.

    Returns:
        `(train, validation, test)`, each a tuple with one entry per input
        array, of the input's type (list or numpy array).

    Example:
    >>> (x_train, y_train), _, (x_test, y_test) = split_arrays(
    ...     texts, labels, validation_fraction=0.1, test_fraction=0.1, seed=7)
    """
    if not arrays:
        raise ValueError("`split_arrays` needs at least one array. Received none.")
    lengths = {len(array) for array in arrays}
    if len(lengths) != 1:
        raise ValueError(
            "All arrays must have the same length. Received lengths "
            f"{[len(array) for array in arrays]}"
        )
    splits = split_indices(
        lengths.pop(),
        validation_fraction=validation_fraction,
        test_fraction=test_fraction,
        seed=seed,
    )
    return tuple(tuple(_take(array, indices) for array in arrays) for indices in splits)


def _take(array, indices):
    if isinstance(array, np.ndarray):
        return array[indices]
    return [array[i] for i in indices]
