"""``opinion run``: crawls again and again, 7×24 — each cycle a process of its own, or jobs on
scrapyd (its JSON API and one cycle of scheduling)."""
