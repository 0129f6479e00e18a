"""Built-in preset table and preset resolution, shared by every application.

keras-hub resolves a built-in preset name through a private table
(`keras_hub.src.utils.preset_utils.register_presets`) that maps the name to a
`kaggle_handle`. That table is not public API, so applications here keep their
own table (this module) and resolve names *before* handing the preset to
keras-hub's public `from_preset()`:

- a built-in name resolves to its directory shipped inside the package,
  `applications/presets/<name>/` (works offline), or, when that directory is
  not installed, to the entry's `kaggle_handle` (a remote mirror), if any;
- a remote handle (`kaggle://`, `hf://`, `gs://`, `modelscope://`, ...) is
  passed to keras-hub unchanged, which downloads and caches it;
- a local directory is checked (config and weight files present and
  readable) and passed on.

Every class with presets (backbone, task, preprocessor, tokenizer) inherits
`PresetMixin` ahead of its keras-hub base class, which overrides the
`presets` class property and `from_preset()` accordingly.
"""

import datetime
import json
import os
from pathlib import Path

PRESETS_DIR = Path(__file__).resolve().parents[1] / "presets"

CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
MODEL_WEIGHTS_FILE = "model.weights.h5"
SHARDED_MODEL_WEIGHTS_FILE = "model.weights.json"

# Preset name -> {"metadata": {...}, "backbone_cls": cls, "kaggle_handle": ...}.
_BUILTIN_PRESETS = {}


class classproperty(property):
    """A read-only property evaluated on the class (like keras-hub's)."""

    def __get__(self, instance, owner_cls):
        return self.fget(owner_cls)


def register_presets(presets, backbone_cls):
    """Registers an application's built-in presets.

    Mirrors keras-hub's table format: each entry has a `metadata` dict
    (`description`, `params`, `path`) and optionally a `kaggle_handle` used
    when the preset directory is not shipped with the installed package.

    Args:
        presets: dict mapping preset name to its entry.
        backbone_cls: the backbone class the presets were saved from; the
            tasks, preprocessors and tokenizers whose `backbone_cls` is this
            class list these presets.
    """
    for name, entry in presets.items():
        if "metadata" not in entry:
            raise ValueError(
                f"Preset entry {name!r} must have a 'metadata' dict. "
                f"Received: {entry!r}"
            )
        registered = _BUILTIN_PRESETS.get(name)
        if registered is not None and registered["backbone_cls"] is not backbone_cls:
            raise ValueError(
                f"Preset name {name!r} is already registered for "
                f"{registered['backbone_cls'].__name__}; received it again "
                f"for {backbone_cls.__name__}. Preset names must be unique."
            )
        _BUILTIN_PRESETS[name] = {**entry, "backbone_cls": backbone_cls}


def builtin_presets(cls=None):
    """Returns the built-in presets usable by `cls` (all when `cls` is None).

    Args:
        cls: a backbone class, or a task / preprocessor / tokenizer class
            with a `backbone_cls` attribute.

    Returns:
        dict mapping preset name to `{"metadata": ..., "kaggle_handle": ...}`.
    """
    if cls is not None:
        backbone_cls = getattr(cls, "backbone_cls", None) or cls
    presets = {}
    for name, entry in sorted(_BUILTIN_PRESETS.items()):
        if cls is None or issubclass(entry["backbone_cls"], backbone_cls):
            presets[name] = {k: v for k, v in entry.items() if k != "backbone_cls"}
    return presets


def builtin_preset_directory(name):
    """The directory a built-in preset is shipped in (may not exist)."""
    return PRESETS_DIR / name


def is_remote_handle(preset):
    """Whether `preset` is a URI-style handle (`kaggle://...`, `hf://...`)."""
    return "://" in preset


def _unknown_preset_message(preset, cls):
    known = sorted(builtin_presets(cls))
    owner = f" for {cls.__name__}" if cls is not None else ""
    return (
        f"Unknown preset{owner}: {preset!r} is neither a built-in preset name "
        "nor an existing directory. Known built-in presets: "
        f"{', '.join(known) if known else '(none)'}. A preset can also be a "
        "path to a local preset directory or a remote handle such as "
        "'kaggle://<owner>/<model>/keras/<variant>' or 'hf://<owner>/<model>'."
    )


def resolve_preset(preset, cls=None):
    """Turns a preset name, handle or path into what keras-hub can load.

    Args:
        preset: a built-in preset name, a remote handle, or a local directory
            (`str` or `os.PathLike`).
        cls: the class `from_preset()` was called on, used to restrict the
            built-in names and to word errors.

    Returns:
        str: a local directory path or a remote handle.

    Raises:
        TypeError: if `preset` is not a string or path.
        ValueError: for an unknown name, a name registered for another
            application, or a built-in preset that is not installed.
    """
    if isinstance(preset, os.PathLike):
        preset = os.fspath(preset)
    if not isinstance(preset, str):
        raise TypeError(
            "`preset` must be a preset name, a remote handle or a directory "
            f"path (str). Received: preset={preset!r} of type "
            f"{type(preset).__name__}"
        )
    if is_remote_handle(preset):
        return preset
    if preset in _BUILTIN_PRESETS:
        if cls is not None and preset not in builtin_presets(cls):
            raise ValueError(
                f"Preset {preset!r} belongs to "
                f"{_BUILTIN_PRESETS[preset]['backbone_cls'].__name__}, not to "
                f"{cls.__name__}. {_unknown_preset_message(preset, cls)}"
            )
        directory = builtin_preset_directory(preset)
        if directory.is_dir():
            return str(directory)
        handle = _BUILTIN_PRESETS[preset].get("kaggle_handle")
        if handle:
            return handle
        raise ValueError(
            f"Built-in preset {preset!r} is registered but its directory "
            f"{str(directory)!r} is not installed and it has no remote handle. "
            "Reinstall the package with its preset data."
        )
    if os.path.exists(preset):
        if not os.path.isdir(preset):
            raise ValueError(
                "A local preset must be a directory (as written by "
                f"`save_to_preset()`). Received a file: preset={preset!r}"
            )
        return preset
    raise ValueError(_unknown_preset_message(preset, cls))


def preset_has_weights(preset):
    """Whether a preset (name, directory or handle) ships model weights.

    Every preset does but an architecture preset (e.g. `transformer_base`),
    a configuration whose metadata says `"weights": "none ..."`, from which
    `from_preset()` builds randomly initialized weights. A preset missing
    its weights file without saying so is damaged, and loading it names the
    file. Remote handles are assumed to have weights.
    """
    resolved = resolve_preset(preset)
    if is_remote_handle(resolved):
        return True
    try:
        with open(Path(resolved) / METADATA_FILE, encoding="utf-8") as file:
            weights = json.load(file).get("weights", "")
    except (OSError, ValueError):
        return True  # `check_preset_directory` names the file at fault.
    return not str(weights).startswith("none")


def check_preset_directory(directory, require_weights=True):
    """Checks a local preset directory before keras-hub reads it.

    keras-hub reports a missing single-file weights file as a missing
    *sharded* index (`model.weights.json`) and a corrupt JSON file without
    its name; this check names the file at fault.

    Args:
        directory: a local preset directory.
        require_weights: whether `model.weights.h5` (or a sharded index) must
            be present, as for a backbone or a task.

    Raises:
        ValueError: naming the missing, unreadable or corrupt file.
    """
    directory = Path(directory)
    config_path = directory / CONFIG_FILE
    if not config_path.is_file():
        raise ValueError(
            f"Preset directory {str(directory)!r} has no {CONFIG_FILE!r}. "
            f"Expected a directory written by `save_to_preset()`; found: "
            f"{sorted(p.name for p in directory.iterdir())}"
        )
    for json_path in sorted(directory.glob("*.json")):
        try:
            with open(json_path, encoding="utf-8") as file:
                json.load(file)
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(
                f"Preset file {str(json_path)!r} is not valid JSON: {error}"
            ) from error
    weights_path = directory / MODEL_WEIGHTS_FILE
    if require_weights and not (
        weights_path.is_file() or (directory / SHARDED_MODEL_WEIGHTS_FILE).is_file()
    ):
        raise ValueError(
            f"Preset directory {str(directory)!r} has no weights file "
            f"{MODEL_WEIGHTS_FILE!r} (nor a sharded {SHARDED_MODEL_WEIGHTS_FILE!r})."
        )
    import h5py

    for h5_path in sorted(directory.glob("*.h5")):
        if not h5py.is_hdf5(h5_path):
            raise ValueError(
                f"Preset file {str(h5_path)!r} is not a readable HDF5 weights "
                "file (truncated or corrupt)."
            )


def update_preset_metadata(directory, **fields):
    """Adds `fields` to a preset's `metadata.json` (written by keras-hub).

    Args:
        directory: a local preset directory.
        **fields: JSON-serializable entries, e.g. `description`,
            `training_command`, `held_out_accuracy`.

    Returns:
        dict: the updated metadata.
    """
    path = Path(directory) / METADATA_FILE
    metadata = {}
    if path.is_file():
        with open(path, encoding="utf-8") as file:
            metadata = json.load(file)
    metadata.update(fields)
    metadata.setdefault(
        "date_saved", datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
    )
    with open(path, "w", encoding="utf-8") as file:
        json.dump(metadata, file, indent=4)
        file.write("\n")
    return metadata


def load_preset_metadata(preset):
    """Reads `metadata.json` of a built-in name or local preset directory.

    Args:
        preset: a built-in preset name or a local directory.

    Returns:
        dict: the metadata, or `{}` when the preset has no metadata file.
    """
    path = Path(resolve_preset(preset)) / METADATA_FILE
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as file:
        return json.load(file)


class PresetMixin:
    """Gives a keras-hub class this package's built-in preset names.

    Put it first among the bases, e.g.
    `class TextClassifier(PresetMixin, keras_hub.models.TextClassifier)`.
    `from_preset()` resolves the name (see `resolve_preset`), checks a local
    directory's files, then defers to the keras-hub base class.
    """

    @classproperty
    def presets(cls):
        """Built-in presets for this class: name -> metadata entry."""
        return builtin_presets(cls)

    @classmethod
    def from_preset(cls, preset, **kwargs):
        """Instantiates the class from a preset name, handle or directory.

        `preset` may be a built-in name (see `cls.presets`), a path to a local
        preset directory, or a remote handle (`kaggle://`, `hf://`) that
        keras-hub downloads. Other keyword arguments go to keras-hub's
        `from_preset()` (e.g. `dtype`); a model's `load_weights` defaults to
        whether the preset has weights (see `preset_has_weights`).
        """
        import keras

        resolved = resolve_preset(preset, cls)
        # A model (backbone, task) loads weights; a tokenizer or a
        # preprocessor has none.
        is_model = issubclass(cls, keras.Model)
        if is_model and kwargs.get("load_weights") is None:
            kwargs["load_weights"] = preset_has_weights(resolved)
        if not is_remote_handle(resolved):
            require_weights = is_model and kwargs["load_weights"]
            check_preset_directory(resolved, require_weights=require_weights)
        return super().from_preset(resolved, **kwargs)

    def save_to_preset(self, preset_dir, metadata=None, **kwargs):
        """Saves to a keras-hub preset directory (see keras-hub's method).

        Args:
            preset_dir: the directory to write.
            metadata: optional dict added to `metadata.json` (e.g.
                `description`, the training record); a task also records
                its class name as `task`.
            **kwargs: forwarded to keras-hub's `save_to_preset()` (e.g.
                `max_shard_size`).
        """
        import keras_hub

        super().save_to_preset(preset_dir, **kwargs)
        if not (Path(preset_dir) / METADATA_FILE).is_file():
            return  # a tokenizer or preprocessor saved on its own
        # A backbone is its own `backbone_cls`; the other classes name it.
        backbone_cls = getattr(self, "backbone_cls", None) or type(self)
        # keras-hub names compatible tasks by `cls.__base__`, which is this
        # mixin for our classes; name their keras-hub base class instead.
        fields = {"tasks": compatible_tasks(backbone_cls)}
        if isinstance(self, keras_hub.models.Task):
            fields["task"] = type(self).__name__
        update_preset_metadata(preset_dir, **{**fields, **(metadata or {})})


def compatible_tasks(backbone_cls):
    """Names of the keras-hub task types registered for `backbone_cls`.

    Args:
        backbone_cls: a backbone class.

    Returns:
        sorted list of keras-hub base class names, e.g. `["TextClassifier"]`.
    """
    import inspect

    import keras
    import keras_hub

    names = set()
    for obj in keras.saving.get_custom_objects().values():
        if (
            inspect.isclass(obj)
            and issubclass(obj, keras_hub.models.Task)
            and getattr(obj, "backbone_cls", None) is backbone_cls
        ):
            for base in obj.__mro__[1:]:
                if base.__module__.startswith("keras_hub"):
                    names.add(base.__name__)
                    break
    return sorted(names)
