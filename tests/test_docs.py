"""The newcomer's pages point at what is really there: every link to a file or folder of the
repository in README.md and CONTRIBUTING.md resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def local_links(page: str) -> list[str]:
    text = (ROOT / page).read_text(encoding="utf-8")
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", ["README.md", "CONTRIBUTING.md"])
def test_every_link_to_the_repository_resolves(page: str) -> None:
    links = local_links(page)
    assert links, f"{page} links to nothing in the repository"
    missing = [t for t in links if not (ROOT / t).exists()]
    assert not missing, f"{page} links to what is not there: {missing}"
