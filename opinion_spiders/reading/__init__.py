"""Reading a page: which reader gets the posts out of it, and how sure it is.

``read_page`` is what ``opinion parse`` and the benchmarks call; the spiders call
:func:`read` with the site's own adapter first.
"""

from __future__ import annotations

from opinion_spiders.reading.chain import Reading, read, read_page

__all__ = ["Reading", "read", "read_page"]
