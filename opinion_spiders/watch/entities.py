"""Entity watchlists: the organisations, places and officials analysts watch, found in text.

Posts name a watched body many ways (临江市城市管理局, 城管局, 市城市管理局) and an official by
surname and title (王书记, 建国书记); every form is listed or generated once, then one
Aho–Corasick pass over the text finds them all, with positions in the original text. Forms and
text both take the match form keyword rules use (:func:`~opinion_spiders.text.normalize.
match_form`): 臨江市, 临 江 市 and ＬＪ市 find 临江市, as 貪污 finds a rule's 贪污.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import Any

from opinion_spiders.errors import ConfigError
from opinion_spiders.text.normalize import match_form, match_key
from opinion_spiders.text.prefilter import Patterns
from opinion_spiders.watch._toml import Table, read_toml, table_line

KINDS = ("organisation", "place", "official")
DEFAULT_WINDOW = 20
#: Forms this short are ambiguous (城管 in 这座城管理得好): they need a word boundary.
STRICT_MAX_LEN = 2
MAX_HITS_PER_ENTITY = 20
_ENTITY_KEYS = {"id", "kind", "name", "aliases", "surname", "titles", "exclude", "weight", "note"}


@dataclass(frozen=True)
class Entity:
    """One watched organisation, place or official; ``forms`` are every name it goes by."""

    id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    surname: str = ""
    titles: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    weight: float = 1.0
    note: str = ""
    source: str = ""
    place: str = ""
    forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityHit:
    """A watched entity found in one field; ``start``/``end`` index the original text."""

    entity: Entity
    form: str
    field: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Nearness:
    """An entity hit and the closest term of a fired rule within the window."""

    hit: EntityHit
    rule: str
    term: str
    distance: int


@dataclass
class Watchlist:
    entities: list[Entity] = field(default_factory=list)
    window: int = DEFAULT_WINDOW
    sources: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    def words(self) -> list[str]:
        """Every form as matched (simplified, folded), for the segmenter's dictionary, so 王书记
        stays one word where boundaries are judged, in the match form."""
        return sorted({match_key(f) for e in self.entities for f in e.forms} - {""})


def generated_forms(entity: Entity, city: str = "") -> list[str]:
    """Forms beyond the name and aliases: titles for officials, the city prefix for the rest."""
    out: list[str] = []
    if entity.kind == "official":
        given = entity.name[len(entity.surname) :] if entity.name.startswith(entity.surname) else ""
        for title in entity.titles:
            out += [entity.surname + title, entity.name + title, title + entity.name]
            if len(given) >= 2:
                out.append(given + title)
    elif city and len(city) >= 2 and city.endswith("市"):
        for name in (entity.name, *entity.aliases):
            rest = name[len(city) :] if name.startswith(city) else ""
            if len(rest) >= 2:
                out += [city[:-1] + rest, "市" + rest]
    return [f for f in out if f]


class EntityFinder:
    """Finds every watched entity in post fields in one pass per field.

    Overlapping forms resolve leftmost-longest (临江市城市管理局 wins over 城市管理局); a hit
    inside one of its entity's ``exclude`` phrases is dropped; a form of at most
    ``STRICT_MAX_LEN`` characters counts only where ``is_word`` agrees it is a whole word.
    """

    def __init__(
        self, watchlist: Watchlist, is_word: Callable[[str, int, int], bool] | None = None
    ) -> None:
        self.watchlist = watchlist
        self._is_word = is_word
        patterns: dict[str, list[tuple[Entity, bool]]] = {}
        written: dict[str, str] = {}  # match key -> the form as first written, for evidence
        for entity in watchlist.entities:
            for form in entity.forms:
                written.setdefault(match_key(form), form)
                patterns.setdefault(match_key(form), []).append((entity, False))
            for phrase in entity.exclude:
                patterns.setdefault(match_key(phrase), []).append((entity, True))
        patterns.pop("", None)  # a form of separators only names nothing
        keys = list(patterns)
        self._written = [written.get(key, key) for key in keys]
        self._owners = [tuple(owners) for owners in patterns.values()]
        self._automaton = Patterns(keys) if patterns else None

    def _whole_word(self, text: str, start: int, end: int) -> bool:
        return self._is_word is None or self._is_word(text, start, end)

    def find(self, fields: Mapping[str, str]) -> list[EntityHit]:
        """Entity hits in every field, in field order then position."""
        patterns = self._automaton
        if patterns is None:
            return []
        return [
            hit for name, text in fields.items() if text for hit in self._find(patterns, name, text)
        ]

    def _find(self, patterns: Patterns, field_name: str, text: str) -> list[EntityHit]:
        form = match_form(text)
        found: list[tuple[int, int, Entity, str]] = []
        excluded: list[tuple[int, int, str]] = []
        for start, end, index in patterns.find(form.text):
            for entity, is_exclusion in self._owners[index]:
                if is_exclusion:
                    excluded.append((start, end, entity.id))
                else:
                    found.append((start, end, entity, self._written[index]))
        hits = []
        for start, end, entity, written in _leftmost_longest(found):
            if any(s <= start and end <= e and eid == entity.id for s, e, eid in excluded):
                continue
            # boundaries are judged where the words are simplified, as the dictionary is
            if end - start <= STRICT_MAX_LEN and not self._whole_word(form.text, start, end):
                continue
            o_start, o_end = form.original_span(start, end)
            hits.append(EntityHit(entity, written, field_name, o_start, o_end, text[o_start:o_end]))
        return hits


def _leftmost_longest(
    found: list[tuple[int, int, Entity, str]],
) -> list[tuple[int, int, Entity, str]]:
    """Non-overlapping spans, preferring the earliest start, then the longest."""
    out: list[tuple[int, int, Entity, str]] = []
    end_of_last = -1
    for span in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]), f[2].id)):
        if span[0] >= end_of_last:
            out.append(span)
            end_of_last = span[1]
    return out


def near_rule_terms(
    entity_hits: Iterable[EntityHit], matches: Sequence[Mapping[str, Any]], window: int
) -> list[Nearness]:
    """For each entity hit, the closest term of a fired rule in the same field, when the gap
    between them is at most ``window`` characters (0 when they touch or overlap)."""
    out = []
    for hit in entity_hits:
        best: Nearness | None = None
        for match in matches:
            for term_hit in match.get("hits", []):
                if term_hit.get("field") != hit.field:
                    continue
                gap = max(0, max(hit.start, term_hit["start"]) - min(hit.end, term_hit["end"]))
                if gap <= window and (best is None or gap < best.distance):
                    best = Nearness(hit, str(match["rule"]), str(term_hit["term"]), gap)
        if best is not None:
            out.append(best)
    return out


def entities_document(hits: Sequence[EntityHit], near: Sequence[Nearness]) -> list[dict[str, Any]]:
    """What a post stores: one entry per entity with its hits and its closest rule term."""
    closest: dict[str, Nearness] = {}
    for n in near:
        prior = closest.get(n.hit.entity.id)
        if prior is None or n.distance < prior.distance:
            closest[n.hit.entity.id] = n
    out: dict[str, dict[str, Any]] = {}
    for hit in hits:
        e = hit.entity
        entry = out.setdefault(e.id, {
            "id": e.id, "name": e.name, "kind": e.kind, "weight": e.weight, "count": 0,
            "hits": [], "near": None,
        })  # fmt: skip
        entry["count"] += 1
        if len(entry["hits"]) < MAX_HITS_PER_ENTITY:
            entry["hits"].append({"form": hit.form, "field": hit.field, "start": hit.start,
                                  "end": hit.end, "text": hit.text})  # fmt: skip
        if e.id in closest:
            n = closest[e.id]
            entry["near"] = {"rule": n.rule, "term": n.term, "distance": n.distance}
    return list(out.values())


def load_watchlists(paths: Sequence[Traversable]) -> Watchlist:
    """Read watchlist files into one list. An entity id or a listed form (name, alias) claimed
    twice is an error naming both; a generated form that clashes is left out."""
    merged = Watchlist(window=DEFAULT_WINDOW)
    read: list[tuple[Entity, str]] = []
    for path in paths:
        part, city = _read_file(path)
        merged.window = part.window
        merged.sources.append(str(path))
        read += [(entity, city) for entity in part.entities]
    owner: dict[str, Entity] = {}
    listed: dict[str, list[str]] = {}
    for entity, _ in read:
        if entity.id in listed:
            raise ConfigError(entity.source, entity.place, "entity id declared twice; rename one")
        listed[entity.id] = _claim_listed(entity, owner)
    for entity, city in read:
        extra = [f for f in generated_forms(entity, city) if _claim(f, entity, owner)]
        forms = tuple(dict.fromkeys((*listed[entity.id], *extra)))
        merged.entities.append(Entity(**{**entity.__dict__, "forms": forms}))
    return merged


def _claim(form: str, entity: Entity, owner: dict[str, Entity]) -> bool:
    return owner.setdefault(match_key(form), entity).id == entity.id


def _claim_listed(entity: Entity, owner: dict[str, Entity]) -> list[str]:
    forms = list(dict.fromkeys((entity.name, *entity.aliases)))
    for form in forms:
        if not _claim(form, entity, owner):
            other = owner[match_key(form)]
            clash = f"{form!r} also names {other.place} in {other.source}; keep it on one entity"
            raise ConfigError(entity.source, f"{entity.place} aliases", clash)
    return forms


def _read_file(path: Traversable) -> tuple[Watchlist, str]:
    data, text = read_toml(path)
    head = Table(data.get("watchlist", {}), str(path), "[watchlist]")
    head.check_keys({"name", "city", "window"})
    unknown = sorted(set(data) - {"watchlist", "entity"})
    if unknown:
        raise ConfigError(str(path), "top level", f"unknown table {unknown[0]!r}; use [[entity]]")
    window = int(head.number("window", DEFAULT_WINDOW, 0, 500))
    entities = [
        _entity(Table(t, str(path), f"line {table_line(text, 'entity', i)} [[entity]]"))
        for i, t in enumerate(data.get("entity", []))
    ]
    return Watchlist(entities, window), head.text("city", "")


def _entity(t: Table) -> Entity:
    t.check_keys(_ENTITY_KEYS)
    t.where += f" id {t.data.get('id', '?')!r}"
    kind = t.text("kind")
    if kind not in KINDS:
        raise t.fail("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    surname, titles = t.text("surname", ""), t.texts("titles")
    if kind == "official" and not (surname and titles):
        raise t.fail("surname", 'an official needs surname = "王" and titles = ["书记", …]')
    return Entity(
        id=t.text("id"), kind=kind, name=t.text("name"), aliases=t.texts("aliases"),
        surname=surname, titles=titles, exclude=t.texts("exclude"),
        weight=t.number("weight", 1.0, 0.0, 100.0), note=t.text("note", ""),
        source=t.source, place=t.where,
    )  # fmt: skip
