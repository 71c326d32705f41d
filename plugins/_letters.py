"""Letters to officials and their answers, as government message boards show them (领导留言板,
市长信箱, 网络问政, a hotline's published cases).

A letter page shows a citizen's letter and, once it is handled, the answering body's reply
and often the writer's rating — under labels (来信内容, 回复单位, 答复时间, 满意度 …) in table
rows, definition lists or labelled blocks. Read as one article, the official answer would be
signed by the citizen and dated by the letter; read here, the letter, the reply and the rating
are posts of their own — the letter signed by its writer, the reply by the body that gave it,
each with its own time: what an analyst needs to see what was answered, by whom and how late.

A page is a letter page when it shows a reply under its label (回复内容, 答复内容, 办理结果 …),
or two labels only letters carry (留言人 and 留言时间), or one of them and the reply's office or
time (留言时间 and 回复机构): a board may label its reply's head and not its text, which is then
the block with the most text of its own after that head.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree
from parsel import Selector

from opinion_spiders.adapters import Page
from opinion_spiders.items import Post
from opinion_spiders.reading.main_text import page_title
from opinion_spiders.text.dates import full_date
from opinion_spiders.text.fingerprints import url_key
from plugins._html import STRING, node_text, own_text, squash, without_fragment

#: The letter's labels, each field's (a label a letter board alone uses marked strong below).
LETTER_TITLE = ("信件标题", "留言标题", "来信标题", "诉求标题", "问题标题", "咨询标题", "投诉标题")
LETTER_AUTHOR = ("来信人", "留言人", "写信人", "诉求人", "反映人", "咨询人", "投诉人", "建议人",
                 "提问人")  # fmt: skip
LETTER_TIME = ("来信时间", "留言时间", "写信时间", "来信日期", "留言日期", "诉求时间", "反映时间",
               "咨询时间", "投诉时间", "提问时间", "提交时间")  # fmt: skip
#: Whom the letter is to: a leader or an office (人民网领导留言板 prints 留言对象).
LETTER_TO = ("留言对象", "来信对象", "写信对象")
LETTER_BODY = ("来信内容", "留言内容", "信件内容", "诉求内容", "反映内容", "咨询内容", "投诉内容",
               "建议内容", "问题描述", "问题内容")  # fmt: skip
#: The reply's labels.
REPLY_UNIT = ("回复单位", "答复单位", "办理单位", "回复部门", "答复部门", "承办单位", "处理单位",
              "回复机构", "答复机构", "办理部门")  # fmt: skip
REPLY_TIME = ("回复时间", "答复时间", "办结时间", "办理时间", "处理时间", "回复日期", "答复日期")
REPLY_BODY = ("回复内容", "答复内容", "办理结果", "回复意见", "答复意见", "处理结果", "办理情况",
              "处理意见", "答复情况", "回复情况", "追问回复", "再次回复", "二次回复")  # fmt: skip
#: A further round: the writer's follow-up question (追问) and its time, answered by a reply.
FOLLOW_BODY = ("追问内容", "补充内容", "追问")
FOLLOW_TIME = ("追问时间", "补充时间")
RATING = ("满意度", "网友评价", "评价内容", "评价结果", "满意程度")
#: Labels other text opens with too (a reply's greeting 网友：您好！…): a label only where the
#: value beside it is a name (网友：陈***).
_NAME_ONLY = ("网友",)
_NAME = re.compile(r"[^\s，。！？、；：,.!?;:]{1,20}")
_FIELDS = {
    "title": LETTER_TITLE, "author": (*LETTER_AUTHOR, *_NAME_ONLY), "to": LETTER_TO,
    "time": LETTER_TIME, "body": LETTER_BODY,
    "unit": REPLY_UNIT, "reply_time": REPLY_TIME, "reply": REPLY_BODY, "rating": RATING,
    "follow": FOLLOW_BODY, "follow_time": FOLLOW_TIME,
}  # fmt: skip
_TIMES = ("time", "reply_time", "follow_time")
#: The fields of a reply's head: its office and its time.
_REPLY_HEAD = ("unit", "reply_time")
_FIELD_OF = {label: name for name, labels in _FIELDS.items() for label in labels}
#: Labels only a letter board prints (留言对象, 留言时间 …): two of them, or one and a reply's head,
#: make a letter page.
_STRONG = re.compile(r"^(?:来信|留言|写信|信件|诉求)")
_LABEL = re.compile(
    rf"^({'|'.join(sorted(_FIELD_OF, key=len, reverse=True))})\s*(?:[:：]\s*(.*))?$", re.S
)
_STARTS = re.compile("|".join(_FIELD_OF))
#: Any label on a page: the cheap test before the page's elements are looked at.
MARKED = re.compile("|".join((*LETTER_BODY, *REPLY_BODY, *REPLY_UNIT, *LETTER_AUTHOR, *LETTER_TO)))
_LABEL_TAGS = ("td", "th", "dt", "dd", "span", "div", "label", "strong", "b", "em", "font",
               "h2", "h3", "h4", "h5", "p", "li", "i")  # fmt: skip
_BLOCK_TAGS = ("p", "div", "td", "dd", "section", "article", "li")
#: What a block's own text leaves out: the blocks and tables nested in it.
_NOT_INLINE = frozenset([*_BLOCK_TAGS, "table"])
_SKIP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "head", "title")
#: Characters up to which a value is a name, a unit or a time rather than a text.
SHORT = 40
#: Characters up to which a line with a date in a reply's block is its head, not its text.
HEAD_LINE = 60
#: How many levels above its head's first label an unlabelled reply is looked for.
REPLY_REACH = 4
#: What an answering body's name ends in (区住房和城乡建设局, 市民政局, 街道办事处 …).
_BODY_SUFFIX = re.compile(
    r"(?:局|委员会|委|办公室|办|厅|部|政府|中心|办事处|街道|管委会|镇|乡|所|队|院|处|科|站|公司|集团)$"
)


@dataclass
class Field:
    """A labelled value: its text (a time before it taken apart) and the element holding it."""

    text: str
    node: etree._Element | None
    label: etree._Element
    time: str = ""


def read_letter(page: Page) -> list[Post] | None:
    """The letter, its reply and the rating as posts; None when the page is no letter page."""
    if not MARKED.search(page.text):
        return None
    sel = page.selector
    hits = labelled_in_order(sel)
    fields = letter_fields(sel, hits)
    if fields is None:
        return None
    order = {el: i for i, el in enumerate(sel.root.iter())}
    body = fields.get("body")
    letter = None if body else _unlabelled_letter(sel, fields, order)
    letter_text = _text_of(body) if body else node_text(letter) if letter is not None else ""
    if not letter_text:
        return None
    shown = letter if body is None else body.label if body.node is None else body.node
    reply = fields.get("reply") or _unlabelled_reply(hits, fields, order, _last(shown, order))
    key = url_key(page.url)
    title = fields["title"].text if "title" in fields else page_title(sel)
    base = without_fragment(page.url)

    def post(part: str, content: str, author: str, shown: str, floor: int) -> Post:
        return Post(
            site=page.site.name, kind=page.site.kind, url=f"{base}#{part}", title=title,
            content=content, author=author, thread_id=key, post_id=f"{key}-{part}",
            floor=floor, published_text=shown, adapter="letters", adapter_version="1",
        )  # fmt: skip

    letter_time = _value(fields, "time") or _time_before(sel, letter_text)
    posts = [post("letter", letter_text, _value(fields, "author"), letter_time, 1)]
    if reply is not None and (answer := _text_of(reply)):
        unit = _value(fields, "unit") or _unit_in(reply)
        when = _value(fields, "reply_time") or reply.time or _date_in(reply, answer)
        posts.append(post("reply", answer, unit, when, 2))
    rounds = later_rounds(hits, answered="reply" not in fields) if len(posts) > 1 else []
    for part, text, unit, when in rounds:
        author = posts[0].author if part == "follow" else unit or posts[1].author
        posts.append(post(f"{part}-{len(posts) + 1}", text, author, when, len(posts) + 1))
    if (rating := fields.get("rating")) and rating.text:
        posts.append(post("rating", rating.text, posts[0].author, rating.time, len(posts) + 1))
    return posts


def letter_fields(
    sel: Selector, hits: list[tuple[str, Field]] | None = None
) -> dict[str, Field] | None:
    """The page's labelled fields (each its first), if it is a letter page: a reply under its
    label, two labels only a letter board prints, or one of them and a reply's head (its office
    or its time)."""
    fields: dict[str, Field] = {}
    for name, field in labelled_in_order(sel) if hits is None else hits:
        fields.setdefault(name, field)
    strong = sum(1 for field in fields.values() if _STRONG.match(_label_text(field)))
    head = any(name in fields for name in _REPLY_HEAD)
    return fields if "reply" in fields or strong >= 2 or (strong and head) else None


def labelled_in_order(sel: Selector) -> list[tuple[str, Field]]:
    """Every labelled value on the page, in page order, with its field's name."""
    found: list[tuple[str, Field]] = []
    for el in sel.root.iter(*_LABEL_TAGS):
        if any(up.tag in _SKIP for up in el.iterancestors()):
            continue
        own = (el.text or "").strip()
        if not own or not _STARTS.match(own) or not (match := _labelled(squash(STRING(el)))):
            continue
        label, rest = match.group(1), squash(match.group(2))
        name = _FIELD_OF[label]
        if not own.startswith(label):
            continue
        field = _field(el, rest, dated=name in _TIMES)
        if field is not None:
            found.append((name, field))
    return found


def later_rounds(
    hits: list[tuple[str, Field]], *, answered: bool = False
) -> list[tuple[str, str, str, str]]:
    """The rounds after the first reply — the writer's follow-up (追问) and the reply to it —
    as ``(part, text, unit or '', time)``, each with the time and office labelled since the
    round before it; ``answered`` when the first reply has no label of its own."""
    rounds: list[tuple[str, str, str, str]] = []
    replies = int(answered)
    meta: dict[str, str] = {}
    for name, field in hits:
        if name in ("reply", "follow"):
            replies += name == "reply"
            if (name == "follow" or replies > 1) and (text := _text_of(field)):
                when = meta.get("follow_time" if name == "follow" else "reply_time", "")
                rounds.append((name, text, meta.get("unit", ""), when or field.time))
            meta = {}
        elif len(field.text) <= SHORT:
            meta[name] = field.text
    return rounds


def _field(label: etree._Element, rest: str, *, dated: bool) -> Field | None:
    """The value a label gives: the text after its colon, the text after the label element,
    else the next element (its row's next cell, a ``<dd>``, the block under a heading) — a
    bare time standing first taken as the value's time (``网友评价 2024-07-20 09:02 已经…``)
    unless the label is a time's (``dated``)."""
    if rest:
        return Field(rest, None, label)
    tail = squash(label.tail)
    if tail:
        return Field(tail, None, label)
    time = ""
    node = label.getnext()
    parent = label.getparent()
    if node is None and parent is not None and squash(STRING(parent)) == squash(STRING(label)):
        node = parent.getnext()  # a label alone in its cell or block: the value follows it
    while node is not None:
        if not isinstance(node.tag, str):
            node = node.getnext()
            continue
        text = squash(STRING(node))
        if _labelled(text):
            return None  # the next label: this one's value is empty
        if text and full_date(text) == text and not time and not dated:
            time, node = text, node.getnext()
            continue
        return Field(text, node, label, time) if text else None
    return None


def _labelled(text: str) -> re.Match[str] | None:
    """A label and its value at the start of ``text``; a label other text opens with too
    (:data:`_NAME_ONLY`) only before a name."""
    match = _LABEL.match(text)
    if match and match.group(1) in _NAME_ONLY and not _NAME.fullmatch(squash(match.group(2))):
        return None
    return match


def _label_text(field: Field) -> str:
    return squash(STRING(field.label))


def _value(fields: dict[str, Field], name: str) -> str:
    """A short field's text (a name, a unit, a time), '' where the page gives none."""
    field = fields.get(name)
    return field.text if field and len(field.text) <= SHORT else ""


def _text_of(field: Field) -> str:
    """A text field's lines, without the head a reply's block may open with (its unit and
    time on a short line)."""
    if field.node is None:
        return field.text
    lines = node_text(field.node).split("\n")
    return "\n".join(x for x in lines if not (len(x) <= HEAD_LINE and full_date(x)))


def _unlabelled_letter(
    sel: Selector, fields: dict[str, Field], order: dict[etree._Element, int]
) -> etree._Element | None:
    """A letter whose text has no label: the block with the most text of its own that stands
    before the reply — its label, else its head's first label — outside the labelled values
    (anywhere on the page when no such block stands before a head)."""
    taken = _taken(fields.values())
    if "reply" in fields:
        return _largest(sel.root.iter(), order, taken, before=order[fields["reply"].label])
    heads = [order[fields[name].label] for name in _REPLY_HEAD if name in fields]
    if heads and (found := _largest(sel.root.iter(), order, taken, before=min(heads))) is not None:
        return found
    return _largest(sel.root.iter(), order, taken)


def _unlabelled_reply(
    hits: list[tuple[str, Field]],
    fields: dict[str, Field],
    order: dict[etree._Element, int],
    letter_end: int,
) -> Field | None:
    """A reply whose text has no label, only its head (回复机构, 答复时间): the block with the
    most text of its own after the head's first label and the letter, before the next other
    label (a rating), in the nearest box around the head that holds one."""
    labels = [fields[name].label for name in _REPLY_HEAD if name in fields]
    head = min(labels, key=order.__getitem__, default=None)
    if head is None:
        return None
    start = max(order[head], letter_end)
    later = [
        order[f.label] for name, f in hits if name not in _REPLY_HEAD and order[f.label] > start
    ]
    stop = min(later, default=None)
    taken = _taken(f for _, f in hits)
    box = head
    for _ in range(REPLY_REACH):
        box = box.getparent()
        if box is None:
            break
        found = _largest(box.iter(), order, taken, after=start, before=stop)
        if found is not None:
            return Field(node_text(found), found, head)
    return None


def _largest(
    elements: Iterable[etree._Element],
    order: dict[etree._Element, int],
    taken: set[etree._Element],
    *,
    after: int = -1,
    before: int | None = None,
) -> etree._Element | None:
    """The block with the most text of its own (at least :data:`SHORT` characters) between two
    places in the page, outside ``taken`` elements and the page's furniture."""
    best, size = None, 0
    for el in elements:
        if not isinstance(el.tag, str):
            continue
        place = order[el]
        if before is not None and place >= before:
            break
        if place <= after or el.tag not in _BLOCK_TAGS:
            continue
        if el in taken or any(up.tag in _SKIP or up in taken for up in el.iterancestors()):
            continue
        own = own_text(el, _NOT_INLINE)[1]
        if own > size:
            best, size = el, own
    return best if size >= SHORT else None


def _taken(fields: Iterable[Field]) -> set[etree._Element]:
    """The labels and the elements holding their values."""
    taken: set[etree._Element] = set()
    for field in fields:
        taken.add(field.label)
        if field.node is not None:
            taken.add(field.node)
    return taken


def _last(node: etree._Element | None, order: dict[etree._Element, int]) -> int:
    """The place of a node's last element in the page (-1 for none)."""
    if node is None:
        return -1
    return max(order[el] for el in node.iter() if el in order)


def _time_before(sel: Selector, letter: str) -> str:
    """The first date with its year on the page before the letter's text (its info line)."""
    first = letter.split("\n")[0][:20]
    for text in sel.root.xpath("//body//text()[not(ancestor::script or ancestor::style)]"):
        if first and first in text:
            return ""
        if found := full_date(str(text)):
            return found
    return ""


def _unit_in(field: Field) -> str:
    """The answering body named in the reply's head: a short text ending as an office's name
    does (局, 委员会, 办事处 …)."""
    if field.node is None:
        return ""
    for el in field.node.iter():
        text = squash(STRING(el))
        if 2 < len(text) <= SHORT and _BODY_SUFFIX.search(text) and not full_date(text):
            return text
    return ""


def _date_in(field: Field, answer: str) -> str:
    """The first date with its year in the reply's element outside its text."""
    if field.node is None:
        return ""
    for text in field.node.itertext():
        if str(text).strip() and str(text).strip() in answer:
            continue
        if found := full_date(str(text)):
            return found
    return ""
