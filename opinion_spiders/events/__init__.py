"""Events: bursts of posts per rule, entity, site, cluster and term (``bursts``), the words
that rise with them (``terms``) and stories, the one alert a thread or repost cluster raises
(``stories``). Pure Python; the pipeline ``pipelines.events`` and the alert stage call it."""
