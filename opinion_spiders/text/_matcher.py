"""Finding rules in post fields; see :mod:`opinion_spiders.text.rules` for the semantics.

One Aho–Corasick pass per field over the match form (:mod:`~opinion_spiders.text.prefilter`)
finds every candidate term at once;
segmentation then runs only in a small window around the candidates of strict terms that a
rule actually asks about, and rules none of whose terms turned up are not evaluated at all.

Where the compiled matcher is installed (``_native``), the flat rules — bare terms, any- and
none-groups of them, all-groups of those — are matched in one compiled call once the
segmenter has its compiled judge, and only the other rules here; this module stays the
reference both are held to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from opinion_spiders.text import _native
from opinion_spiders.text._match_form import (
    MatchText,
    in_match_form,
    match_form,
)
from opinion_spiders.text._rule_nodes import (
    Compiler,
    FlatClauses,
    Hit,
    Node,
    PlainTerms,
    TermNode,
    fires_without_terms,
    flat_clauses,
    plain_hits,
    plain_terms,
)
from opinion_spiders.text.prefilter import Patterns

if TYPE_CHECKING:
    from opinion_spiders.text._rule_model import Rule
    from opinion_spiders.text.segment import Segmenter

CONTEXT = 15  # characters of original text kept on each side of a hit
MAX_HITS_PER_TERM = 20  # enough evidence; a spam post must not make a huge document
MAX_CANDIDATES = 200  # occurrences of one term judged per field


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    node: Node
    needles: frozenset[int]
    without_terms: bool
    plain: PlainTerms | None
    flat: FlatClauses | None


class Matcher:
    """Matches a fixed list of rules; strict terms are added to the segmenter's dictionary."""

    def __init__(self, rules: Sequence[Rule], segmenter: Segmenter) -> None:
        self.rules = tuple(rules)
        self.segmenter = segmenter
        compiler = Compiler()
        self._compiled: list[_Compiled] = []
        self._by_needle: dict[int, list[int]] = {}  # the rules that are not plain
        #: The terms of plain rules by needle: a post's found needles give each plain rule
        #: its found terms at once, not a pass over the post's candidates per rule.
        self._plain_by_needle: dict[int, list[tuple[int, TermNode]]] = {}
        for index, rule in enumerate(self.rules):
            node = compiler.compile(rule.expression)
            needles = compiler.needle_ids(node)
            plain = plain_terms(node)
            flat = flat_clauses(node)
            compiled = _Compiled(rule, node, needles, fires_without_terms(node), plain, flat)
            self._compiled.append(compiled)
            for nid in needles if plain is None else ():
                self._by_needle.setdefault(nid, []).append(index)
            for nid, terms in (plain or {}).items():
                self._plain_by_needle.setdefault(nid, []).extend((index, t) for t in terms)
        self._always = [i for i, c in enumerate(self._compiled) if c.without_terms]
        self._automaton = _automaton(compiler.needles)
        segmenter.add_words(sorted(compiler.strict_words))
        self._needles = compiler.needles
        #: The flat rules (plain ones, and all/any/none over bare terms) matched in compiled
        #: code (``_native``), once the segmenter has its compiled judge; Python then looks
        #: only for the other rules' needles.
        self._flat_rules: Any = None
        self._rest_by_needle: dict[int, list[int]] = {}
        for index, c in enumerate(self._compiled):
            for nid in c.needles if c.flat is None else ():
                self._rest_by_needle.setdefault(nid, []).append(index)
        rest = {n: nid for n, nid in compiler.needles.items() if nid in self._rest_by_needle}
        self._rest_automaton = _automaton(rest)

    def match(
        self, fields: Mapping[str, str], *, site: str = "", kind: str = ""
    ) -> list[dict[str, Any]]:
        """The rules that fire on ``fields``, each with its hits in the original text."""
        flat = self._flat_rules or self._compiled_flat()
        if flat is not None:
            alone = self._rest_automaton is None and not self._always
            found = flat.matches(fields, site, kind, not alone)
            if found is not None:  # else a span only Python can judge: all in Python
                if alone:  # the flat rules are all there is: their results, in rule order
                    return cast(list[dict[str, Any]], found)
                rest = self._evaluate(
                    fields, site, kind, self._rest_automaton, self._rest_by_needle, {}
                )
                both = sorted([*found, *rest], key=itemgetter(0)) if rest else found
                return [result for _, result in both]
        everything = self._evaluate(
            fields, site, kind, self._automaton, self._by_needle, self._plain_by_needle
        )
        return [result for _, result in everything]

    def _compiled_flat(self) -> Any:
        """The compiled matcher of the flat rules, once the segmenter's compiled judge is
        built (None before, and without one)."""
        judge = self.segmenter.compiled_judge()
        if judge is None:
            return None
        rules = []
        flat_nids: set[int] = set()
        for index, c in enumerate(self._compiled):
            if c.flat is None:
                continue
            ops = [op for op, _ in c.flat]
            terms = [(t.nid, t.text, t.strict, list(t.joints), t.length, k)
                     for k, (_, clause) in enumerate(c.flat) for t in clause]  # fmt: skip
            flat_nids.update(t[0] for t in terms)
            rules.append((index, c.rule.id, c.rule.name, c.rule.severity, c.rule.weight,
                          list(c.rule.fields), list(c.rule.sites), list(c.rule.kinds), ops,
                          terms))  # fmt: skip
        needles = [(n, nid) for n, nid in self._needles.items() if n and nid in flat_nids]
        self._flat_rules = _native.flat_rules(judge, needles, rules)
        return self._flat_rules

    def _evaluate(
        self, fields: Mapping[str, str], site: str, kind: str, automaton: _Automaton | None,
        by_needle: dict[int, list[int]],
        plain_by_needle: dict[int, list[tuple[int, TermNode]]],
    ) -> list[tuple[int, dict[str, Any]]]:  # fmt: skip
        """The rules that fire, by index, found with ``automaton``: those of ``by_needle``
        (evaluated node by node), of ``plain_by_needle`` (from their found terms) and the
        rules that fire without terms."""
        scan = _Scan(fields, automaton, self.segmenter)
        found = scan.found()
        if not found and not self._always:
            return []  # most posts: no term turned up and no rule fires without one
        wanted = set(self._always)
        found_terms: dict[int, list[TermNode]] = {}  # plain rule → its terms found
        for nid in found:
            rules = by_needle.get(nid)
            if rules is not None:
                wanted.update(rules)
            for index, term in plain_by_needle.get(nid, ()):
                terms = found_terms.get(index)
                if terms is None:
                    found_terms[index] = [term]
                else:
                    terms.append(term)
        wanted.update(found_terms)
        chosen: list[tuple[int, _Compiled]] = []
        for index in sorted(wanted) if len(wanted) > 1 else wanted:
            compiled = self._compiled[index]
            rule = compiled.rule
            if (rule.sites and site not in rule.sites) or (rule.kinds and kind not in rule.kinds):
                continue
            chosen.append((index, compiled))
        if len(found) > 1 and found_terms:
            _judge_together(scan, chosen, found_terms)
        results = []
        for index, compiled in chosen:
            rule = compiled.rule
            if compiled.plain is not None:
                hits = plain_hits(scan, found_terms[index], rule.fields)
            else:
                hits = compiled.node.evaluate(scan, rule.fields)
            if hits is not None:
                results.append((index, _result(rule, hits, scan)))
        return results


def _judge_together(
    scan: _Scan, chosen: list[tuple[int, _Compiled]], found_terms: dict[int, list[TermNode]]
) -> None:
    """Judge, field by field, every strict single word the chosen plain rules found, in one
    pass that shares the positions and windows the words have in common (every plain rule
    looks at all its found terms, so nothing is judged that would not be). Rules mostly
    share their fields, so the words are gathered per tuple of fields first."""
    by_fields: dict[tuple[str, ...], dict[int, TermNode]] = {}
    for index, compiled in chosen:
        if compiled.plain is None:
            continue
        fields = compiled.rule.fields
        terms = by_fields.get(fields)
        if terms is None:
            terms = by_fields[fields] = {}
        for term in found_terms[index]:
            if term.word:
                terms[term.nid] = term
    by_field: dict[str, dict[int, TermNode]] = {}
    for fields, terms in by_fields.items():
        if terms:
            for field in fields:
                if field in by_field:
                    by_field[field].update(terms)
                else:
                    by_field[field] = dict(terms)
    for field, terms in by_field.items():
        if len(terms) > 1:
            scan.judge(field, terms.values())


def _result(rule: Rule, hits: list[Hit], scan: _Scan) -> dict[str, Any]:
    """The stored form of a fired rule: hits in original positions, in reading order."""
    return {
        "rule": rule.id,
        "name": rule.name,
        "severity": rule.severity,
        "weight": rule.weight,
        "hits": [_evidence(scan, *hits[0])] if len(hits) == 1 else _evidences(rule, hits, scan),
    }


def _evidences(rule: Rule, hits: list[Hit], scan: _Scan) -> list[dict[str, Any]]:
    """Hits in reading order, each original span once, at most ``MAX_HITS_PER_TERM`` a term."""
    order = {name: i for i, name in enumerate(rule.fields)}
    hits = sorted(hits, key=lambda h: (order[h[0]], h[1], h[2], h[3]))
    seen: set[tuple[str, int, int, str]] = set()
    per_term: dict[str, int] = {}
    out = []
    for field, start, end, term in hits:
        found = _evidence(scan, field, start, end, term)
        key = (field, found["start"], found["end"], term)
        count = per_term.get(term, 0)
        if key in seen or count >= MAX_HITS_PER_TERM:
            continue
        seen.add(key)
        per_term[term] = count + 1
        out.append(found)
    return out


def _evidence(scan: _Scan, field: str, start: int, end: int, term: str) -> dict[str, Any]:
    o_start, o_end = scan.form(field).original_span(start, end)
    context = scan.original(field)[max(0, o_start - CONTEXT) : o_end + CONTEXT]
    return {"term": term, "field": field, "start": o_start, "end": o_end, "context": context}


class _Scan:
    """One matching pass over a post: match forms, candidates and judged spans, each once."""

    def __init__(
        self, fields: Mapping[str, str], automaton: _Automaton | None, segmenter: Segmenter
    ) -> None:
        self._fields = fields
        self._automaton = automaton
        self._segmenter = segmenter
        self._forms: dict[str, MatchText] = {}
        self._texts: dict[str, str] = {}
        self._candidates: dict[str, dict[int, list[int]]] = {}
        self._judged: dict[tuple[str, int, bool, tuple[int, ...]], list[tuple[int, int]]] = {}
        self._found: set[int] | None = None

    def original(self, field: str) -> str:
        return self._fields.get(field) or ""

    def form(self, field: str) -> MatchText:
        form = self._forms.get(field)
        if form is None:
            original = self.original(field)
            if field in self._texts and self._texts[field] is original:
                form = MatchText(original)  # :meth:`text` found it in match form already
            else:
                form = match_form(original)
            self._forms[field] = form
        return form

    def text(self, field: str) -> str:
        """The field's match form as text (most posts are already in match form, and then
        no :class:`MatchText` is made unless a rule fires)."""
        text = self._texts.get(field)
        if text is None:
            original = self._fields.get(field) or ""
            text = original if in_match_form(original) else self.form(field).text
            self._texts[field] = text
        return text

    def candidates(self, field: str) -> dict[int, list[int]]:
        """Start positions of every needle in the field, from one automaton pass."""
        found = self._candidates.get(field)
        if found is None:
            found = {}
            if self._automaton is not None and self._fields.get(field):
                found = self._automaton.find(self.text(field))
            self._candidates[field] = found
        return found

    def found(self) -> set[int]:
        """Needles found in any field (the matcher looks at every field it is given)."""
        found = self._found
        if found is None:
            found = self._found = set()
            for name in self._fields:
                found.update(self.candidates(name))
        return found

    def spans(self, field: str, term: TermNode) -> list[tuple[int, int]]:
        """Occurrences of a term in the field, strict ones only where they are whole words."""
        found = self._candidates.get(field)
        starts = (self.candidates(field) if found is None else found).get(term.nid)
        if not starts:
            return []
        key = (field, term.nid, term.strict, term.joints)
        judged = self._judged.get(key)
        if judged is None:
            judged = self._judged[key] = self._judge(field, term, starts[:MAX_CANDIDATES])
        return judged

    def judge(self, field: str, terms: Iterable[TermNode]) -> None:
        """Judge the occurrences of these strict single words in the field together, ahead of
        :meth:`spans` (which then finds them judged)."""
        candidates = self.candidates(field)
        if not candidates:
            return
        judged = self._judged
        todo: list[tuple[tuple[str, int, bool, tuple[int, ...]], int, int]] = []
        spans: list[tuple[int, int]] = []
        for term in terms:
            starts = candidates.get(term.nid)
            if starts:
                key: tuple[str, int, bool, tuple[int, ...]] = (field, term.nid, True, ())
                if key not in judged:
                    length, at = term.length, len(spans)
                    spans.extend([(s, s + length) for s in starts[:MAX_CANDIDATES]])
                    todo.append((key, at, len(spans)))
        if not todo:
            return
        oks = self._segmenter.whole_words(self.text(field), spans)
        for key, at, stop in todo:
            if stop - at == 1:  # most words occur once
                judged[key] = [spans[at]] if oks[at] else []
            else:
                judged[key] = [spans[k] for k in range(at, stop) if oks[k]]

    def _judge(self, field: str, term: TermNode, starts: list[int]) -> list[tuple[int, int]]:
        length = term.length
        joints = term.joints
        spans = [(s, s + length) for s in starts]
        if not term.strict:
            return spans
        text = self.text(field)
        if not joints:
            oks = self._segmenter.whole_words(text, spans)
            return [span for span, ok in zip(spans, oks, strict=True) if ok]
        checks = [(s, e, tuple(s + j for j in joints)) for s, e in spans]
        oks = self._segmenter.check_spans(text, checks)
        return [span for span, ok in zip(spans, oks, strict=True) if ok]

    def words(self, field: str, start: int, end: int) -> int:
        """How many words (not punctuation or spaces) lie in ``[start, end)`` of the field."""
        gap = self.text(field)[start:end]
        return sum(1 for word, _, _ in self._segmenter.tokenize(gap) if _is_word(word))


class _Automaton:
    """The prefilter: every needle, found overlapping, as start positions per needle id."""

    def __init__(self, needles: Mapping[str, int]) -> None:
        kept = [(needle, nid) for needle, nid in needles.items() if needle]  # "" never fires
        self._nids = tuple(nid for _, nid in kept)
        self._patterns = Patterns([needle for needle, _ in kept])

    def find(self, text: str) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        matches = self._patterns.find(text)
        if not matches:
            return found
        nids = self._nids
        for at, _, index in matches:
            nid = nids[index]
            if nid in found:
                found[nid].append(at)
            else:
                found[nid] = [at]
        return found


def _automaton(needles: Mapping[str, int]) -> _Automaton | None:
    return _Automaton(needles) if any(needles) else None


def _is_word(token: str) -> bool:
    return any(c.isalnum() for c in token)
