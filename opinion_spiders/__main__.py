from __future__ import annotations

import sys

from opinion_spiders.cli import main

sys.exit(main())
