"""What a reader does not see of a page: a dialog's box, shown only when a button opens it (a
board's Markdown help, its log-in or report box), and a box the page hides. One definition
for the readers that leave them out — the main text, before trafilatura reads the page, and
the generic thread reader, for which a body in such a box is no post.
"""

from __future__ import annotations

import re

from lxml import etree

#: A dialog's roles, and the class word of one (Bootstrap's ``modal``).
DIALOG_ROLES = frozenset(["dialog", "alertdialog"])
DIALOG_CLASS = "modal"
#: Class words of the utilities that hide a box.
HIDING_CLASSES = frozenset(["hidden", "d-none", "hide"])
#: Every dialog box of a page (an XPath from the root).
DIALOGS = (
    f"//*[{' or '.join(f'@role={role!r}' for role in sorted(DIALOG_ROLES))}"
    f" or contains(concat(' ', normalize-space(@class), ' '), ' {DIALOG_CLASS} ')]"
)
#: Whether a page's markup may hold a dialog at all: a look in the text, before the tree is
#: searched (:data:`DIALOGS` walks all of it).
DIALOG_MARK = re.compile(rf"\b{DIALOG_CLASS}\b|role=[\"']?(?:alert)?dialog")


def is_dialog(el: etree._Element) -> bool:
    """Whether an element is a dialog's box: its role, or a class word ``modal``."""
    return el.get("role") in DIALOG_ROLES or DIALOG_CLASS in (el.get("class") or "").split()


def is_hidden(el: etree._Element) -> bool:
    """Whether the page hides an element: ``hidden``, ``aria-hidden``, ``display:none``, or a
    class word of :data:`HIDING_CLASSES`."""
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or "display:none" in style
        or not HIDING_CLASSES.isdisjoint((el.get("class") or "").split())
    )


def unshown(el: etree._Element) -> bool:
    """Whether a reader does not see an element until something opens it: a dialog's box or
    a hidden one (an ancestor's are the caller's to ask about)."""
    return is_dialog(el) or is_hidden(el)


#: Whether an element is hidden (:func:`is_hidden`), as an XPath predicate.
_HIDDEN = (
    "@hidden or @aria-hidden='true'"
    " or contains(translate(@style, 'DISPLAYNOE ', 'displaynoe'), 'display:none')"
    + "".join(
        f" or contains(concat(' ', normalize-space(@class), ' '), ' {word} ')"
        for word in sorted(HIDING_CLASSES)
    )
)
_HIDDEN_BOXES = etree.XPath(f"//body//*[{_HIDDEN}]")
_BODY = etree.XPath("//body")
#: Share of a page's text past which its hidden boxes' lines are not left out: a page that
#: hides its content until a script shows it.
HIDDEN_SHARE = 0.5


def shown_lines(text: str, root: etree._Element) -> str:
    """``text`` (an extractor's lines of the page) without the lines that only the page's
    hidden boxes hold (:func:`is_hidden`: a reply form's "your browser is not supported", a
    log-in box) — a line shown as well stays —, unless the hidden boxes hold
    ``HIDDEN_SHARE`` of the page's text (a page that a script shows)."""
    boxes = _HIDDEN_BOXES(root)
    if not boxes or not text:
        return text
    inside = set(boxes)
    outer = [box for box in boxes if not any(a in inside for a in box.iterancestors())]
    hidden = "\x00".join(bare("".join(box.itertext())) for box in outer)
    lines = text.split("\n")
    only = {b for line in lines if (b := bare(line)) and b in hidden}
    if not only:
        return text
    body = _BODY(root)
    page = bare("".join((body[0] if body else root).itertext()))
    if len(hidden) >= HIDDEN_SHARE * len(page):
        return text
    # a line the page also shows outside the hidden boxes is there more often than inside them
    only = {b for b in only if page.count(b) <= hidden.count(b)}
    return "\n".join(line for line in lines if bare(line) not in only)


def bare(text: str) -> str:
    """Text without white space or a list item's leading dash: how a line and the element it
    came from compare, whatever spaces an extractor put between their pieces."""
    return "".join(text.removeprefix("- ").split())
