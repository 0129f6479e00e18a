"""The documentation runs: README code blocks and docstring examples."""

import doctest
import importlib
import os
import pkgutil
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

import keras_attention
from keras_attention import visualization

REPO = Path(__file__).resolve().parents[1]


def _python_blocks(markdown_path):
    text = markdown_path.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


MARKDOWN_PAGES = ["README.md"] + sorted(
    str(path.relative_to(REPO)) for path in (REPO / "docs").glob("*.md")
)


def _run_page(page, directory):
    """Runs the python blocks of `page` in order, in `directory`; returns the
    names they defined."""
    # Pages set KERAS_BACKEND for the reader; the test keeps its own backend.
    # What a page saves lands in a directory of its own, not in the checkout
    # (and not where a test run on another backend writes at the same time).
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(os, "environ", os.environ.copy())
        monkeypatch.chdir(directory)
        namespace = {}
        for block in _python_blocks(REPO / page):
            exec(compile(block, page, "exec"), namespace)
    return namespace


# The README's names, once its blocks have run: both tests that run them read
# them (each test function-scoped, so that the jax fixtures apply).
_README = {}


def _readme_namespace(directory):
    if "namespace" not in _README:
        _README["namespace"] = _run_page("README.md", directory)
    return _README["namespace"]


@pytest.mark.parametrize("page", MARKDOWN_PAGES)
def test_markdown_code_blocks_run(page, tmp_path):
    if not _python_blocks(REPO / page):
        pytest.skip(f"{page} has no python code blocks")
    if page == "README.md":
        _readme_namespace(tmp_path)
    else:
        _run_page(page, tmp_path)


def test_readme_example_shapes(tmp_path):
    namespace = _readme_namespace(tmp_path)
    assert tuple(namespace["decoded"].shape) == (1, 5, 64)
    assert tuple(namespace["step"].shape) == (1, 1, 64)


def _library_modules():
    for module in pkgutil.walk_packages(
        keras_attention.__path__, keras_attention.__name__ + "."
    ):
        yield module.name


@pytest.mark.parametrize("module_name", sorted(_library_modules()))
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    globs = {"np": np, **vars(keras_attention.layers), **vars(visualization)}
    for test in finder.find(module, globs=globs):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed"


def _shell_blocks(text):
    """The code blocks of a markdown page that are not Python."""
    blocks, language, lines = [], None, []
    for line in text.splitlines():
        if line.startswith("```"):
            if language is None:
                language, lines = line[3:].strip() or "text", []
            else:
                if language != "python":
                    blocks.append("\n".join(lines))
                language = None
        elif language is not None:
            lines.append(line)
    return blocks


def _documented_commands():
    """`keras-attention ...` command lines in the README and docs code blocks
    (backslash continuations joined, `VAR=value` prefixes dropped)."""
    for page in MARKDOWN_PAGES:
        for block in _shell_blocks((REPO / page).read_text(encoding="utf-8")):
            for line in block.replace("\\\n", " ").splitlines():
                words = (
                    shlex.split(line, comments=True)
                    if "keras-attention " in line
                    else []
                )
                while words and "=" in words[0] and not words[0].startswith("-"):
                    words = words[1:]
                if words[:1] == ["keras-attention"]:
                    yield page, words[1:]


@pytest.mark.parametrize(
    "page, argv", list(_documented_commands()), ids=lambda value: str(value)[:60]
)
def test_documented_commands_parse(page, argv):
    from applications.cli import build_parser

    try:
        build_parser().parse_args(argv)
    except SystemExit as error:
        pytest.fail(f"{page}: `keras-attention {shlex.join(argv)}` exits {error}")
