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
