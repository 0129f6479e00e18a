"""A command's environment defaults are set before the backend is imported,
unless the environment already sets them."""

import importlib
import os
import types

from applications.cli import build_parser, command

cli_main = importlib.import_module("applications.cli.main")  # the module


def test_a_commands_environment_is_set_unless_already_set(monkeypatch):
    seen = {}

    @command(
        "probe",
        arguments=lambda parser: None,
        environment=[("KA_TEST_PROBE", "1"), ("KA_TEST_KEPT", "1")],
    )
    def probe(args, argv):
        """reads the environment"""
        seen.update({name: os.environ.get(name) for name in names})

    names = ("KA_TEST_PROBE", "KA_TEST_KEPT")

    hook = types.SimpleNamespace(COMMANDS=[probe])
    monkeypatch.setattr(cli_main, "load_hooks", lambda: [hook])
    monkeypatch.setenv("KA_TEST_KEPT", "0")
    try:
        assert cli_main.main(["--backend-logs", "probe"]) == 0
    finally:
        os.environ.pop("KA_TEST_PROBE", None)
    assert seen == {"KA_TEST_PROBE": "1", "KA_TEST_KEPT": "0"}


def test_train_lm_turns_tensorflows_onednn_kernels_on():
    args = build_parser().parse_args(
        ["train", "lm", "--data", "text.txt", "--output", "gpt"]
    )
    assert ("TF_ENABLE_ONEDNN_OPTS", "1") in args.environment
    args = build_parser().parse_args(["presets"])
    assert getattr(args, "environment", ()) == ()
