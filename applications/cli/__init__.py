"""The `keras-attention` command line: `main()` and the `Command` of a hook.

- `main.py`: the parser, assembled from the applications' hooks, and
  `main(argv)`.
- `options.py`: the options the hooks share, and a `train` command's options
  generated from its training config.
- `evaluation.py`: the options and output of the classifiers' `evaluate`
  commands.
"""

from applications.cli.main import Command, build_parser, command, main, select_backend

__all__ = ["Command", "build_parser", "command", "main", "select_backend"]
