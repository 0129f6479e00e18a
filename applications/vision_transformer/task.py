"""The Vision Transformer image classifier: backbone + pooling + softmax head.

Shape legend: B batch, H image height, W image width, C channels,
N patches, E `hidden_dim`, K classes.
"""

import keras
import keras_hub

from applications.common.checks import require_preprocessor
from applications.common.classification import ClassificationTaskMixin
from applications.common.presets import PresetMixin
from applications.vision_transformer.backbone import VisionTransformerBackbone
from applications.vision_transformer.preprocessor import (
    VisionTransformerPreprocessor,
    images_checked,
    needs_check,
)
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class VisionTransformer(
    ClassificationTaskMixin, PresetMixin, keras_hub.models.ImageClassifier
):
    """Classifies images with a Vision Transformer (Dosovitskiy et al. 2021).

    Pools the backbone's output (the class token's vector, as in the paper,
    or the mean over all tokens), applies dropout and a dense softmax layer
    over K classes. The class names are kept in the config, hence in the
    preset.

    Two ways to predict:
    - `predict(images)` keeps the Keras / keras-hub contract and returns a
      (B, K) array of class probabilities (logits if `activation=None`), so
      `evaluate()`, metrics and callbacks work unchanged;
    - `classify(images)` returns the label names and the probabilities.

    Reference: Dosovitskiy et al., "An Image is Worth 16x16 Words:
    Transformers for Image Recognition at Scale", ICLR 2021.

    Args:
        backbone: a `VisionTransformerBackbone`.
        preprocessor: a `VisionTransformerPreprocessor`, or None to feed
            float images directly.
        pooling: `"token"` (the default: the class token's vector, as in the
            paper) or `"mean"` (the mean of all 1 + N vectors).
        dropout: dropout rate before the output layer (default 0).
        num_classes (K), label_names, activation, **kwargs: see
            `applications.common.classification.ClassificationTaskMixin`.

    Call arguments:
        images: (B, H, W, C) float images (the preprocessor's output).

    Returns:
        (B, K) class probabilities.

    Example:
    >>> backbone = VisionTransformerBackbone(
    ...     image_size=8, patch_size=2, num_layers=1, num_heads=2,
    ...     hidden_dim=16, intermediate_dim=32, num_channels=1)
    >>> preprocessor = VisionTransformerPreprocessor(
    ...     VisionTransformerImageConverter(image_size=8, num_channels=1))
    >>> classifier = VisionTransformer(
    ...     backbone, label_names=["zero", "one"], preprocessor=preprocessor)
    >>> images = np.random.randint(0, 256, (4, 8, 8, 1), "uint8")
    >>> classifier.fit(images, [0, 1, 1, 0], epochs=1)
    >>> labels, probabilities = classifier.classify(images)
    """

    backbone_cls = VisionTransformerBackbone
    preprocessor_cls = VisionTransformerPreprocessor
    head_defaults = {"pooling": "token", "dropout": 0.0}

    def _check_preprocessor(self, backbone, preprocessor):
        converter = getattr(preprocessor, "image_converter", None)
        if converter is None:
            return
        received = (tuple(converter.image_size), converter.num_channels)
        expected = (tuple(backbone.image_size), backbone.num_channels)
        if received != expected:
            raise ValueError(
                "The preprocessor's image size and channels must match the "
                f"backbone's. Received: preprocessor (image_size, num_channels)="
                f"{received}, backbone {expected}"
            )

    def _check_inputs(self, x):
        """Checks arrays of images against the preprocessor's rule (see
        `VisionTransformerPreprocessor.check_images`) before `tf.data` takes
        them; a `tf.data.Dataset` is checked by shape only, in the pipeline."""
        if needs_check(x):
            self.preprocessor.check_images(x)

    def default_optimizer(self):
        """AdamW with learning rate 1e-3 and weight decay 0.05 (from scratch)."""
        return keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.05)

    def classify(self, images, batch_size=32):
        """Classifies images and returns label names with probabilities.

        Args:
            images: a (B, H, W, C) batch or one (H, W, C) image (a numpy array
                or a list of arrays): uint8 (0-255) or float in [0, 1], as
                `VisionTransformerPreprocessor.check_images` accepts them.
            batch_size: batch size of the forward passes (a positive integer).

        Returns:
            `(labels, probabilities)`: for a batch, a list of B label names
            and a (B, K) array whose columns follow `label_names`; for one
            image, one label name and a (K,) array.

        Raises:
            ValueError: if there is no preprocessor, for an empty batch,
                images of the wrong size or channel count, or values the
                preprocessor's rule refuses (float images outside [0, 1] or
                not finite, integer images outside 0-255).
            TypeError: for boolean or non-numeric images.

        Warns:
            UserWarning: once, for integer images whose brightest pixel is
                16 or below (they look like 0-16 gray levels).
        """
        require_preprocessor(self, "classify", "to check and rescale the images")
        images = self.preprocessor.check_images(images)
        single = images.ndim == 3
        if single:
            images = images[None]  # (1, H, W, C)
        with images_checked():  # `predict` does not check them again
            return self._labels_and_probabilities(images, batch_size, single)
