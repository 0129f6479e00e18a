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
  readable, the JSON configs shaped as `save_to_preset()` writes them and
  naming classes of `ALLOWED_PACKAGES` only, vocabularies UTF-8, and the
  files its `metadata.json` manifest records unchanged) and passed on.

Loading a built-in or local preset never imports or runs code outside this
library and Keras: a config that names a class of another module, or a
registered name that resolves to one, is refused before keras-hub reads it
(`check_preset_configs`). A remote handle (`hf://`, `kaggle://`, ...) is not
checked here: keras-hub downloads its files and builds the objects with
Keras' own safe deserialization (`safe_mode`: no lambdas or bytecode; Keras
imports modules of `keras`, `keras_hub`, `keras_cv` and `keras_nlp` only,
and any other class must already be registered in the running process).

Every class with presets (backbone, task, preprocessor, tokenizer) inherits
`PresetMixin` ahead of its keras-hub base class, which overrides the
`presets` class property, `from_preset()` and `save_to_preset()`
accordingly. `save_to_preset()` writes the directory beside its target and
renames it into place (see `applications.common.files`), so an existing
preset survives any failure, and records in `metadata.json` a `files`
manifest (size and sha256 of every weights file and asset) that
`from_preset()` verifies.
"""

import datetime
import hashlib
import json
import os
from pathlib import Path

from applications.common.files import check_destination, replace_directory

PRESETS_DIR = Path(__file__).resolve().parents[1] / "presets"

CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
PREPROCESSOR_CONFIG_FILE = "preprocessor.json"
TASK_CONFIG_FILE = "task.json"
MODEL_WEIGHTS_FILE = "model.weights.h5"
SHARDED_MODEL_WEIGHTS_FILE = "model.weights.json"
TASK_WEIGHTS_FILE = "task.weights.h5"
# The `metadata.json` entry of the manifest: relative path -> size, sha256.
MANIFEST_KEY = "files"
# The packages whose classes a preset's configs may name.
ALLOWED_PACKAGES = ("keras", "keras_hub", "keras_attention", "applications")
# What every top-level JSON config holds (`keras.saving.serialize_keras_object`).
CONFIG_KEYS = {
    "module": str,
    "class_name": str,
    "config": dict,
    "registered_name": (str, type(None)),
}

# Temporary directories being written by an outer `save_to_preset()`: the
# parts keras-hub saves into them (backbone, preprocessor, tokenizer) write
# in place.
_SAVING = set()

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
    # A class may list more than its backbone's (a task, its subclasses').
    known = sorted(builtin_presets(cls) if cls is None else cls.presets)
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


def preset_config(preset, config_file=CONFIG_FILE):
    """`(cls, config)` of one of a local preset's JSON configs, without
    building anything.

    The class is looked up among the classes registered with Keras, else
    among the public classes of `applications` (whose module is then
    imported, which registers it: a preset of another application, e.g. a
    masked LM, loads with its classes); nothing else is imported.

    Args:
        preset: a built-in preset name or a local directory.
        config_file: `config.json` (the backbone), `task.json`,
            `preprocessor.json` or `tokenizer.json`.

    Returns:
        `(cls, config)`: the registered class (None if unknown or not of
        `ALLOWED_PACKAGES`) and the object's `config` dict; `(None, {})`
        for a remote handle or a missing or unreadable file
        (`from_preset()` reports those).
    """
    import keras

    resolved = resolve_preset(preset)
    if is_remote_handle(resolved):
        return None, {}
    try:
        with open(Path(resolved) / config_file, encoding="utf-8") as file:
            serialized = json.load(file)
        name, config = serialized["registered_name"], serialized["config"]
    except (OSError, ValueError, TypeError, KeyError):
        return None, {}
    if not isinstance(config, dict):
        return None, {}
    cls = None
    if isinstance(name, str):
        cls = keras.saving.get_registered_object(name) or _exported_class(name)
    if not isinstance(cls, type) or _package(cls) not in ALLOWED_PACKAGES:
        cls = None  # `check_preset_configs` names a class from elsewhere
    return cls, config


def _package(cls):
    return cls.__module__.partition(".")[0]


def _exported_class(registered_name):
    """The class of `applications` registered as `registered_name`
    (`"keras_attention>BertMaskedLM"`), importing its module from the
    package's table of public classes (nothing else is imported); None for
    another name."""
    import applications

    package, _, name = registered_name.partition(">")
    if package != "keras_attention" or name not in applications.__all__:
        return None
    return getattr(applications, name)


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
    except (OSError, ValueError, AttributeError):
        return True  # `check_preset_directory` names the file at fault.
    return not str(weights).startswith("none")


def check_preset_directory(directory, require_weights=True):
    """Checks a local preset directory before keras-hub reads it.

    keras-hub reports a missing single-file weights file as a missing
    *sharded* index (`model.weights.json`) and a corrupt JSON file without
    its name; this check names the file at fault. When `metadata.json` has a
    `files` manifest, every file it records is checked against it (see
    `verify_preset_manifest`).

    Args:
        directory: a local preset directory.
        require_weights: whether `model.weights.h5` (or a sharded index) must
            be present, as for a backbone or a task.

    Raises:
        ValueError: naming the file at fault: no `config.json`, a JSON file
            that does not parse or is not shaped as `save_to_preset()`
            writes it, a config naming a class outside `ALLOWED_PACKAGES`
            (`check_preset_configs`; nothing is imported), no weights file
            when `require_weights`, an HDF5 file that is truncated or
            corrupt, a `metadata.json` that is no JSON object, a file the
            manifest records missing or changed (size or sha256), or a
            vocabulary that is not UTF-8 (with the line) or a SentencePiece
            model (`.spm`) that does not parse.
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
    check_preset_configs(directory)
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
    metadata_path = directory / METADATA_FILE
    if metadata_path.is_file():
        with open(metadata_path, encoding="utf-8") as file:
            metadata = json.load(file)
        if not isinstance(metadata, dict):
            raise ValueError(
                f"Preset file {str(metadata_path)!r} must hold a JSON object "
                "(the preset's description, record and files manifest). "
                f"Received: {type(metadata).__name__} {metadata!r:.80}"
            )
        if MANIFEST_KEY in metadata:
            verify_preset_manifest(directory, metadata[MANIFEST_KEY])
    for text_path in sorted((directory / "assets").rglob("*.txt")):
        _check_utf8(text_path)
    for model_path in sorted((directory / "assets").rglob("*.spm")):
        _check_sentence_piece_model(model_path)


def _check_sentence_piece_model(path):
    """Raises `ValueError` naming `path` if it is not a SentencePiece model
    (TensorFlow Text's op would fail later with an internal parse error)."""
    import sentencepiece

    try:
        sentencepiece.SentencePieceProcessor(model_proto=path.read_bytes())
    except RuntimeError:
        raise ValueError(
            f"Preset file {str(path)!r} is not a readable SentencePiece model "
            "(truncated or corrupt). Expected the serialized model "
            "`save_to_preset()` writes; save the preset again."
        ) from None


def _check_utf8(path):
    """Raises `ValueError` naming `path` and the line if it is not UTF-8."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValueError(
            f"Preset file {str(path)!r} is not UTF-8 text: byte "
            f"{data[error.start]:#04x} at line {line} ({error.reason}). Expected "
            "a UTF-8 vocabulary as `save_to_preset()` writes it; re-encode the "
            "file (e.g. from Latin-1) and save the preset again."
        ) from None


def check_preset_configs(directory):
    """Checks a preset's JSON configs before keras-hub deserializes them.

    Every top-level `*.json` but `metadata.json` (and a sharded weights
    index) must be a Keras object config as `save_to_preset()` writes it:
    a JSON object with `module` and `class_name` (strings), `config` (an
    object) and `registered_name`. Every object config inside it, nested
    ones included, must name a module of `ALLOWED_PACKAGES` (or Keras'
    `builtins` functions), and a registered name must not resolve to a
    class outside them: nothing else is imported or run.

    Args:
        directory: a local preset directory.

    Raises:
        ValueError: naming the file and the key at fault, or the class and
            module that are not allowed.
    """
    directory = Path(directory)
    for path in sorted(directory.glob("*.json")):
        if path.name in (METADATA_FILE, SHARDED_MODEL_WEIGHTS_FILE):
            continue
        with open(path, encoding="utf-8") as file:
            config = json.load(file)
        expected = (
            "a Keras object config as `save_to_preset()` writes it: a JSON "
            "object with 'module' (str), 'class_name' (str), 'config' (object) "
            "and 'registered_name'"
        )
        if not isinstance(config, dict):
            raise ValueError(
                f"Preset file {str(path)!r} must hold {expected}. Received: "
                f"{type(config).__name__} {config!r:.80}"
            )
        for key, kind in CONFIG_KEYS.items():
            if key not in config or not isinstance(config[key], kind):
                received = (
                    "no such key"
                    if key not in config
                    else f"{key}={config[key]!r:.80} of type "
                    f"{type(config[key]).__name__}"
                )
                raise ValueError(
                    f"Preset file {str(path)!r}: {key!r} is missing or of the "
                    f"wrong type. Expected {expected}. Received: {received}"
                )
        for item in _object_configs(config):
            _check_allowed_class(path, item)


def _object_configs(value):
    """Yields every dict with a `class_name` inside a JSON value."""
    if isinstance(value, dict):
        if "class_name" in value:
            yield value
        for item in value.values():
            yield from _object_configs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _object_configs(item)


def _is_allowed_module(module):
    return isinstance(module, str) and module.split(".")[0] in ALLOWED_PACKAGES


def _check_allowed_class(path, config):
    """Refuses an object config naming a class outside `ALLOWED_PACKAGES`."""
    import keras

    module = config.get("module")
    registered = config.get("registered_name")
    where = None  # the module outside, if any
    if not (module is None or module == "builtins" or _is_allowed_module(module)):
        where = module
    elif registered is not None:
        found = None
        if isinstance(registered, str):
            found = keras.saving.get_registered_object(registered)
        if found is not None:  # Keras would use the registered class
            if not _is_allowed_module(getattr(found, "__module__", None)):
                where = getattr(found, "__module__", None)
        elif ">" in str(registered):  # "package>Name"
            package = str(registered).split(">")[0]
            where = None if package in ALLOWED_PACKAGES else package
    if where is not None:
        raise ValueError(
            f"Preset file {str(path)!r} names the class "
            f"{config.get('class_name')!r} of module {where!r} (module="
            f"{module!r}, registered_name={registered!r}): a preset may only "
            f"use classes of {', '.join(ALLOWED_PACKAGES)}, and loading it would "
            "import or run code from elsewhere. Refused; nothing was imported."
        )


def _manifest_files(directory):
    """The files a manifest records: weights and assets, not the JSON configs.

    Every file of the directory but the top-level `*.json` (configs and
    `metadata.json` itself; a sharded weights index counts as weights).
    """
    directory = Path(directory)
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        is_config = (
            "/" not in relative
            and relative.endswith(".json")
            and relative != SHARDED_MODEL_WEIGHTS_FILE
        )
        if path.is_file() and not is_config:
            yield relative, path


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def preset_manifest(directory):
    """What belongs together in a preset: its weights files and assets.

    Args:
        directory: a local preset directory.

    Returns:
        dict: relative path (`/`-separated) -> `{"size": bytes, "sha256":
        hex digest}`, for every file but the top-level JSON configs.
    """
    return {
        relative: {"size": path.stat().st_size, "sha256": _sha256(path)}
        for relative, path in _manifest_files(directory)
    }


def verify_preset_manifest(directory, manifest):
    """Checks a preset's files against the manifest in its `metadata.json`.

    Args:
        directory: a local preset directory.
        manifest: `metadata.json`'s `files` entry (see `preset_manifest`).

    Raises:
        ValueError: naming the first file that is missing, of another size
            (truncated), of other contents (swapped or corrupt), or a weights
            file the manifest does not list.
    """
    directory = Path(directory)
    recorded = f"{METADATA_FILE} of {str(directory)!r} records"
    if not isinstance(manifest, dict) or not all(
        isinstance(entry, dict) and {"size", "sha256"} <= set(entry)
        for entry in manifest.values()
    ):
        raise ValueError(
            f"The {MANIFEST_KEY!r} manifest in {str(directory / METADATA_FILE)!r} "
            "is malformed. Expected a dict of relative path -> "
            f"{{'size': ..., 'sha256': ...}}. Received: {manifest!r:.200}"
        )
    for relative, expected in sorted(manifest.items()):
        path = directory / relative
        if not path.is_file():
            raise ValueError(
                f"Preset file {str(path)!r} is missing: {recorded} it "
                f"({expected['size']} bytes, sha256 {expected['sha256']}). "
                "Found: no such file."
            )
        size = path.stat().st_size
        if size != expected["size"]:
            raise ValueError(
                f"Preset file {str(path)!r} has {size} bytes: {recorded} "
                f"{expected['size']} bytes (truncated or replaced)."
            )
        digest = _sha256(path)
        if digest != expected["sha256"]:
            raise ValueError(
                f"Preset file {str(path)!r} has sha256 {digest}: {recorded} "
                f"{expected['sha256']} (changed, or swapped for another "
                "preset's file)."
            )
    unlisted = [
        path.name for path in directory.glob("*.h5") if path.name not in manifest
    ]
    if unlisted:
        raise ValueError(
            f"Preset directory {str(directory)!r} holds weights files that its "
            f"{METADATA_FILE} manifest does not record: {sorted(unlisted)}. "
            f"Expected only: {sorted(name for name in manifest if '/' not in name)}."
        )


def _is_preset_like(directory):
    """Whether a directory may be replaced by a preset: empty, or holding
    files and an `assets/` folder only, one of them a JSON config."""
    entries = list(Path(directory).iterdir())
    if not entries:
        return True
    return all(
        entry.is_file() or (entry.name == "assets" and entry.is_dir())
        for entry in entries
    ) and any(entry.suffix == ".json" for entry in entries)


def check_preset_destination(preset_dir, overwrite=False, option="--output"):
    """Checks, before training, that a preset can be written at `preset_dir`.

    Args:
        preset_dir: the directory `save_to_preset()` will write.
        overwrite: whether an existing preset there may be replaced.
        option: the option that gave the path, for the errors.

    Raises:
        ValueError: naming the path and the option: it exists (without
            `overwrite`), is a file or a directory that is no preset, or
            cannot be written (under a file, not writable).
    """
    path = Path(preset_dir)
    check_destination(path, option, kind="directory")
    if not path.is_dir():
        return
    if not _is_preset_like(path):
        raise ValueError(
            f"{option} {str(path)!r} is an existing directory that is not a "
            "preset (it holds folders other than 'assets/', or no JSON "
            "config); a preset would replace all of it. Expected a new path or "
            "a preset directory."
        )
    if not overwrite and any(path.iterdir()):
        raise ValueError(
            f"{option} {str(path)!r} already exists. Give --overwrite to replace "
            "it (it is replaced only once the new preset is complete), or "
            "another path."
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
    `save_to_preset()` writes the preset atomically, with its manifest.
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

        A local directory's files are checked first (`check_preset_directory`:
        the manifest in `metadata.json`, when it has one); a task whose head
        has weights fails when the preset lacks `task.weights.h5`, where
        keras-hub would leave the head randomly initialized.

        A remote handle's files are not checked here (see the module
        docstring): Keras' safe deserialization builds them.

        Args:
            preset: a built-in name, a local directory (`str` or
                `os.PathLike`) or a remote handle.
            **kwargs: forwarded to keras-hub's `from_preset()`.

        Returns:
            An instance of `cls` (or of the subclass the preset's config
            names).

        Raises:
            TypeError: if `preset` is not a string or path, or a config value
                has the wrong type (naming the preset).
            ValueError: for an unknown preset name, a name registered for
                another application or a built-in preset that is not
                installed (`resolve_preset`); for a local directory, a
                config naming a class outside `ALLOWED_PACKAGES` (refused
                before anything is imported) or a missing, corrupt,
                truncated or changed file (`check_preset_directory`); a
                config that does not build the object (naming the preset);
                a task preset with head weights missing.
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
        try:
            loaded = super().from_preset(resolved, **kwargs)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise _preset_error(error, resolved, cls) from error
        except FileNotFoundError as error:
            if is_remote_handle(resolved) or preset_has_weights(resolved):
                raise
            raise ValueError(
                _architecture_only_message(preset, resolved, cls, error)
            ) from error
        if is_model and kwargs["load_weights"] and not is_remote_handle(resolved):
            _check_task_weights_loaded(loaded, resolved, kwargs)
        return loaded

    def save_to_preset(self, preset_dir, metadata=None, check=None, **kwargs):
        """Saves to a keras-hub preset directory (see keras-hub's method).

        Nothing is lost on failure: the preset is written into a temporary
        directory beside `preset_dir` (`.<name>.tmp-<pid>`), then renamed
        into place; an existing preset is replaced only once the new one is
        complete (see `applications.common.files.replace_directory`). A task
        replaces the whole directory; a backbone, preprocessor or tokenizer
        adds or replaces its own files in a copy of an existing preset, as
        keras-hub does in place. `metadata.json` records the `files`
        manifest (`preset_manifest`) that `from_preset()` verifies.

        Args:
            preset_dir: the directory to write.
            metadata: optional dict added to `metadata.json` (e.g.
                `description`, the training record); a task also records
                its class name as `task`.
            check: optional `check(directory)`, run on the complete new
                preset (in its temporary directory) before it replaces
                `preset_dir`: if it raises, `preset_dir` is left as it was
                (e.g. `training.check_preset_reloads`).
            **kwargs: forwarded to keras-hub's `save_to_preset()` (e.g.
                `max_shard_size`).

        Raises:
            ValueError: if `preset_dir` is a file, or an existing directory
                that is not a preset (it would be replaced as a whole).
        """
        import keras_hub

        directory = Path(preset_dir).absolute()
        if directory in _SAVING:  # a part keras-hub saves inside our save
            self._write_preset(directory, metadata, kwargs)
            return
        check_destination(directory, "`preset_dir`", kind="directory")
        if directory.is_dir() and not _is_preset_like(directory):
            raise ValueError(
                f"`preset_dir` {str(directory)!r} is an existing directory that "
                "is not a preset (it holds folders other than 'assets/', or no "
                "JSON config); saving would replace all of it. Expected a new "
                "path or a preset directory."
            )
        is_task = isinstance(self, keras_hub.models.Task)

        def write(temporary):
            if isinstance(self, keras_hub.models.Backbone):
                for name in (MODEL_WEIGHTS_FILE, SHARDED_MODEL_WEIGHTS_FILE):
                    (temporary / name).unlink(missing_ok=True)
            _SAVING.add(temporary)
            try:
                self._write_preset(temporary, metadata, kwargs)
            finally:
                _SAVING.discard(temporary)
            if (temporary / METADATA_FILE).is_file():
                update_preset_metadata(
                    temporary, **{MANIFEST_KEY: preset_manifest(temporary)}
                )
            if check is not None:
                check(temporary)

        replace_directory(directory, write, keep_existing=not is_task)

    def _write_preset(self, directory, metadata, kwargs):
        """keras-hub's `save_to_preset()` into `directory`, then our metadata."""
        import keras_hub

        super().save_to_preset(str(directory), **kwargs)
        if not (directory / METADATA_FILE).is_file():
            return  # a tokenizer or preprocessor saved on its own
        # A backbone is its own `backbone_cls`; the other classes name it.
        backbone_cls = getattr(self, "backbone_cls", None) or type(self)
        # keras-hub names compatible tasks by `cls.__base__`, which is this
        # mixin for our classes; name their keras-hub base class instead.
        fields = {"tasks": compatible_tasks(backbone_cls)}
        if isinstance(self, keras_hub.models.Task):
            fields["task"] = type(self).__name__
        update_preset_metadata(directory, **{**fields, **(metadata or {})})


def _preset_error(error, preset, cls):
    """A `TypeError` or `ValueError` naming the preset its configs failed in.

    keras-hub and Keras report a config that does not build (a wrong type,
    a missing key, a bad value) without the preset; this names it once
    (nested loads of the preprocessor or tokenizer do not add it again).
    """
    if getattr(error, "names_preset", False):
        return error
    # Keras wraps a constructor's error in a `TypeError` quoting the whole
    # config, once per level of nesting; report the constructor's own error.
    while isinstance(
        error.__cause__ or error.__context__,
        (TypeError, ValueError, KeyError, AttributeError),
    ):
        error = error.__cause__ or error.__context__
    message = str(error.args[0]) if error.args else repr(error)
    message = message.rsplit("Exception encountered: ", 1)[-1]
    if isinstance(error, (KeyError, AttributeError)):
        message = f"{type(error).__name__}: {message}"
    files = sorted(path.name for path in Path(preset).glob("*.json"))
    kind = TypeError if isinstance(error, TypeError) else ValueError
    wrapped = kind(
        f"Preset {str(preset)!r} could not be loaded as a {cls.__name__} (from "
        f"its configs {', '.join(files) or 'of the remote handle'}): {message}"
    )
    wrapped.names_preset = True
    return wrapped


def _architecture_only_message(preset, resolved, cls, error):
    """Why an architecture preset (a backbone config, random weights, no
    tokenizer) cannot build `cls`, and what to load instead."""
    backbone_cls, _ = preset_config(resolved)
    backbone = backbone_cls.__name__ if backbone_cls else "its backbone class"
    trained = sorted(
        name
        for name in builtin_presets(cls)
        if preset_has_weights(name) and builtin_preset_directory(name).is_dir()
    )
    return (
        f"Preset {str(preset)!r} is an architecture preset: a backbone config "
        f"with random weights and no tokenizer ({str(error).rstrip('.')}), so it "
        f"cannot build a {cls.__name__}. Expected a trained preset"
        + (f" (e.g. {', '.join(map(repr, trained))})" if trained else "")
        + "; build the bare architecture with "
        f"`{backbone}.from_preset({str(preset)!r})`, or train one on your data."
    )


def _check_task_weights_loaded(task, directory, kwargs):
    """Fails where keras-hub silently leaves a task's head random.

    keras-hub's preset loader loads `task.weights.h5` only if the file
    exists; without it, the weights outside the backbone (a classifier's
    head) keep their random initialization. Asking for new classes
    (`num_classes`) is the one case where that is intended.

    Raises:
        ValueError: naming the missing file.
    """
    import keras_hub

    if (
        isinstance(task, keras_hub.models.Task)
        and "num_classes" not in kwargs
        and task.has_task_weights()
        and not (Path(directory) / TASK_WEIGHTS_FILE).is_file()
    ):
        raise ValueError(
            f"Preset directory {str(directory)!r} has no {TASK_WEIGHTS_FILE!r}, "
            f"but {type(task).__name__} has weights outside its backbone (its "
            "head); without the file they would stay randomly initialized. "
            f"Expected {TASK_WEIGHTS_FILE!r} as `save_to_preset()` writes it "
            "(or pass `num_classes`/`label_names` for a new head)."
        )


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
