"""``opinion new-site``: declare a site for a known engine, or scaffold a custom adapter from
its template (``templates/``) with a fixture folder."""
