"""Untrained tiny GPTs shared by the GPT tests (read-only use)."""

import pytest
from gpt_helpers import build_gpt


@pytest.fixture(scope="session")
def gpt():
    return build_gpt()


@pytest.fixture(scope="session", params=["learned", "rotary"])
def any_gpt(request):
    return build_gpt(position=request.param)
