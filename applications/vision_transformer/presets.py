"""Vision Transformer presets shipped in the package (docs/vision_transformer.md)."""

backbone_presets = {
    "vit_tiny_digits": {
        "metadata": {
            "description": (
                "Vision Transformer (2x2 patches, 4 pre-LN layers, hidden 64, "
                "4 heads, MLP 128) trained on scikit-learn's 8x8 digits."
            ),
            "params": 136_138,
            "result": "test accuracy 98.3% (360 held-out digits)",
            "task": "VisionTransformer",
            "path": "vision_transformer",
        },
    },
    "vit_base_patch16_224": {
        "metadata": {
            "description": (
                "ViT-Base/16 (Dosovitskiy et al. 2021): 224x224 RGB, 16x16 "
                "patches, 12 layers, hidden 768, 12 heads, MLP 3072, 1,000 "
                "classes; architecture only, random weights."
            ),
            "params": 86_567_656,
            "task": "VisionTransformer",
            "path": "vision_transformer",
        },
    },
}
