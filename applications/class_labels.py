"""Class names of the classification tasks (text classifier, ViT)."""


def check_classes(num_classes, label_names):
    """Returns `(num_classes, label_names)`, filling the one left out."""
    if label_names is not None:
        if isinstance(label_names, str) or not all(
            isinstance(name, str) for name in label_names
        ):
            raise TypeError(
                f"`label_names` must be a list of strings. Received: {label_names!r}"
            )
        label_names = list(label_names)
        if len(set(label_names)) != len(label_names):
            raise ValueError(f"`label_names` must be unique. Received: {label_names!r}")
        if num_classes is None:
            num_classes = len(label_names)
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(
            "`num_classes` must be an integer >= 2 (or give `label_names`). "
            f"Received: num_classes={num_classes!r}, label_names={label_names!r}"
        )
    if label_names is None:
        label_names = [str(i) for i in range(num_classes)]
    if len(label_names) != num_classes:
        raise ValueError(
            "`label_names` must have `num_classes` entries. Received: "
            f"num_classes={num_classes}, label_names={label_names!r}"
        )
    return num_classes, label_names
