"""An outside plugin, shipped as its own package with an entry point."""

import pluggy

hookimpl = pluggy.HookimplMarker("opinion_spiders")


@hookimpl
def opinion_sites(settings):
    base = settings.get("OPINION_DEMO_URL")
    return [
        {
            "name": "extra-forum",
            "kind": "forum",
            "engine": "discuz",
            "start_urls": [f"{base}/forum/forum.php"],
            "weight": 1.0,
        }
    ]


@hookimpl
def opinion_score(post, site):
    from opinion_spiders.scoring import Contribution

    if site.name == "extra-forum":
        return [Contribution("extra", 1.5, "outside plugin: every extra-forum post")]
    return []
