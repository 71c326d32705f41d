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
