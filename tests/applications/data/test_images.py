"""Image set loading and splitting (the keras.datasets download stubbed)."""

import numpy as np

from applications.data import images


def test_keras_datasets_keep_their_test_set(monkeypatch):
    def fake_load(name):  # stands in for the keras.datasets download
        assert name == "cifar10"
        rng = np.random.default_rng(0)
        return tuple(
            images.ImageSet(
                rng.uniform(size=(n, 32, 32, 3)).astype("float32"),
                np.arange(n, dtype="int32") % 10,
                [f"class {i}" for i in range(10)],
            )
            for n in (100, 30)
        )

    monkeypatch.setattr(images, "load_keras_image_dataset", fake_load)
    train, validation, test, names, description = images.load_image_split(
        "cifar10", validation_fraction=0.1, seed=3
    )
    assert (len(train[0]), len(validation[0]), len(test[0])) == (90, 10, 30)
    assert np.bincount(validation[1]).tolist() == [1] * 10  # stratified
    assert names[0] == "class 0" and "official test set" in description
