"""Stores: MongoDB (any ``mongodb://`` URI) and the embedded default, one contract."""

from __future__ import annotations

from opinion_spiders.stores.base import COLLECTIONS, Store, StoreUnavailable
from opinion_spiders.stores.factory import DEFAULT_DATA_DIR, open_store, store_uri

__all__ = [
    "COLLECTIONS",
    "DEFAULT_DATA_DIR",
    "Store",
    "StoreUnavailable",
    "open_store",
    "store_uri",
]
