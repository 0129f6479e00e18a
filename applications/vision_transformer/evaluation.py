"""The held-out images a Vision Transformer is evaluated on.

    images, labels, description = held_out_images("digits", metadata)
    report = evaluate_classifier(vit, images, labels)

`train vit` scores its preset on the test split of its data set (a seeded,
stratified share of digits; the official test set of the keras.datasets
sets). `held_out_images` rebuilds that split with the fraction and seed the
preset's training record names, so `evaluate vit` gives the same test
accuracy as the record (`applications.common.classification_metrics` does
the scoring).
"""

from applications.data.images import load_image_split

# `train vit`'s defaults, for a preset without a training record.
DEFAULT_TEST_FRACTION = 0.2
DEFAULT_SEED = 1337


def recorded_split(metadata, dataset):
    """The `(test_fraction, seed)` a preset was tested with on `dataset`.

    Args:
        metadata: the preset's `metadata.json` (a dict; `{}` for none).
        dataset: the data set to evaluate on.

    Returns:
        `(test_fraction, seed)`: from the record's `training_config` when
        the preset was trained on `dataset` (the record's `split_seed`
        otherwise), else `train vit`'s defaults (0.2, 1337).
    """
    config = metadata.get("training_config") or {}
    if config.get("dataset") not in (None, dataset):
        return DEFAULT_TEST_FRACTION, DEFAULT_SEED
    test_fraction = config.get("test_fraction", DEFAULT_TEST_FRACTION)
    seed = config.get("seed", metadata.get("split_seed", DEFAULT_SEED))
    return test_fraction, seed


def held_out_images(dataset, metadata=None, test_fraction=None, seed=None):
    """The test split of an image data set, as `train vit` cuts it.

    Args:
        dataset: a name of `applications.data.images.IMAGE_DATASETS`.
        metadata: the preset's metadata, whose record gives the split's
            defaults (see `recorded_split`).
        test_fraction: digits only: the share held out; None takes the
            record's.
        seed: the split seed; None takes the record's.

    Returns:
        `(images, labels, description)`: (N, H, W, C) float32 images in
        [0, 1], the N class names, and what the split is.

    Raises:
        ValueError: for an unknown data set, or an empty test split
            (`test_fraction` 0).
    """
    recorded_fraction, recorded_seed = recorded_split(metadata or {}, dataset)
    test_fraction = recorded_fraction if test_fraction is None else test_fraction
    seed = recorded_seed if seed is None else seed
    _, _, (images, label_ids), class_names, _ = load_image_split(
        dataset, test_fraction, 0.0, seed
    )
    if not len(images):
        raise ValueError(
            f"The test split of {dataset} is empty. Expected a test_fraction "
            f"(--test-fraction) in (0, 1). Received: {test_fraction}"
        )
    labels = [class_names[i] for i in label_ids]
    if dataset == "digits":
        split = f"a stratified {test_fraction:.0%}, seed {seed}"
    else:
        split = "the official test set"
    return images, labels, f"{dataset} test split ({split})"
