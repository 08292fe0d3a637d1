"""Fixtures shared by the template contract tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.test_template import translate


@pytest.fixture(scope="session")
def translated() -> dict[str, Any]:
    """The template after the SAM transform, built once for all contract tests."""
    return translate()
