"""Every ```toml example of the README's "Keyword rules" section loads cleanly and fires (or
not) on the texts stated right after it."""

from __future__ import annotations

import re

import pytest

from opinion_spiders.text.rules import Matcher, check_rules, parse_rules
from opinion_spiders.text.segment import Segmenter
from tests._docs import docs_text

README = docs_text()
SECTION = README.split("## Keyword rules\n", 1)[1].split("\n## ", 1)[0]
BLOCK = re.compile(r"```toml\n(.*?)```(.*?)(?=```toml|\Z)", re.S)
CLAIM = re.compile(
    r"(Does not fire|Fires) on: `([^`]+)`(?: \((?:traditional|(kind|site) ([\w-]+))\))?"
)
EXAMPLES = [
    (block, claim[0] == "Fires", claim[1], claim[2], claim[3])
    for block, after in BLOCK.findall(SECTION)
    for claim in CLAIM.findall(after)
]


def test_readme_rules_every_example_states_a_text() -> None:
    blocks = BLOCK.findall(SECTION)
    assert len(blocks) >= 6
    assert all(CLAIM.search(after) for _, after in blocks)


@pytest.mark.parametrize(("block", "fires", "text", "limit", "value"), EXAMPLES)
def test_readme_rules_example_fires_as_stated(
    block: str, fires: bool, text: str, limit: str, value: str
) -> None:
    ruleset = parse_rules(block, "README.md")
    assert check_rules(ruleset) == []
    matcher = Matcher(ruleset.rules, Segmenter())
    site = value if limit == "site" else ""
    kind = value if limit == "kind" else ""
    fired = matcher.match({"title": "", "content": text}, site=site, kind=kind)
    assert bool(fired) is fires, fired
    for match in fired:
        for hit in match["hits"]:
            assert text[hit["start"] : hit["end"]]
