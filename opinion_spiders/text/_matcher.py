"""Finding rule terms in post fields; see :mod:`opinion_spiders.text.rules` for the semantics."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opinion_spiders.text.normalize import FoldedText, fold_for_match, fold_with_offsets

if TYPE_CHECKING:
    from opinion_spiders.text.rules import Rule, Term
    from opinion_spiders.text.segment import Segmenter

CONTEXT = 15  # characters of original text kept on each side of a hit
MAX_HITS_PER_TERM = 20  # enough evidence; a spam post must not make a huge document


class Matcher:
    """Matches a fixed list of rules; strict terms are added to the segmenter's dictionary."""

    def __init__(self, rules: Sequence[Rule], segmenter: Segmenter) -> None:
        self.rules = tuple(rules)
        self._segmenter = segmenter
        strict = {
            fold_for_match(term.text)
            for rule in self.rules
            for term in (*rule.any_of, *rule.all_of, *rule.none_of)
            if not term.substring
        }
        segmenter.add_words(sorted(strict))

    def match(
        self, fields: Mapping[str, str], *, site: str = "", kind: str = ""
    ) -> list[dict[str, Any]]:
        """The rules that fire on ``fields``, each with its hits in the original text."""
        folded: dict[str, FoldedText] = {}
        results = []
        for rule in self.rules:
            if (rule.sites and site not in rule.sites) or (rule.kinds and kind not in rule.kinds):
                continue
            for name in rule.fields:
                if name not in folded:
                    folded[name] = fold_with_offsets(fields.get(name) or "")
            result = self._match_rule(rule, fields, folded)
            if result is not None:
                results.append(result)
        return results

    def _match_rule(
        self, rule: Rule, fields: Mapping[str, str], folded: Mapping[str, FoldedText]
    ) -> dict[str, Any] | None:
        """The rule's result when it fires, else None."""
        if any(self._hits(term, rule.fields, fields, folded) for term in rule.none_of):
            return None
        hits: list[dict[str, Any]] = []
        for term in rule.all_of:
            found = self._hits(term, rule.fields, fields, folded)
            if not found:
                return None
            hits.extend(found)
        any_hits = [
            h for term in rule.any_of for h in self._hits(term, rule.fields, fields, folded)
        ]
        if rule.any_of and not any_hits:
            return None
        hits.extend(any_hits)
        order = {name: i for i, name in enumerate(rule.fields)}
        hits.sort(key=lambda h: (order[h["field"]], h["start"], h["end"]))
        return {
            "rule": rule.id,
            "name": rule.name,
            "severity": rule.severity,
            "weight": rule.weight,
            "hits": hits,
        }

    def _hits(
        self,
        term: Term,
        names: Sequence[str],
        fields: Mapping[str, str],
        folded: Mapping[str, FoldedText],
    ) -> list[dict[str, Any]]:
        """Every place ``term`` occurs in the named fields, as hit dicts."""
        hits = []
        needle = fold_for_match(term.text)
        for name in names:
            text, original = folded[name], fields.get(name) or ""
            for start, end in self._spans(needle, text.text, term.substring):
                o_start, o_end = text.original_span(start, end)
                context = original[max(0, o_start - CONTEXT) : o_end + CONTEXT]
                hits.append(
                    {
                        "term": term.text,
                        "field": name,
                        "start": o_start,
                        "end": o_end,
                        "context": context,
                    }
                )
        return hits

    def _spans(self, needle: str, haystack: str, substring: bool) -> Iterator[tuple[int, int]]:
        """Occurrences of ``needle`` (overlapping), strict ones only where they are words."""
        found = 0
        start = haystack.find(needle)
        while start != -1 and found < MAX_HITS_PER_TERM:
            end = start + len(needle)
            if substring or self._segmenter.is_word(haystack, start, end):
                found += 1
                yield start, end
            start = haystack.find(needle, start + 1)
