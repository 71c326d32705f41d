"""Rule expressions compiled for matching: each node answers "does it hold, and on what?".

A node's :meth:`evaluate` returns the hits that make it hold (a none-group holds with no
hits) or None when it does not hold. Positions are in the match form of a field; the matcher
maps them back to the original text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from opinion_spiders.text._match_form import match_key
from opinion_spiders.text._rule_model import Group, Item, Term

#: field, start, end (match form), the term as written
Hit = tuple[str, int, int, str]

#: A word of ``within_words`` is rarely longer than this; farther gaps are not counted.
MAX_WORD_CHARS = 8


class Scan(Protocol):
    """What nodes need from one matching pass over a post's fields."""

    def text(self, field: str) -> str: ...

    def found(self) -> set[int]: ...

    def candidates(self, field: str) -> dict[int, list[int]]: ...

    def spans(self, field: str, term: TermNode) -> list[tuple[int, int]]: ...

    def words(self, field: str, start: int, end: int) -> int: ...


class TermNode:
    """A term: its needle id in the prefilter, strictness, phrase joints and exclusions."""

    def __init__(self, term: Term, nid: int, needle: str) -> None:
        self.text = term.text
        self.nid = nid
        self.length = len(needle)
        self.strict = not term.substring
        self.joints = _joints(term.text, needle)
        #: a strict single word, judged with the post's others (``Matcher``'s judging)
        self.word = self.strict and not self.joints
        self.contexts = tuple(
            (key, tuple(i for i in range(len(key)) if key.startswith(needle, i)))
            for key in (match_key(c) for c in term.not_in)
        )

    def evaluate(self, scan: Scan, fields: Sequence[str]) -> list[Hit] | None:
        hits: list[Hit] = []
        for field in fields:
            spans = scan.spans(field, self)
            if not spans:
                continue
            if self.contexts:
                text = scan.text(field)
                spans = [span for span in spans if not self._excluded(text, span[0])]
            hits.extend([(field, start, end, self.text) for start, end in spans])
        return hits or None

    def _excluded(self, text: str, start: int) -> bool:
        """Whether the occurrence at ``start`` is part of a ``not_in`` word."""
        return any(
            start >= k and text.startswith(key, start - k)
            for key, offsets in self.contexts
            for k in offsets
        )


def _joints(text: str, needle: str) -> tuple[int, ...]:
    """Where the words of a phrase meet, relative to the needle's start."""
    words = [match_key(w) for w in text.split()]
    if len(words) < 2:
        return ()
    joints: list[int] = []
    pos = 0
    for word in words:
        found = needle.find(word, pos)
        if found < 0:
            return ()
        joints.extend((found, found + len(word)))
        pos = found + len(word)
    return tuple(sorted(set(joints) - {0, len(needle)}))


class GroupNode:
    """any / all / none / near over child nodes."""

    def __init__(self, group: Group, children: Sequence[Node]) -> None:
        self.op = group.op
        self.children = tuple(children)
        self.within = group.within
        self.within_words = group.within_words
        self._terms: dict[int, list[TermNode]] = {}
        for child in self.children:
            if isinstance(child, TermNode):
                self._terms.setdefault(child.nid, []).append(child)
        self._nids = frozenset(self._terms)
        self._groups: list[Node] = [c for c in self.children if isinstance(c, GroupNode)]

    def evaluate(self, scan: Scan, fields: Sequence[str]) -> list[Hit] | None:
        if self.op == "near":
            return self._near(scan, fields)
        if self.op == "all":
            if not scan.found().issuperset(self._nids):
                return None
            hits: list[Hit] = []
            for child in self.children:
                found = child.evaluate(scan, fields)
                if found is None:
                    return None
                hits.extend(found)
            return hits
        results = [
            term.evaluate(scan, fields)
            for nid in self._nids & scan.found()
            for term in self._terms[nid]
        ]
        if self._groups:
            results.extend([child.evaluate(scan, fields) for child in self._groups])
        if self.op == "none":
            return [] if all(r is None for r in results) else None
        fired = [hit for r in results if r is not None for hit in r]
        return fired if any(r is not None for r in results) else None

    def _near(self, scan: Scan, fields: Sequence[str]) -> list[Hit] | None:
        """Hits of chains, within one field, that link an occurrence of every child."""
        results = [child.evaluate(scan, fields) for child in self.children]
        if any(r is None for r in results):
            return None
        evidence: list[Hit] = []
        for field in fields:
            tagged = sorted(
                (hit[1], hit[2], index, hit)
                for index, found in enumerate(results)
                for hit in found or ()
                if hit[0] == field
            )
            chain: list[tuple[int, int, int, Hit]] = []
            reach = 0
            for item in [*tagged, None]:
                if item is not None and (not chain or self._close(scan, field, reach, item[0])):
                    chain.append(item)
                    reach = max(reach, item[1])
                    continue
                if len({i for _, _, i, _ in chain}) == len(self.children):
                    evidence.extend(hit for *_, hit in chain)
                chain = [item] if item is not None else []
                reach = item[1] if item is not None else 0
        return evidence or None

    def _close(self, scan: Scan, field: str, reach: int, start: int) -> bool:
        gap = start - reach
        if gap <= 0:
            return True
        if self.within is not None:
            return gap <= self.within
        words = self.within_words or 0
        return gap <= MAX_WORD_CHARS * (words + 1) and scan.words(field, reach, start) <= words


Node = TermNode | GroupNode
#: The terms of a plain rule by needle id: an any-group of bare terms (or one bare term).
PlainTerms = dict[int, list[TermNode]]


def plain_terms(node: Node) -> PlainTerms | None:
    """The terms when ``node`` holds exactly where one of them is found (no groups, no
    ``not_in``), the common rule: it is then evaluated by :func:`plain_hits`."""
    if isinstance(node, TermNode):
        return None if node.contexts else {node.nid: [node]}
    if node.op != "any" or node._groups:
        return None
    terms = node._terms
    return None if any(t.contexts for ts in terms.values() for t in ts) else terms


#: A flat rule as clauses, in the order its expression evaluates them: ``"all"`` (each term
#: must be found), ``"any"`` (one of them), ``"none"`` (none of them), each over bare terms.
FlatClauses = list[tuple[str, list[TermNode]]]


def flat_clauses(node: Node) -> FlatClauses | None:
    """The clauses of a flat rule — a bare term, an any-group of bare terms, or an all-group
    of bare terms and any- and none-groups of bare terms — which the compiled matcher
    evaluates; None for any other (``near``, deeper groups, a term with ``not_in``, a rule
    that fires without terms)."""
    clauses = _clauses(node, top=True)
    return clauses if clauses and any(op != "none" for op, _ in clauses) else None


def _clauses(node: Node, *, top: bool) -> FlatClauses | None:
    if isinstance(node, TermNode):
        return None if node.contexts else [("all", [node])]
    if node.op == "all":
        if not top:
            return None
        clauses: FlatClauses = []
        for child in node.children:
            inner = _clauses(child, top=False)
            if inner is None:
                return None
            clauses.extend(inner)
        return clauses
    if node.op not in ("any", "none") or node._groups:
        return None
    terms = [t for ts in node._terms.values() for t in ts]
    return None if not terms or any(t.contexts for t in terms) else [(node.op, terms)]


def plain_hits(scan: Scan, terms: Sequence[TermNode], fields: Sequence[str]) -> list[Hit] | None:
    """What the any-group of a plain rule evaluates to, given those of its ``terms`` that the
    prefilter found in some field, without its layers of calls."""
    hits: list[Hit] = []
    for field in fields:
        candidates = scan.candidates(field)
        if not candidates:
            continue
        for term in terms:
            if term.nid in candidates:
                text = term.text
                hits.extend([(field, start, end, text) for start, end in scan.spans(field, term)])
    return hits or None


def fires_without_terms(node: Node) -> bool:
    """Whether the node holds on a text where no term is found (only none-groups)."""
    if isinstance(node, TermNode):
        return False
    if node.op in ("none", "near"):
        return node.op == "none"
    results = [fires_without_terms(child) for child in node.children]
    return any(results) if node.op == "any" else all(results)


class Compiler:
    """Turns rule items into nodes, giving every distinct needle one id for the prefilter."""

    def __init__(self) -> None:
        self.needles: dict[str, int] = {}
        self.strict_words: set[str] = set()

    def compile(self, item: Item) -> Node:
        if isinstance(item, Group):
            children = [self.compile(child) for child in item.items]
            if item.op in ("all", "any") and len(children) == 1:
                return children[0]  # the same hits, one level less to evaluate
            return GroupNode(item, children)
        needle = match_key(item.text)
        nid = self.needles.setdefault(needle, len(self.needles))
        if not item.substring:
            self.strict_words.update(match_key(w) for w in item.text.split())
        return TermNode(item, nid, needle)

    def needle_ids(self, node: Node) -> frozenset[int]:
        """Every needle a node can need."""
        if isinstance(node, TermNode):
            return frozenset((node.nid,))
        return frozenset().union(*(self.needle_ids(c) for c in node.children))
