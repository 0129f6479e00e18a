"""Random image augmentation inside a `tf.data` pipeline (seeded).

Shape legend: B batch, H height, W width, C channels.
"""


def image_augmentation(shift=0, flip=False, rotation=0.0, seed=None):
    """The `map_examples` and `map_batches` functions of an augmentation.

    For `applications.common.training.batches()`: random shifts (zero
    padding + a random crop back to the size) and horizontal flips of each
    (H, W, C) image, then random rotations of each image of a (B, H, W, C)
    batch with `keras.layers.RandomRotation` (a Keras preprocessing layer
    runs on TensorFlow inside `tf.data`, whatever the backend).

    Args:
        shift: shifts of up to this many pixels (0: none).
        flip: whether to flip images left-right at random (not for digits).
        rotation: rotations of up to this many degrees (0: none).
        seed: the seed of the random draws.

    Returns:
        `(map_examples, map_batches)`, each a `fn(x, y) -> (x, y)` or None.

    Raises:
        ValueError: for a negative `shift` or `rotation`.
    """
    if shift < 0 or rotation < 0:
        raise ValueError(
            "`shift` and `rotation` must be >= 0. Received: "
            f"shift={shift}, rotation={rotation}"
        )
    map_examples = map_batches = None
    if shift or flip:

        def map_examples(image, label):
            return _shift_and_flip(image, shift, flip, seed), label

    if rotation:
        import keras

        rotate = keras.layers.RandomRotation(
            rotation / 360.0, fill_mode="constant", seed=seed
        )

        def map_batches(images, labels):
            return rotate(images, training=True), labels  # one angle per image

    return map_examples, map_batches


def _shift_and_flip(image, shift, flip, seed):
    """Random shift (zero padding + random crop) and flip of one image."""
    import tensorflow as tf

    if shift:
        padded = tf.pad(image, [[shift, shift], [shift, shift], [0, 0]])
        image = tf.image.random_crop(padded, tf.shape(image), seed=seed)
    if flip:
        image = tf.image.random_flip_left_right(image, seed=seed)
    return image
