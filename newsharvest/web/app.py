"""The web application: the JSON API, ``/health``, ``/metrics``, the operator's page and its static files.

Errors the archive causes are answered, never turned into a 500: a database that cannot be reached, opened or read,
or a schema that is not this version's, is a 503 naming the cause in one line (JSON under ``/api``, ``/health`` and
``/metrics``, a page elsewhere); a broken site file is a 503 too. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsharvest.web import api, pages
from newsharvest.web.metrics import ArchiveCollector
from newsharvest.web.state import WebState
from pipeline.config import VERSION, Settings
from pipeline.errors import ConfigError
from storage.db import database_error
from storage.errors import StorageError

__all__ = ["create_app"]

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
_JSON_PREFIXES = ("/api/", "/health", "/metrics", "/openapi.json")

DESCRIPTION = """\
The newsharvest archive over HTTP: documents (keyset pagination, newest publication first), search with snippets,
sites with their runs and health, crawl runs, the status `newsharvest status --json` prints, Prometheus metrics.

Everything is read-only except `POST /api/sites/{name}/crawl`, which starts a manual crawl as a child process under
the site's lease and needs `Authorization: Bearer <NEWSHARVEST_API_TOKEN>`. A 503 means the archive is unavailable
or its schema is not this version's (run `newsharvest init`).
"""


def create_app(settings: Settings, *, base_urls: Mapping[str, str] | None = None) -> FastAPI:
    """The app for ``settings``; crawls it starts fetch a site from ``base_urls[site]`` when given (``--base-url``)."""
    state = WebState.create(settings, dict(base_urls or {}))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(state.launcher.stop_all)
        state.engine.dispose()

    app = FastAPI(
        title="newsharvest", version=VERSION, description=DESCRIPTION, lifespan=lifespan,
        docs_url=None, redoc_url=None,  # their pages load scripts from a CDN; the schema is at /openapi.json
    )  # fmt: skip
    app.state.newsharvest = state
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ArchiveCollector(state.sessions))
    app.state.metrics_registry = registry
    app.include_router(api.router)
    app.include_router(api.service_router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(StorageError, _unavailable)
    app.add_exception_handler(ConfigError, _unavailable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(_JSON_PREFIXES)


def _error(request: Request, status_code: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status_code, headers=dict(headers or {}))
    return pages.render(request, "error.html", status_code, code=status_code, detail=detail)


async def _unavailable(request: Request, exc: Exception) -> Response:
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    return _error(request, 503, str(exc))


async def _database_error(request: Request, exc: Exception) -> Response:
    translated = database_error(exc)
    if translated is None:
        raise exc  # not about the database's availability: a bug, answered 500 with its traceback logged
    return await _unavailable(request, translated)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return _error(request, exc.status_code, detail, exc.headers)
