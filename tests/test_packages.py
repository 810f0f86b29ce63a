"""Our four packages come from this repository, never from PyPI namesakes ("adapters" and
"scheduler" are also names of unrelated distributions)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["bot", "adapters", "nudges", "scheduler"])
def test_package_is_imported_from_the_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == ROOT / name
