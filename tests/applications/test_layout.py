"""Every application has the same file roles and a thin command line."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPLICATIONS = ("bert", "text_classifier", "translator", "vision_transformer")
FILE_ROLES = ("backbone", "task", "preprocessor", "presets", "training", "cli")


@pytest.mark.parametrize("application", APPLICATIONS)
def test_each_application_has_the_file_roles_and_a_short_cli(application):
    folder = REPO / "applications" / application
    missing = [role for role in FILE_ROLES if not (folder / f"{role}.py").is_file()]
    assert not missing, f"{application} lacks {missing}"
    lines = (folder / "cli.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 170, f"{application}/cli.py has {lines} lines; keep it thin"


def test_no_test_benchmark_or_example_imports_an_application_cli():
    pattern = re.compile(
        r"(from|import)\s+applications\.(" + "|".join(APPLICATIONS) + r")[.\s]*cli"
        r"|from\s+applications\.(" + "|".join(APPLICATIONS) + r")\s+import\s+cli"
    )
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("tests", "benchmarks", "examples")
        for path in (REPO / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"import library code, not a cli.py: {offenders}"
