"""Untrained tiny translators shared by the translator tests (read-only use)."""

import pytest
from translator_helpers import build_translator


@pytest.fixture(scope="session")
def transformer_translator():
    return build_translator("transformer", seed=3)


@pytest.fixture(scope="session")
def rnn_translator():
    return build_translator("rnn_attention", seed=3)


@pytest.fixture(params=["transformer", "rnn_attention"])
def any_translator(request, transformer_translator, rnn_translator):
    if request.param == "transformer":
        return transformer_translator
    return rnn_translator
