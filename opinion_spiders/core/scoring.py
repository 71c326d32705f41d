"""Score contributions: a post's score is the sum of contributions, each with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Contribution:
    """A part of a post's score, from one scoring rule, with the reason for it."""

    source: str
    value: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def total(contributions: Iterable[Contribution]) -> float:
    return round(sum(c.value for c in contributions), 3)


def collect_contributions(results: Iterable[Iterable[Contribution] | None]) -> list[Contribution]:
    """Flatten hook results, keeping only real contributions with a non-zero value."""
    out: list[Contribution] = []
    for result in results:
        for c in result or ():
            if isinstance(c, Contribution) and c.value:
                out.append(c)
    return out
