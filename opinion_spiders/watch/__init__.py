"""What is watched, and when: entity watchlists, the sensitive-period calendar, watch plans.

Pure Python (no Scrapy): the pipelines, scoring plugins and the CLI build on these.
"""
