"""Built-in presets of the Vision Transformer (keras-hub's table format).

Each preset directory is shipped in `applications/presets/<name>/`; see
`applications.preset_registry` for how names resolve. The training command,
data split, wall time and test accuracy of the trained preset are in its
`metadata.json` and in `docs/vision_transformer.md`.
"""

backbone_presets = {
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
