"""The documentation as the tests read it: the README and every page under ``docs/``, so an
example is checked wherever the section that shows it lives."""

from __future__ import annotations

from tests._proc import ROOT

DOC_FILES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))


def docs_text() -> str:
    return "\n\n".join(path.read_text(encoding="utf-8") for path in DOC_FILES)
