"""The `keras-attention` command line.

    keras-attention [--backend B] [--backend-logs] presets
    keras-attention [--backend B] train classifier --data train.tsv --output DIR
    keras-attention [--backend B] classify --preset NAME_OR_DIR "some text" ...

Each application adds its commands from its own `cli.py` hook: a module with
a `COMMANDS` list of `Command`s, made with the `@command(...)` decorator (and
`PRESETS_MODULE`, the module whose import registers its built-in presets).
Register a new application by adding its hook to `HOOK_MODULES`; a command
path such as `("train", "translator")` creates the `train` group on first
use. Hooks import Keras only inside their commands, after `--backend` has set
`KERAS_BACKEND`.

`main(argv)` runs in-process and returns the exit status, for tests.
"""

import argparse
import dataclasses
import importlib
import os
import sys
from collections.abc import Callable

BACKENDS = ("tensorflow", "jax", "torch")

HOOK_MODULES = [
    "applications.bert.cli",
    "applications.gpt.cli",
    "applications.text_classifier.cli",
    "applications.translator.cli",
    "applications.vision_transformer.cli",
]

GROUP_HELP = {
    "train": "train a model from data and write a preset directory",
    "evaluate": "evaluate a preset on held-out data",
}


@dataclasses.dataclass(frozen=True)
class Command:
    """One command-line command contributed by an application's hook.

    Args:
        path: the words that select it, e.g. `("train", "classifier")` or
            `("classify",)`.
        help: one-line description.
        add_arguments: `fn(parser)` adding the command's options.
        run: `fn(args, argv)` doing the work; returns an exit status (None
            means 0). `argv` is the full argument list, for the record.
        environment: `(name, value)` pairs of environment variables set
            before the backend is imported, unless the environment already
            sets them (e.g. a backend's CPU kernels measured faster for
            the command).
    """

    path: tuple
    help: str
    add_arguments: Callable
    run: Callable
    environment: tuple = ()


def command(*path, arguments, environment=()):
    """Makes a hook's `run(args, argv)` function a `Command`.

    The first line of the function's docstring is the command's help;
    `environment` is the `Command`'s.

    Example:
    >>> @command("classify", arguments=add_classify_arguments)
    ... def classify(args, argv):
    ...     "classify texts with a text classifier preset"
    """

    def decorate(run):
        return Command(
            path=path,
            help=run.__doc__.strip().splitlines()[0],
            add_arguments=arguments,
            run=run,
            environment=tuple(environment),
        )

    return decorate


def load_hooks():
    """Imports the application hooks listed in `HOOK_MODULES`."""
    return [importlib.import_module(name) for name in HOOK_MODULES]


def build_parser(hooks=None):
    """Builds the argument parser from the shared and the hooks' commands.

    Args:
        hooks: hook modules (default: `load_hooks()`).

    Returns:
        `argparse.ArgumentParser`.
    """
    hooks = load_hooks() if hooks is None else hooks
    parser = argparse.ArgumentParser(
        prog="keras-attention",
        description="Train and run the keras-attention applications.",
    )
    _add_backend_argument(parser, default=None)
    parser.add_argument(
        "--backend-logs",
        action="store_true",
        help="show the native log lines of TensorFlow (absl, CUDA probing) and "
        "SentencePiece, hidden by default",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    presets = commands.add_parser("presets", help="list the built-in presets")
    _add_backend_argument(presets, default=argparse.SUPPRESS)
    presets.set_defaults(run=_run_presets, hooks=hooks)

    groups = {}
    for hook in hooks:
        for command in hook.COMMANDS:
            *group_path, name = command.path
            subparsers = commands
            for depth, word in enumerate(group_path):
                key = tuple(group_path[: depth + 1])
                if key not in groups:
                    group = subparsers.add_parser(word, help=GROUP_HELP.get(word))
                    groups[key] = group.add_subparsers(
                        dest="_".join(key) + "_target", metavar="TARGET", required=True
                    )
                subparsers = groups[key]
            sub = subparsers.add_parser(
                name, help=command.help, description=command.help
            )
            _add_backend_argument(sub, default=argparse.SUPPRESS)
            command.add_arguments(sub)
            sub.set_defaults(run=command.run, environment=command.environment)
    return parser


def _add_backend_argument(parser, default):
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=default,
        help="Keras backend; overrides KERAS_BACKEND (default: KERAS_BACKEND, "
        "else Keras' own default)",
    )


def select_backend(backend):
    """Sets `KERAS_BACKEND` before Keras is imported.

    Args:
        backend: `"tensorflow"`, `"jax"`, `"torch"` or None (keep the
            environment's choice).

    Raises:
        ValueError: if Keras is already imported with another backend (in
            the same process, e.g. a test calling `main()`).
    """
    if backend is None:
        return
    if "keras" in sys.modules:
        import keras

        if keras.config.backend() != backend:
            raise ValueError(
                f"--backend {backend} was requested, but Keras is already "
                f"imported with the {keras.config.backend()!r} backend in this "
                "process. Run the command in a fresh process."
            )
        return
    os.environ["KERAS_BACKEND"] = backend


def quiet_backend_logs():
    """Hides the native log lines nobody asked for: TensorFlow's C++ and
    absl lines (e.g. a CUDA probe that fails on a CPU machine, which reads
    like an error), written to the process's stderr while it is imported,
    and SentencePiece's information lines. Python errors and warnings are
    untouched; `--backend-logs` keeps everything.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        sys.stderr.flush()
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # the file descriptor: C++ writes there
        try:
            import tensorflow  # noqa: F401
        except ImportError:
            pass
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
    try:
        import sentencepiece
    except ImportError:
        return
    sentencepiece.set_min_log_level(2)


def _run_presets(args, argv):
    from applications.common import presets as preset_registry

    for hook in args.hooks:
        importlib.import_module(hook.PRESETS_MODULE)
    rows = [("name", "task", "parameters", "held-out result", "description")]
    for name, entry in preset_registry.builtin_presets().items():
        metadata = entry["metadata"]
        rows.append(
            (
                name,
                metadata.get("task", ""),
                f"{metadata['params']:,}" if "params" in metadata else "",
                metadata.get("result", ""),
                metadata.get("description", ""),
            )
        )
    if len(rows) == 1:
        print("No built-in presets are installed.")
        return 0
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        print("  ".join(cells + [row[-1]]).rstrip())
    return 0


def main(argv=None):
    """Runs the `keras-attention` command line.

    Args:
        argv: the arguments (default: `sys.argv[1:]`).

    Returns:
        int: the exit status (0 on success, 1 on a reported error: a
        `ValueError`, `TypeError` or `FileNotFoundError` naming the input at
        fault; argparse exits with 2 on a usage error, e.g. an option out of
        its range).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    try:
        select_backend(args.backend)
        for name, value in getattr(args, "environment", ()):
            os.environ.setdefault(name, value)  # before the backend's import
        if not args.backend_logs:
            quiet_backend_logs()
        status = args.run(args, argv)
    except (ValueError, TypeError, FileNotFoundError) as error:
        print(f"keras-attention: error: {error}", file=sys.stderr)
        return 1
    return 0 if status is None else status


if __name__ == "__main__":
    sys.exit(main())
