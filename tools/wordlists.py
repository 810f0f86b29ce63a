"""Rebuild the privacy guard's word lists from SCOWL (Debian's wbritish-large and
wamerican-large), so the guard can tell a name from an English word offline.

    python tools/wordlists.py            # downloads the two Debian packages with apt-get

Writes nudges/privacy/english.txt.gz (lower-case English words), names.txt.gz (words SCOWL
lists only with a capital, such as given names and surnames) and names-also-words.txt.gz (names
that are English words too: Ivy, Rose, Will), sorted, one per line, with a fixed gzip timestamp
so a rebuild from the same packages is byte-identical.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGES = {
    "wbritish-large": "usr/share/dict/british-english-large",
    "wamerican-large": "usr/share/dict/american-english-large",
}
OUT = Path(__file__).resolve().parents[1] / "nudges" / "privacy"


def _words() -> set[str]:
    words: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for package, path in PACKAGES.items():
            subprocess.run(["apt-get", "download", package], cwd=tmp, check=True)
            deb = next(Path(tmp).glob(f"{package}_*.deb"))
            subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
            words |= set((Path(tmp) / path).read_text(encoding="utf-8").split("\n"))
    return {w for w in words if w and not w.endswith("'s")}


def _write(name: str, words: set[str]) -> None:
    blob = "\n".join(sorted(words)).encode("utf-8")
    (OUT / name).write_bytes(gzip.compress(blob, compresslevel=9, mtime=0))
    print(f"{name}: {len(words):,} words")


def main() -> int:
    words = _words()
    english = {w for w in words if w[0].islower()}
    names = {w.lower() for w in words if w[0].isupper() and w.lower() not in english}
    also = {w.lower() for w in words if w[0].isupper() and w.lower() in english}
    _write("english.txt.gz", english)
    _write("names.txt.gz", names)
    _write("names-also-words.txt.gz", also)
    return 0


if __name__ == "__main__":
    sys.exit(main())
