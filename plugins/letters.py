"""Government message boards (领导留言板, 市长信箱, 网络问政): the portal engine, sure of a page
that shows a letter to officials under its labels — the letter, the answering body's reply and
the writer's rating as posts of their own (:mod:`plugins._letters`).

A site whose pages are letters may name this engine; a portal that holds a message board
reads its letters the same way. For ``opinion parse``, a page with a letter's labels is this
engine's before the chain guesses.
"""

from __future__ import annotations

from parsel import Selector

from opinion_spiders import hookimpl
from opinion_spiders.adapters import Adapter
from plugins._letters import MARKED, letter_fields
from plugins.portal import PortalAdapter


class LettersAdapter(PortalAdapter):
    """Letters and their replies; list pages and feeds as the portal reads them."""

    engine = "letters"
    kind = "portal"
    version = "1"

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        if not MARKED.search(text):
            return 0.0
        return 0.9 if letter_fields(Selector(text=text, type="html")) is not None else 0.0


@hookimpl
def opinion_adapters() -> list[type[Adapter]]:
    return [LettersAdapter]
