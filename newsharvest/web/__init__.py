"""``newsharvest serve``: the archive's HTTP API and the operator's web page (FastAPI, served by uvicorn).

Modules, one job each: ``app`` (the application and its error answers), ``api`` (JSON routes, ``/health``,
``/metrics``), ``pages`` (HTML routes) with ``templates/``, ``static/`` and ``i18n``; the reads they share:
``documents``, ``runs``, ``overview``; ``schemas`` (the API's bodies), ``state`` (the read-only engine and what each
request needs), ``crawl_launcher`` (crawls as child processes under the site's lease), ``metrics`` (the Prometheus
collector).
"""

from newsharvest.web.app import create_app

__all__ = ["create_app"]
