"""``python -m opinion_spiders.demo``: serve the demo sites until interrupted."""

from __future__ import annotations

from opinion_spiders.demo.server import main

if __name__ == "__main__":
    raise SystemExit(main())
