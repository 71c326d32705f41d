"""MinHash over character shingles, and its LSH band keys (the signatures of :mod:`._model`).

Why characters, not words: Chinese has no spaces, and segmentation of an edited copy can
shift word boundaries; character 3-grams survive that. The permutation parameters come from
a fixed seed, so signatures computed by any process, today or next year, stay comparable —
change :data:`VERSION` whenever a parameter changes.

Why numpy (and, where it is built, the same arithmetic compiled: :class:`Signer`), and this
hash family: a pure-Python signature (a blake2b per shingle, then
``(a*h + b) mod 2**61-1`` per permutation on Python integers) cost about 5 ms of a post's
~10 ms through every pipeline. Here a 3-gram of code points (each < 0x110000) packs exactly
into one 64-bit integer, which the splitmix64 finaliser (a bijection) spreads over 64 bits;
permutation ``i`` is then ``a_i*h + b_i`` modulo 2**64 (``a_i`` odd), whose top 32 bits are
the signature value — multiply-add-shift hashing, all in uint64 arrays, where numpy's
multiply wraps modulo 2**64 by definition (no overflow to guard against).
"""

from __future__ import annotations

import base64
import functools
import random
import re
from array import array

import numpy as np
import numpy.typing as npt

from opinion_spiders.text.normalize import fold_for_match

try:
    from opinion_native import MinHasher
except ImportError:  # not built on this machine: numpy computes every signature
    MinHasher = None

#: Bumped when the shingling, hashing or band layout changes: older signatures are ignored.
VERSION = "m2"
_SEED = 20261203
_NOT_TEXT = re.compile(r"[\W_]+")
#: Larger than every code point: a 3-gram ``c0*B² + c1*B + c2`` fits 63 bits exactly.
_BASE = np.uint64(0x110000)
#: Shingles hashed per block: bounds the (permutations × shingles) matrix of a long text.
_BLOCK = 2048
_U64 = npt.NDArray[np.uint64]


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1, _MUL2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S27, _S30, _S31, _S32 = np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(32)


def _mix(z: _U64) -> _U64:
    """splitmix64's finaliser: every input bit changes about half the output bits. (A new
    array, then in place, with the constants made once: on a band's 32 values numpy's cost
    is per operation, not per value.)"""
    z = z + _GOLDEN
    z ^= z >> _S30
    z *= _MUL1
    z ^= z >> _S27
    z *= _MUL2
    z ^= z >> _S31
    return z


def normalise(text: str) -> str:
    """Width/case folded, punctuation, symbols and whitespace removed: only letters, digits
    and Hanzi count, so a changed comma or a reflowed line does not change the signature."""
    return _NOT_TEXT.sub("", fold_for_match(text))


def shingle_hashes(text: str, size: int) -> _U64:
    """One 64-bit hash per ``size``-character substring of already normalised text (the whole
    text when it is shorter); equal shingles hash equal, as a set needs."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    count = len(points) - size + 1
    if count < 1:
        count, size = min(1, len(points)), len(points)
    packed = np.zeros(count, dtype=np.uint64)
    for k in range(size):
        packed = packed * _BASE + points[k : k + count]
    return _mix(packed)


class Permutations:
    """``count`` hash functions ``h -> (a*h + b) mod 2**64``, ``a`` odd, from a fixed seed."""

    def __init__(self, count: int) -> None:
        rng = random.Random(_SEED)
        self.a = np.array([rng.getrandbits(64) | 1 for _ in range(count)], dtype=np.uint64)
        self.b = np.array([rng.getrandbits(64) for _ in range(count)], dtype=np.uint64)

    def __len__(self) -> int:
        return len(self.a)

    def minhash(self, hashes: _U64) -> array[int]:
        """One 32-bit minimum per permutation (the top half of the 64-bit minimum: the order
        of the top halves is the order of the whole); equal positions estimate the Jaccard
        similarity. Empty input gives all ones."""
        low = np.full(len(self.a), np.iinfo(np.uint64).max, dtype=np.uint64)
        for start in range(0, len(hashes), _BLOCK):
            table = np.multiply.outer(hashes[start : start + _BLOCK], self.a)  # shingle × perm
            table += self.b  # in place, and reduced along rows: 5× faster than the transpose
            np.minimum(low, table.min(axis=0), out=low)
        return array("I", (low >> _S32).astype(np.uint32).tobytes())


class Signer:
    """A normalised text's MinHash values and band keys: ``count`` permutations of
    ``size``-character shingles, ``bands`` bands of ``rows`` values. Compiled
    (``opinion_native.MinHasher``, the same integers in one call: 22 µs against numpy's 86 µs
    for a 300-character post) where it is installed; numpy (:func:`shingle_hashes`,
    :meth:`Permutations.minhash`, :func:`band_keys`), the reference, everywhere."""

    def __init__(self, count: int, size: int, bands: int, rows: int) -> None:
        self.perms = Permutations(count)
        self.size, self.bands, self.rows = size, bands, rows
        self.compiled = None
        if MinHasher is not None:
            a, b = [int(v) for v in self.perms.a], [int(v) for v in self.perms.b]
            seeds = [int(v) for v in _band_seeds(bands)]
            self.compiled = MinHasher(a, b, seeds, size, rows)

    def sign(self, folded: str) -> tuple[array[int], tuple[str, ...]]:
        if self.compiled is None:
            return self.sign_in_python(folded)
        raw, keys = self.compiled.sign(folded)
        values = array("I")
        values.frombytes(raw)
        return values, tuple(keys)

    def sign_in_python(self, folded: str) -> tuple[array[int], tuple[str, ...]]:
        values = self.perms.minhash(shingle_hashes(folded, self.size))
        return values, band_keys(values, self.bands, self.rows)


def band_keys(values: array[int], bands: int, rows: int) -> tuple[str, ...]:
    """One key per band: 16 hex digits of a hash of the band number and its ``rows`` values.

    Two signatures share a key only when a whole band agrees (probability ``J**rows``).
    """
    table = np.frombuffer(values, dtype=np.uint32)[: bands * rows].astype(np.uint64)
    table = table.reshape(bands, rows)
    key = _band_seeds(bands)
    for row in range(rows):
        key = _mix(key ^ table[:, row])
    digits = key.astype(">u8").tobytes().hex()  # each value as f"{k:016x}"
    return tuple(digits[k : k + 16] for k in range(0, 16 * bands, 16))


@functools.cache
def _band_seeds(bands: int) -> _U64:
    seeds = _mix(np.arange(bands, dtype=np.uint64) + np.uint64(_SEED))
    seeds.flags.writeable = False
    return seeds


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
    same = np.count_nonzero(np.frombuffer(a, dtype=np.uint32) == np.frombuffer(b, dtype=np.uint32))
    return int(same) / len(a)
