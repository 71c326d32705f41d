"""MinHash over character shingles, and its LSH band keys (helpers of :mod:`.clusters`).

Why characters, not words: Chinese has no spaces, and segmentation of an edited copy can
shift word boundaries; character 3-grams survive that. The permutation parameters come from
a fixed seed, so signatures computed by any process, today or next year, stay comparable —
change :data:`VERSION` whenever a parameter changes.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import struct
from array import array
from collections.abc import Sequence

from opinion_spiders.text.normalize import fold_for_match

#: Bumped when the shingling, hashing or band layout changes: older signatures are ignored.
VERSION = "m1"
_PRIME = (1 << 61) - 1
_MASK32 = 0xFFFFFFFF
_SEED = 20261125
_NOT_TEXT = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Width/case folded, punctuation, symbols and whitespace removed: only letters, digits
    and Hanzi count, so a changed comma or a reflowed line does not change the signature."""
    return _NOT_TEXT.sub("", fold_for_match(text))


def shingles(text: str, size: int) -> set[str]:
    """The set of ``size``-character substrings of already normalised text."""
    if len(text) <= size:
        return {text} if text else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def _base_hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest())


def permutations(count: int) -> list[tuple[int, int]]:
    """``count`` universal-hash parameters ``(a, b)`` for ``(a*x + b) mod 2**61-1``."""
    rng = random.Random(_SEED)
    return [(rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(count)]


def minhash(items: set[str], perms: Sequence[tuple[int, int]]) -> array[int]:
    """One 32-bit minimum per permutation; equal positions estimate the Jaccard similarity."""
    hashes = [_base_hash(s) for s in items]
    return array("I", (min([(a * h + b) % _PRIME for h in hashes]) & _MASK32 for a, b in perms))


def band_keys(values: array[int], bands: int, rows: int) -> tuple[str, ...]:
    """One key per band: 16 hex digits of a hash of the band number and its ``rows`` values.

    Two signatures share a key only when a whole band agrees (probability ``J**rows``).
    """
    out = []
    for band in range(bands):
        chunk = values[band * rows : (band + 1) * rows]
        packed = struct.pack(f"<H{rows}I", band, *chunk)
        out.append(hashlib.blake2b(packed, digest_size=8, person=b"opinion-lsh").hexdigest())
    return tuple(out)


def encode(values: array[int]) -> str:
    """Compact text form for a document field (the same in MongoDB and in SQLite JSON)."""
    return f"{VERSION}:{base64.b64encode(values.tobytes()).decode('ascii')}"


def decode(text: object, count: int) -> array[int] | None:
    """Inverse of :func:`encode`; None for a missing, foreign or older-version signature."""
    if not isinstance(text, str) or not text.startswith(f"{VERSION}:"):
        return None
    try:
        raw = base64.b64decode(text[len(VERSION) + 1 :], validate=True)
    except ValueError:
        return None
    values = array("I")
    if len(raw) != count * values.itemsize:
        return None
    values.frombytes(raw)
    return values


def similarity(a: array[int], b: array[int]) -> float:
    """Estimated Jaccard similarity: the share of positions where the minimums agree."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
