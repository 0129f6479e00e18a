"""Built-in presets of the text classifier (keras-hub's table format).

Each preset directory is shipped in `applications/presets/<name>/`; see
`applications.preset_registry` for how names resolve.
"""

backbone_presets = {}
