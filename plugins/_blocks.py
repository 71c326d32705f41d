"""What repeated blocks of a page share, for the readers that look for them (the generic
thread reader's posts, a board list's rows): a block's kind (:func:`signature`) and the dates
their headers show (:data:`DATE_LIKE`)."""

from __future__ import annotations

import re

from lxml import etree

#: A date or time as a post's header shows it. The words alone (``刚刚``, ``昨天``, ``3天前``)
#: only where no Chinese words run on around them: in a sentence (``昨天差点摔一跤``) they
#: are what someone said, not when.
DATE_LIKE = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}:\d{2}"
    r"|\d+\s*(?:秒|分钟|小时|天|周|个?月)前(?![\u4e00-\u9fff])"
    r"|(?<![\u4e00-\u9fff])(?:刚刚|昨天|前天)(?![\u4e00-\u9fff])"
    r"|\b\d+\s*(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\s+ago\b"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}",
    re.I,
)
#: Utility-class prefixes (Bootstrap, Tailwind): ``justify-content-between`` styles, not names.
UTILITY = re.compile(
    r"(?:[a-z-]+:)?(?:justify|align|place|text|bg|border|flex|grid|d|[mp][trblxyse]?|col|row|g"
    r"|gap|w|h|min|max|font|leading|tracking|rounded|shadow|overflow|order)-"
)
_ALTERNATE = re.compile(r"(?<=[a-zA-Z])[12]$|[-_]\d+$|^(?:odd|even)$|[-_](?:odd|even)$", re.I)
#: The number in a block's id that tells it from its siblings (``edit1288700``, ``post_12``).
_NUMBERED = re.compile(r"\d+")
GRID = re.compile(r"(?:span|grid|col|size|level|width|order|offset)[-_]?\d", re.I)


def signature(el: etree._Element) -> str:
    """Tag plus the first class token: what repeated post blocks share (later tokens mark
    variants such as the opening post, and ids carry numbers) — without the 1 or 2 or the
    odd/even that alternating rows end it with (SMF's ``windowbg``/``windowbg2``, ``row1``/
    ``row2``, ``alt1``/``alt2``, ``odd``/``even``) or the number that counts them
    (bbPress's ``loop-item-3``), unless it names a layout column (``col-lg-9``)."""
    classes = (el.get("class") or "").split()
    if not classes and _NUMBERED.search(key := el.get("id") or ""):
        return f"{el.tag}.#{_NUMBERED.sub('', key)}"  # vBulletin 3's classless div#edit1288700
    first = classes[0] if classes else ""
    if not (UTILITY.match(first) or GRID.match(first)):  # col-lg-9, span3: layout columns
        first = _ALTERNATE.sub("", first)
    return f"{el.tag}.{first}"
