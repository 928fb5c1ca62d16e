"""Local replicas of the Lạng Sơn news sites and the 127.0.0.1 server that serves them.

The real sites cannot be fetched from test machines, so the project ships replicas shaped like them (URL shapes,
pagination, chrome, encoding faults) for the end-to-end tests and ``newsharvest demo``:

- ``articles/<site>.toml``: the article data (seeds are read from ``newsharvest/seeds/``);
- ``build.py`` (with ``model.py``, ``paper_pages.py``, ``drupal_pages.py``): writes ``sites/<site>/``; the output is
  committed;
- ``server.py``: ``ReplicaServer``, one ephemeral 127.0.0.1 port per site.
"""
