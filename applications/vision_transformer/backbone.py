"""Vision Transformer backbone: patches + class token + positions + encoder.

Shape legend: B batch, H image height, W image width, C channels,
P patch size, N = (H / P) * (W / P) patches, E `hidden_dim`.
"""

import keras
import keras_hub

from applications.common.distribution import LayoutMapMixin
from applications.common.encoder import encoder_blocks
from applications.common.presets import PresetMixin, register_presets
from applications.vision_transformer.class_token import ClassToken
from applications.vision_transformer.patch_embedding import PatchEmbedding, as_pair
from applications.vision_transformer.presets import backbone_presets
from keras_attention import layers
from keras_attention.api_export import keras_attention_export


@keras_attention_export
class VisionTransformerBackbone(LayoutMapMixin, PresetMixin, keras_hub.models.Backbone):
    """The ViT encoder: one E-wide vector for the class token and each patch.

    A functional `keras.Model` (a `keras_hub.models.Backbone`) computing, as
    in Dosovitskiy et al. (2021, eqs. 1-4):

    1. the patch embedding: each P x P patch flattened and projected to E
       (`PatchEmbedding`, a Conv2D with kernel = stride = P);
    2. a learned class token prepended (`ClassToken`) and learned position
       embeddings added (`keras_attention.layers.LearnedPositionEmbedding`
       over the 1 + N positions), then dropout;
    3. `num_layers` pre-LN `keras_attention.layers.TransformerEncoderBlock`s
       (x = x + MSA(LN(x)); x = x + MLP(LN(x)), GELU MLP);
    4. a final layer normalization.

    The classification head (class-token pooling, softmax) lives in
    `VisionTransformer`. Images enter as floats, already rescaled by the
    preprocessor (`VisionTransformerPreprocessor`).

    Reference: Dosovitskiy et al., "An Image is Worth 16x16 Words:
    Transformers for Image Recognition at Scale", ICLR 2021.

    Args:
        image_size: (H, W), or an int for square images.
        patch_size: P, an int (square patches) or a `(Ph, Pw)` pair; must
            divide the image size.
        num_layers: number of `TransformerEncoderBlock`s.
        num_heads: attention heads per block; must divide `hidden_dim`.
        hidden_dim: E, the model width (D in the paper).
        intermediate_dim: width of the MLP hidden layer.
        num_channels: C, channels of the images (3 for RGB, 1 for gray).
        dropout: dropout after the embeddings and inside every block.
        layer_norm_epsilon: epsilon of the layer normalizations.
        dtype: dtype policy of the weights and computations.
        **kwargs: forwarded to `keras_hub.models.Backbone` (e.g. `name`).

    Call arguments:
        images: (B, H, W, C) float images.

    Returns:
        (B, 1 + N, E): the class token's vector first, then the patches'.

    Example:
    >>> backbone = VisionTransformerBackbone(
    ...     image_size=(8, 8), patch_size=2, num_layers=1, num_heads=2,
    ...     hidden_dim=16, intermediate_dim=32, num_channels=1)
    >>> backbone(np.zeros((2, 8, 8, 1), "float32")).shape
    (2, 17, 16)
    """

    def __init__(
        self,
        image_size,
        patch_size,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        num_channels=3,
        dropout=0.0,
        layer_norm_epsilon=1e-6,
        dtype=None,
        **kwargs,
    ):
        image_size = as_pair(image_size, "image_size")
        patch_size = as_pair(patch_size, "patch_size")
        for arg_name, value in (
            ("num_layers", num_layers),
            ("num_heads", num_heads),
            ("hidden_dim", hidden_dim),
            ("intermediate_dim", intermediate_dim),
            ("num_channels", num_channels),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"`{arg_name}` must be a positive integer. "
                    f"Received: {arg_name}={value!r}"
                )
        if image_size[0] % patch_size[0] or image_size[1] % patch_size[1]:
            raise ValueError(
                "`patch_size` must divide `image_size` (the image is cut into "
                "whole, non-overlapping patches). Received: "
                f"image_size={image_size}, patch_size={patch_size}"
            )
        if hidden_dim % num_heads:
            raise ValueError(
                "`num_heads` must divide `hidden_dim` (each head has "
                f"hidden_dim // num_heads features). Received: "
                f"hidden_dim={hidden_dim}, num_heads={num_heads}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"`dropout` must be in [0, 1). Received: {dropout!r}")
        num_patches = (image_size[0] // patch_size[0]) * (
            image_size[1] // patch_size[1]
        )

        # === Layers ===
        self.patch_embedding = PatchEmbedding(
            patch_size=patch_size,
            hidden_dim=hidden_dim,
            dtype=dtype,
            name="patch_embedding",
        )
        self.class_token = ClassToken(dtype=dtype, name="class_token")
        self.position_embedding = layers.LearnedPositionEmbedding(
            sequence_length=1 + num_patches,
            initializer=keras.initializers.RandomNormal(stddev=0.02),
            dtype=dtype,
            name="position_embedding",
        )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
        self.embeddings_add = keras.layers.Add(dtype=dtype, name="embeddings_add")
        self.encoder_blocks = encoder_blocks(
            num_layers=num_layers,
            num_heads=num_heads,
            intermediate_dim=intermediate_dim,
            dropout=dropout,
            layer_norm_epsilon=layer_norm_epsilon,
            normalize_first=True,  # pre-LN, as in the paper
            dtype=dtype,
        )
        self.final_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=dtype, name="final_layer_norm"
        )

        # === Functional model ===
        images = keras.Input(shape=(*image_size, num_channels), name="images")
        x = self.patch_embedding(images)  # (B, N, E)
        x = self.class_token(x)  # (B, 1 + N, E)
        x = self.embeddings_add([x, self.position_embedding(x)])  # (B, 1 + N, E)
        x = self.embeddings_dropout(x)
        for block in self.encoder_blocks:
            x = block(x)  # (B, 1 + N, E)
        x = self.final_layer_norm(x)
        super().__init__(inputs=images, outputs=x, dtype=dtype, **kwargs)

        # === Config ===
        self.image_size = image_size
        self.patch_size = patch_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.num_channels = num_channels
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon

    @property
    def num_patches(self):
        """N, the number of patches of one image."""
        return (self.image_size[0] // self.patch_size[0]) * (
            self.image_size[1] // self.patch_size[1]
        )

    @classmethod
    def layout_rules(cls, model):
        """The encoder's rules, and the patch projection, class token and
        position embeddings along their width E."""
        return {
            **super().layout_rules(model),
            r"patch_embedding/projection/kernel": (None, None, None, model),
            r"patch_embedding/projection/bias": (model,),
            r"class_token/token": (model,),
        }

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "image_size": list(self.image_size),
                "patch_size": list(self.patch_size),
                "num_layers": self.num_layers,
                "num_heads": self.num_heads,
                "hidden_dim": self.hidden_dim,
                "intermediate_dim": self.intermediate_dim,
                "num_channels": self.num_channels,
                "dropout": self.dropout,
                "layer_norm_epsilon": self.layer_norm_epsilon,
            }
        )
        return config


register_presets(backbone_presets, VisionTransformerBackbone)
