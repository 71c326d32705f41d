"""Decode fetched pages the way Chinese sites really serve them.

Many pages declare GB2312 but are UTF-8; real GBK pages use characters outside GB2312; some
declare nothing; some declare the wrong charset outright (Big5 bytes under ``gbk``, cp1252
bytes under ``utf-8``, a server's default ``charset=utf-8`` or ``iso-8859-1`` header).

The order: a site's own ``encoding`` when it decodes; strict UTF-8 (GB bytes of Chinese text
are almost never valid UTF-8); UTF-8 with a few broken bytes; then the page's ``<meta>``, the
HTTP header and gb18030, the first whose text looks like real text — the whole GB family is
read as gb18030, its superset. Only when none looks real is the detector (charset-normalizer)
asked, and its codec is taken only when its text is clearly more plausible. Plausibility is
judged on the characters a wrong codec produces and real text almost never has: private-use,
replacement and C1 control characters, CJK ideographs outside the common sets of GB2312 and
Big5, and for single-byte codecs runs of accented letters ('Ã©', 'Ö÷Ìâ').
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import cache

from charset_normalizer import from_bytes

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "cp936", "euc-cn", "hz-gb-2312"}
#: Hong Kong's pages declare ``big5`` and write Cantonese in Big5-HKSCS, its superset (哋, 啲,
#: 嘅, 咗 are not in Big5): the whole family is read as big5hkscs, as the GB family is as
#: gb18030.
_BIG5_FAMILY = {"big5", "big5-hkscs", "big5hkscs", "cp950", "x-x-big5", "csbig5", "big5_tw"}
#: The Cantonese characters Hong Kong's pages write most that are outside GB2312 and Big5's
#: frequent set: ordinary text there, not a wrong decoding's leftovers.
CANTONESE = "佢哋啲嘅咗冇嚟喺噉嘢啱揾搵攞嗰係嚿冚唥揸噃喎啫㗎囉乜咁"
#: Korean pages labelled EUC-KR write in Windows' cp949 (UHC), its superset: 똠, 햏, 뷁 are not in
#: EUC-KR, and a strict EUC-KR decoding fails on one and fell to GB mojibake; Japanese pages
#: labelled Shift_JIS write in cp932 (①, ㈱, ～). The WHATWG encoding standard reads both labels
#: so, as the GB family is read as gb18030.
_KOREAN = {"euc-kr", "euc_kr", "euckr", "ks_c_5601-1987", "ks_c_5601", "ksc5601", "ksc_5601",
           "korean", "csksc56011987", "cseuckr", "iso-ir-149", "windows-949", "x-windows-949",
           "cp949", "uhc"}  # fmt: skip
_SHIFT_JIS = {"shift_jis", "shift-jis", "sjis", "x-sjis", "s-jis", "ms_kanji", "csshiftjis",
              "windows-31j", "ms932", "cp932"}  # fmt: skip
# Pages labelled Latin-1 or ASCII are cp1252 in practice (the WHATWG encoding standard agrees).
_WINDOWS_1252 = {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "ascii", "us-ascii"}
_LANG = re.compile(
    rb"""<html[^>]*?\slang\s*=\s*["']?([a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})?)"""
    rb"""|content-language["'][^>]*?content\s*=\s*["']?([a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})?)""",
    re.I,
)
#: A language's legacy codecs, as its pages served them before UTF-8.
_LANGUAGE_CODECS = {
    "ko": ("cp949",), "ja": ("cp932", "euc_jp"), "zh-tw": ("big5hkscs",),
    "zh-hk": ("big5hkscs",), "zh-hant": ("big5hkscs",), "ru": ("cp1251",), "uk": ("cp1251",),
    "bg": ("cp1251",), "pl": ("cp1250",), "cs": ("cp1250",), "sk": ("cp1250",),
    "hu": ("cp1250",), "ro": ("cp1250",), "hr": ("cp1250",), "sl": ("cp1250",),
    "tr": ("cp1254",), "el": ("cp1253",), "vi": ("cp1258",), "th": ("cp874",),
}  # fmt: skip
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_HEADER = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)

#: A decode whose odd characters reach this share of its non-ASCII ones does not look real.
IMPLAUSIBLE_SHARE = 0.15
#: Below this many non-ASCII characters a correction is too thinly evidenced to be sure of.
MIN_EVIDENCE = 12
#: UTF-8 with at most one broken sequence per this many good non-ASCII characters is UTF-8.
UTF8_GOOD_PER_BAD = 20
WINDOW = 8192
# What the Chinese-language web serves, tried before the detector's other candidates.
_PRIOR = ("gb18030", "big5hkscs", "utf-8", "cp1252")

_LATIN_MOJIBAKE = re.compile(
    r"[\u0080-\u024f\u2013-\u2122]{3,}"  # runs of accented letters: CJK or UTF-8 bytes as Latin
    r"|[\u00c2\u00c3][\u00a0-\u00bf\u0152-\u0192\u02c6\u02dc\u2013-\u2122]"  # 'Ã©', 'Â '
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded page: the text, the codec used and how sure the decoder is of it.

    ``declared`` is the charset the page declares for itself (``<meta>``, else the HTTP header);
    ``corrected`` says the text was decoded with another codec because the declaration is wrong;
    ``confident`` is false when the text may still be mojibake or lost characters.
    """

    text: str
    codec: str
    declared: str | None = None
    corrected: bool = False
    confident: bool = True


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset; the GB family becomes gb18030."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    if name in _BIG5_FAMILY:
        return "big5hkscs"
    if name in _WINDOWS_1252:
        return "cp1252"
    if name in _KOREAN:
        return "cp949"
    if name in _SHIFT_JIS:
        return "cp932"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(body: bytes) -> str | None:
    """The charset a page's own ``<meta>`` declares, from its first 4 KiB."""
    m = _META.search(body[:4096])
    return normalise_charset(m.group(1).decode("ascii", "ignore")) if m else None


def language_codecs(body: bytes) -> tuple[str, ...]:
    """The legacy codecs of the language a page says it is in (``<html lang>``, a
    ``Content-Language`` meta), from its first 4 KiB: tried before gb18030 when the page
    declares no charset that reads, since EUC-KR Korean and EUC-JP Japanese read as plausible
    GB text and Polish or Czech as plausible Latin-1."""
    found = _LANG.search(body[:4096])
    if not found:
        return ()
    tag = (found.group(1) or found.group(2)).decode("ascii", "ignore").lower().replace("_", "-")
    return _LANGUAGE_CODECS.get(tag, _LANGUAGE_CODECS.get(tag.split("-")[0], ()))


#: Letters that must make up a share of a decoding's non-ASCII letters for a language hint
#: to be believed: Korean is mostly hangul (hanja are rare); Japanese always writes kana.
_SCRIPT_SHARE = {
    "cp949": (re.compile(r"[\uac00-\ud7a3]"), 0.7),
    "cp932": (re.compile(r"[\u3041-\u30ff]"), 0.1),
    "euc_jp": (re.compile(r"[\u3041-\u30ff]"), 0.1),
}


def _in_its_script(codec: str, text: str) -> bool:
    """Whether a decoding a language hint suggested is written in that language's script."""
    if codec not in _SCRIPT_SHARE:
        return True
    letters, share = _SCRIPT_SHARE[codec]
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)
    return wide == 0 or len(letters.findall(text)) >= share * wide


def content_type_charset(content_type: str | bytes | None) -> str | None:
    """The charset of a ``Content-Type`` header value, as given (``None`` when absent)."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    m = _HEADER.search(content_type or "")
    return m.group(1) if m else None


def decode_html(
    body: bytes, header_charset: str | None = None, override: str | None = None
) -> Decoded:
    """Decode a fetched page. ``override`` (a site's ``encoding``) wins when it decodes."""
    meta = declared_charset(body)
    header = normalise_charset(header_charset)
    declared = meta or header
    forced = normalise_charset(override)
    if forced and (text := _strict(body, forced)) is not None:
        return Decoded(text, forced, declared)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:
        return _result(body, text, "utf-8", declared, confident=_utf8_sure(body, text, declared))
    if (loose := _mostly_utf8(body, first_bad)) is not None:
        return _result(body, loose, "utf-8", declared, confident=False)

    tried: list[tuple[str, str, float]] = []
    spoken = language_codecs(body)
    for codec in dict.fromkeys(c for c in (meta, header, *spoken, "gb18030") if c and c != "utf-8"):
        if (text := _strict(body, codec)) is None:
            continue
        if codec in spoken and codec not in (meta, header) and not _in_its_script(codec, text):
            continue  # the page's language tag is wrong (a Chinese CMS's lang="ko")
        odd, total = oddness(text, single_byte=len(text) == len(body))
        if not implausible(odd, total):
            return _result(body, text, codec, declared, confident=True)
        tried.append((codec, text, odd / total))
    return _detect(body, declared, tried)


def _detect(body: bytes, declared: str | None, tried: list[tuple[str, str, float]]) -> Decoded:
    """No declared codec gives plausible text: take the detector's codec when its text is
    clearly more plausible, else keep the first declared decoding and say so."""
    done = {codec for codec, _, _ in tried}
    for codec in _detected_codecs(body):
        if codec in done or (text := _strict(body, codec)) is None:
            continue
        odd, total = oddness(text, single_byte=len(text) == len(body))
        if not implausible(odd, total):
            if tried and odd / max(total, 1) > tried[0][2] / 2:
                break  # not clearly better than what the page declares
            evidence = total >= MIN_EVIDENCE
            return _result(body, text, codec, declared, confident=evidence)
    if tried:
        codec, text, _share = tried[0]
        return _result(body, text, codec, declared, confident=False)
    text = body.decode("gb18030", errors="replace")
    return _result(body, text, "gb18030", declared, confident=False)


def _detected_codecs(body: bytes) -> list[str]:
    """Codecs to try, as this module names them (GB family as gb18030): the usual codecs of
    the Chinese-language web first — those charset-normalizer offers, best first, then the
    rest, for text too short or too unlike prose for its language models — then its other
    candidates. Plausibility still has to accept each."""
    ranked = sorted(
        (round(m.chaos, 3), -round(m.coherence, 3), codec)
        for m in from_bytes(body)
        if (codec := normalise_charset(m.encoding))
    )
    offered = [codec for *_, codec in ranked]
    usual = [c for c in offered if c in _PRIOR] + [c for c in _PRIOR if c not in offered]
    return list(dict.fromkeys([*usual, *offered]))


def _result(body: bytes, text: str, codec: str, declared: str | None, confident: bool) -> Decoded:
    # An ASCII-only page reads the same under any declared codec: nothing was corrected.
    corrected = declared is not None and codec != declared and not body.isascii()
    return Decoded(text, codec, declared, corrected, confident)


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec, _BIG5_EXTENSIONS if codec == "big5hkscs" else "strict")
    except (UnicodeDecodeError, LookupError):
        return None


#: The error handler that reads, inside Big5-HKSCS, the few codes Taiwan's Big5 (Microsoft's
#: cp950) gives and HKSCS does not — € (A3E1) and six kana of the ETen extension —, as
#: browsers' Big5 reads both: a Taiwanese page quoting a price in euros is Big5 still, not
#: GB mojibake. Any other code it cannot read fails the strict decoding.
_BIG5_EXTENSIONS = "opinion-big5-extensions"


def _big5_extension(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        pair = exc.object[exc.start : exc.start + 2]
        try:
            return pair.decode("cp950"), exc.start + 2
        except UnicodeDecodeError:
            pass
    raise exc


codecs.register_error(_BIG5_EXTENSIONS, _big5_extension)


def _utf8_sure(body: bytes, text: str, declared: str | None) -> bool:
    """Valid UTF-8 is sure unless a handful of non-ASCII characters could as well be the
    declared charset (two GBK hanzi are valid UTF-8 as often as not)."""
    if declared in (None, "utf-8") or body.isascii() or _non_ascii(text) >= MIN_EVIDENCE:
        return True
    other = _strict(body, declared)
    return other is None or implausible(*oddness(other, single_byte=len(other) == len(body)))


def _mostly_utf8(body: bytes, first_bad: int) -> str | None:
    """UTF-8 with a few broken sequences (a truncated or mixed-in byte), read as UTF-8. The
    bytes around the first broken sequence reject other encodings without decoding it all."""
    for chunk in (body[max(0, first_bad - WINDOW) : first_bad + WINDOW], body):
        text = chunk.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        if _non_ascii(text) - bad < UTF8_GOOD_PER_BAD * (bad - 2 if chunk is not body else bad):
            return None
    return text


def oddness(text: str, *, single_byte: bool = False) -> tuple[int, int]:
    """``(odd, non_ascii)``: characters a wrong codec produces and real text almost never has,
    out of all non-ASCII characters; ``single_byte`` adds Latin mojibake runs. A cheap upper
    bound (characters outside GB2312) settles ordinary text; the exact count runs only when
    the bound makes the text look implausible."""
    total = _non_ascii(text)
    if not total:
        return 0, 0
    if not single_byte:
        ascii_len = len(text) - total
        bound = total - (len(text.encode("gb2312", "ignore")) - ascii_len) // 2
        if not implausible(bound, total):
            return bound, total
    odd = len(_odd_chars().findall(text))
    if single_byte:
        odd += sum(len(m) for m in _LATIN_MOJIBAKE.findall(text))
    return min(odd, total), total


def implausible(odd: int, total: int) -> bool:
    """Whether ``odd`` of ``total`` non-ASCII characters make a text look like mojibake."""
    return odd >= 2 and odd >= IMPLAUSIBLE_SHARE * total


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


@cache
def _odd_chars() -> re.Pattern[str]:
    """Replacement, private-use and C1 control characters, half-width katakana (Shift-JIS
    read into other double-byte text), and CJK ideographs outside the
    hanzi of GB2312 (both levels), Big5's frequent set and written Cantonese's own
    (:data:`CANTONESE`) — what GB-decoded Big5 and other
    wrong double-byte decodings are mostly made of, and what ordinary Chinese text is not."""
    gb = _pairs("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF))
    big5 = _pairs("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
    common = sorted({ord(c) for c in gb + big5 + CANTONESE if "\u4e00" <= c <= "\u9fff"})
    rare, start = [], 0x4E00
    for cp in [*common, 0xA000]:
        if cp > start:
            rare.append(f"\\u{start:04x}-\\u{cp - 1:04x}")
        start = cp + 1
    return re.compile(
        "[\ufffd\x80-\x9f\ue000-\uf8ff\U000f0000-\U0010ffff\uff61-\uff9f"
        "\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003ffff" + "".join(rare) + "]"
    )


def _pairs(codec: str, leads: range, trails: list[int] | range) -> str:
    """Every character of a double-byte code table's rows (invalid cells skipped)."""
    out = []
    for lead in leads:
        for trail in trails:
            try:
                out.append(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                continue
    return "".join(out)
