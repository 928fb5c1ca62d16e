"""The ``newsharvest`` command line: parses arguments, builds Settings, calls one function per command.

Exit statuses (a public contract); each failure is one line on standard error naming what failed (a database URL
with its password masked) and why — click's usage errors (a bad option value) add the usage and a help hint:

- 0 (``EXIT_OK``) success;
- 1 (``EXIT_FAILED``) a crawl run failed or a command could not complete;
- 2 (``EXIT_CONFIG``) bad usage or configuration: an invalid site file, an unknown site, a bad ``--base-url``, a
  database URL that does not parse or names a dialect or driver that is not installed, an ``--out`` folder that does
  not exist;
- 3 (``EXIT_SCHEMA``) the archive's schema is missing or behind (run ``newsharvest init``);
- 69 (``EXIT_UNAVAILABLE``, EX_UNAVAILABLE of sysexits.h) the database is unavailable: it cannot be reached or
  opened (connection refused, authentication failed, no such database, a SQLite folder that cannot be created), it
  stayed locked past the busy timeout, or it cannot be written (read-only file or folder, disk full);
- 74 (``EXIT_IO``, EX_IOERR) an output file cannot be written (permission denied, disk full, read-only file system);
  no partial file is left in its place;
- 75 (``EXIT_BUSY``, EX_TEMPFAIL) ``crawl --no-wait``: a site is being crawled by another process; try again later.

An exception that is none of these is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import click
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from newsharvest.logs import configure_logging
from pipeline.archive.leases import SiteBusy
from pipeline.config import Settings
from pipeline.errors import (
    ConfigError,
    DatabaseUnavailable,
    DatabaseURLError,
    NewsHarvestError,
    OutputError,
    SchemaError,
    StorageError,
)
from pipeline.sites import Site, load_sites
from storage.db import check_connection, create_engine_for, database_error, session_factory
from storage.migrate import current_revision, head_revision, require_current, upgrade
from storage.models import CrawlRun, SiteRecord

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_SCHEMA = 0, 1, 2, 3
# EX_UNAVAILABLE (sysexits.h): the database cannot be reached, opened or written (refused, authentication failed,
# locked past the busy timeout, read-only, disk full).
EXIT_UNAVAILABLE = 69
# EX_IOERR (sysexits.h): an output file cannot be written (permission denied, disk full, read-only file system).
EXIT_IO = 74
# EX_TEMPFAIL (sysexits.h): the site is being crawled by another process and --no-wait was given; try again later.
EXIT_BUSY = 75


class Context:
    """What every command needs: settings, and the archive opened lazily."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self._meta = meta
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        """Settings from flags (given before or after the command name), environment and defaults."""
        if self._settings is None:
            self._settings = Settings.load(self._meta.get("newsharvest.overrides"))
        return self._settings

    @property
    def engine(self) -> Engine:
        """The archive's engine (created and connected on first use: a database that cannot be used fails here)."""
        if self._engine is None:
            self._engine = check_connection(create_engine_for(self.settings.database_url))
        return self._engine

    def sessions(self, *, check_schema: bool = True) -> sessionmaker[Session]:
        """A session factory on the archive; refuses a database whose schema is behind."""
        if check_schema:
            require_current(self.engine)
        return session_factory(self.engine)

    def sites(self) -> dict[str, Site]:
        """Shipped sites merged with the operator's site files."""
        return load_sites(self.settings.sites_files)


@contextmanager
def _errors_to_exit_codes() -> Iterator[None]:
    """Every error the project knows of, and the database's and the file system's, as one line and its exit status.

    Anything else is a bug: it keeps its traceback. A broken pipe on standard output is click's (exit 1, silent).
    """
    try:
        yield
    except Exception as exc:
        outcome = _exit_status(exc)
        if outcome is None:
            raise
        status, line = outcome
        _settle_stdout()
        click.echo(" ".join(line.split()) if "\n" in line else line, err=True)
        sys.exit(status)


def _exit_status(exc: Exception) -> tuple[int, str] | None:
    """The exit status and the one line for ``exc``, or None when it is no error the command line explains."""
    if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
        return None  # the reader of our output went away: click exits 1 without a word
    translated = database_error(exc)
    if translated is not None:
        exc = translated
    if isinstance(exc, SchemaError):
        return EXIT_SCHEMA, f"error: {exc}"
    if isinstance(exc, ConfigError | DatabaseURLError):
        return EXIT_CONFIG, f"error: {exc}"
    if isinstance(exc, DatabaseUnavailable):
        return EXIT_UNAVAILABLE, f"error: {exc}"
    if isinstance(exc, OutputError):
        return EXIT_IO, f"error: {exc}"
    if isinstance(exc, SiteBusy):
        return EXIT_BUSY, f"busy: {exc}"
    if isinstance(exc, NewsHarvestError | StorageError):
        return EXIT_FAILED, f"error: {exc}"
    if isinstance(exc, OSError):  # a file the command reads or writes, or standard output
        reason = exc.strerror or str(exc)
        if exc.filename is not None:
            return EXIT_IO, f"error: {exc.filename}: {reason}"
        if not _settle_stdout():
            return EXIT_IO, f"error: cannot write standard output: {reason}"
        return EXIT_IO, f"error: {reason}"
    return None


def _settle_stdout() -> bool:
    """Flush standard output before an error line; when it cannot be written, point it at /dev/null so that the
    interpreter's last flush adds no second message. Whether standard output was fine."""
    try:
        sys.stdout.flush()
        return True
    except OSError:
        pass
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    return False


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        with _errors_to_exit_codes():
            return super().invoke(ctx)


def _remember_option(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Collect --db/--sites given before or after the command name (``ctx.meta`` is shared by the whole chain)."""
    overrides = ctx.meta.setdefault("newsharvest.overrides", {"db_url": None, "sites_files": ()})
    if param.name == "sites_files":
        overrides["sites_files"] += tuple(value)
    elif value is not None:
        overrides[param.name] = value


def common_options(command: Any) -> Any:
    """``--db`` and ``--sites``, accepted by the group and by every command (``newsharvest crawl X --sites F``)."""
    command = click.option(
        "--sites", "sites_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE", expose_value=False,
        callback=_remember_option, help="Extra site file (repeatable) [env NEWSHARVEST_SITES].",
    )(command)  # fmt: skip
    return click.option(
        "--db", "db_url", metavar="URL", expose_value=False, callback=_remember_option,
        help="SQLAlchemy URL of the archive [env NEWSHARVEST_DB; default: a SQLite file in NEWSHARVEST_HOME].",
    )(command)  # fmt: skip


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(package_name="newsharvest")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Keep a complete, deduplicated archive of news sites."""
    ctx.obj = Context(ctx.meta)


pass_context = click.make_pass_decorator(Context)


@main.command()
@common_options
@pass_context
def init(app: Context) -> None:
    """Create the archive or upgrade its schema to this version."""
    from pipeline.dedup.clusters import NearDuplicateIndex

    before = current_revision(app.engine)
    upgrade(app.engine)
    after = head_revision()
    where = app.engine.url.render_as_string(hide_password=True)
    click.echo(f"archive {where}: schema {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    report = NearDuplicateIndex(app.settings.near_dup_params).ensure(app.sessions())
    if report.signed or report.rekeyed:
        click.echo(
            f"near-duplicate index: {report.signed} documents signed ({report.linked} near-duplicates linked), "
            f"{report.rekeyed} re-keyed"
        )


@main.command()
@common_options
@click.argument("site_names", metavar="SITE...", nargs=-1, required=True)
@click.option(
    "--base-url", "base_urls", multiple=True, metavar="[SITE=]URL", help="Fetch a site from another host (a replica, a mirror)."
)
@click.option("--max-articles", type=click.IntRange(min=1), help="Fetch at most N new articles per site.")
@click.option("--refresh", is_flag=True, help="Fetch articles again even when the archive has them.")
@click.option(
    "--no-wait", is_flag=True,
    help=f"When another process is crawling one of the sites, exit at once with status {EXIT_BUSY} instead of waiting.",
)  # fmt: skip
@click.option("--scheduled", is_flag=True, hidden=True, help="Record the runs as scheduled (used by `newsharvest schedule`).")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@pass_context
def crawl(
    app: Context, site_names: tuple[str, ...], base_urls: tuple[str, ...], max_articles: int | None, refresh: bool,
    no_wait: bool, scheduled: bool, verbose: int,
) -> None:  # fmt: skip
    """Crawl SITE... now (a manual run) and print a summary.

    A site being crawled by another process (the scheduler, another operator) is waited for; with --no-wait nothing
    is crawled and the exit status is 75.
    """
    from crawler.runner import run_crawls
    from newsharvest.progress import ProgressPrinter

    sites = _select_sites(app.sites(), site_names, base_urls)
    sessions = app.sessions()  # refuses early when the schema is behind; the crawl uses this engine
    # A scheduled crawl logs at INFO at least: its lines are the service's record of the run.
    log_level = ("WARNING", "INFO", "DEBUG")[min(verbose + int(scheduled), 2)]
    configure_logging(log_level, app.settings.log_format)
    with ProgressPrinter(enabled=False if scheduled else None) as progress:
        summaries = run_crawls(
            app.settings,
            sites,
            trigger="scheduled" if scheduled else "manual",
            max_articles=max_articles,
            refresh=refresh,
            log_level=log_level,
            on_progress=progress.update,
            wait=not no_wait,
            on_wait=lambda site, lease: click.echo(
                f"{site}: waiting for the crawl by {lease.holder} (run {lease.run_id}) to finish…", err=True
            ),
            sessions=sessions,
        )
    for summary in summaries:
        click.echo(
            f"{summary.site}: run {summary.run_id} {summary.status} — {summary.pages_fetched} pages fetched, "
            f"{summary.new_documents} new documents ({summary.near_duplicates} near-duplicates), "
            f"{summary.duplicates} duplicates, {summary.errors} errors, "
            f"{summary.skipped_known} already archived" + (f" ({summary.error})" if summary.error else "")
        )
    if any(s.status != "succeeded" for s in summaries):
        sys.exit(EXIT_FAILED)


def _select_sites(declared: dict[str, Site], names: Sequence[str], base_urls: Sequence[str]) -> list[Site]:
    unknown = [n for n in names if n not in declared]
    if unknown:
        raise ConfigError(f"unknown site(s) {', '.join(unknown)}; declared: {', '.join(sorted(declared))}")
    chosen = {name: declared[name] for name in dict.fromkeys(names)}
    for spec in base_urls:
        name, sep, url = spec.partition("=")
        if not sep or "://" in name:
            if len(chosen) != 1:
                raise ConfigError("with several sites, write --base-url SITE=URL")
            name, url = next(iter(chosen)), spec
        if name not in chosen:
            raise ConfigError(f"--base-url names {name!r}, which is not being crawled")
        chosen[name] = _with_base_url(chosen[name], url, spec)
    return list(chosen.values())


def _with_base_url(site: Site, url: str, spec: str) -> Site:
    """``site`` fetched from ``url`` (``--base-url``), which must be an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        given = f"--base-url {url!r}" if spec == url else f"--base-url {spec!r}: {url!r}"
        raise ConfigError(f"{given} is not an absolute http(s) URL (like http://127.0.0.1:8000)")
    return site.with_base_url(url)


def _check_site_name(app: Context, session: Session, name: str) -> None:
    """Refuse a ``--site`` that is neither in the archive nor declared: a typo would otherwise select nothing."""
    if session.scalar(select(SiteRecord.id).where(SiteRecord.name == name)) is not None:
        return
    declared = app.sites()
    if name not in declared:
        raise ConfigError(f"unknown site {name!r}: not in the archive and not declared; declared: {', '.join(sorted(declared))}")


@main.command()
@common_options
@click.option(
    "--base-url", "base_urls", multiple=True, metavar="SITE=URL", help="Crawl SITE from another host (a replica, a mirror)."
)
@click.argument("site_names", metavar="[SITE...]", nargs=-1)
@pass_context
def schedule(app: Context, base_urls: tuple[str, ...], site_names: tuple[str, ...]) -> None:
    """Run the scheduled service: each site with a `schedule` (or only SITE...) is crawled on it, until SIGTERM/SIGINT.

    Site files are read again on SIGHUP. Manual `newsharvest crawl` runs beside it safely (one crawl per site at once).
    """
    from newsharvest.scheduler import SchedulerService

    declared = app.sites()
    unknown = [name for name in site_names if name not in declared]
    if unknown:
        raise ConfigError(f"unknown site(s) {', '.join(unknown)}; declared: {', '.join(sorted(declared))}")
    for spec in base_urls:
        name, sep, url = spec.partition("=")
        if not sep or name not in declared:
            raise ConfigError(f"--base-url must be SITE=URL with a declared SITE, not {spec!r}")
        _with_base_url(declared[name], url, spec)
    configure_logging("INFO", app.settings.log_format)
    app.sessions()  # refuse early when the schema is behind
    SchedulerService(app.settings, base_urls=base_urls, only=site_names).run()


@main.command()
@common_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@pass_context
def seed(app: Context, paths: tuple[Path, ...]) -> None:
    """Import plain-text seed documents (files or folders of *.txt)."""
    from pipeline.archive.seed_import import import_seeds
    from pipeline.dedup.clusters import NearDuplicateIndex

    drop_lines = [pattern for site in app.sites().values() for pattern in site.drop_lines]
    results = import_seeds(app.sessions(), paths, drop_lines, NearDuplicateIndex(app.settings.near_dup_params))
    for result in results:
        detail = f"document {result.document_id}" if result.document_id else result.message
        if result.duplicate_of:
            detail += f", near-duplicate of document {result.duplicate_of}"
        click.echo(f"{result.ref}: {result.status} ({detail})")
    if any(r.status == "error" for r in results):
        sys.exit(EXIT_FAILED)


@main.command()
@common_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]),
    help="Only documents first seen on or after DATE (UTC unless an offset is given).",
)
@click.option("--site", "site_name", metavar="NAME", help="Only documents of this site.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of standard output.")
@pass_context
def export(app: Context, fmt: str, since: datetime | None, site_name: str | None, out: Path | None) -> None:
    """Export documents as JSON Lines or CSV."""
    from datetime import UTC

    from pipeline.archive.export import export_records, write_csv, write_jsonl

    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if out is not None and not out.exists() and not Path(os.path.realpath(out)).parent.is_dir():
        missing = "is not a folder" if out.parent.exists() else "does not exist"
        raise ConfigError(f"--out {out}: the folder {out.parent} {missing}")
    writer = write_jsonl if fmt == "jsonl" else write_csv
    with app.sessions()() as session:
        if site_name is not None:
            _check_site_name(app, session, site_name)
        records = export_records(session, since=since, site=site_name)
        if out is None:
            try:
                count = writer(records, sys.stdout)
                sys.stdout.flush()
            except OSError as exc:
                if exc.errno == errno.EPIPE:
                    raise
                raise OutputError("standard output", exc.strerror or str(exc)) from exc
        else:
            with _output_file(out) as handle:
                count = writer(records, handle)
    click.echo(f"exported {count} documents", err=True)


@contextmanager
def _output_file(out: Path) -> Iterator[IO[str]]:
    """A text file for ``out`` that is never left looking complete after a failure.

    A regular file (or a new one) is written as a temporary file beside it, renamed over it once complete (keeping an
    existing file's permissions) and removed on failure; a device or a pipe (/dev/stdout, a FIFO) is written in place.
    An ``OSError`` becomes ``OutputError`` naming ``out``.
    """
    if out.exists() and not out.is_file():
        try:
            with out.open("w", encoding="utf-8", newline="") as handle:
                yield handle
        except OSError as exc:
            raise OutputError(str(out), exc.strerror or str(exc)) from exc
        return
    target = Path(os.path.realpath(out))  # through a symlink: the file it points to is the one replaced
    try:
        if target.exists():
            if not os.access(target, os.W_OK):  # as `open(..., "w")` would refuse it; a rename would not
                raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(out))
            mode = stat.S_IMODE(target.stat().st_mode)
        else:
            umask = os.umask(0o022)
            os.umask(umask)
            mode = 0o666 & ~umask
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise OutputError(str(out), exc.strerror or str(exc)) from exc
    try:
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise OutputError(str(out), exc.strerror or str(exc)) from exc
        raise


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run.")
@click.option("--limit", default=50, show_default=True, help="Newest N runs.")
@pass_context
def runs(app: Context, as_json: bool, limit: int) -> None:
    """Crawl runs, newest first, with their counts and status."""
    fields = (
        "id",
        "site",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "pages_fetched",
        "new_documents",
        "near_duplicates",
        "duplicates",
        "errors",
        "skipped_known",
        "error",
    )
    with app.sessions()() as session:
        rows = session.execute(
            select(CrawlRun, SiteRecord.name)
            .join(SiteRecord, SiteRecord.id == CrawlRun.site_id)
            .order_by(CrawlRun.id.desc())
            .limit(limit)
        ).all()
    for run, site in rows:
        record = {f: getattr(run, f) for f in fields if f != "site"} | {"site": site}
        record = {f: (v.isoformat() if isinstance(v, datetime) else v) for f, v in ((f, record[f]) for f in fields)}
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(
                f"{record['id']:>5} {site:<16} {record['trigger']:<9} {record['status']:<11} {record['started_at'][:19]}  "
                f"pages={record['pages_fetched']} new={record['new_documents']} near={record['near_duplicates']} "
                f"dup={record['duplicates']} "
                f"errors={record['errors']} skipped={record['skipped_known']}"
            )


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per site.")
@pass_context
def status(app: Context, as_json: bool) -> None:
    """Each site's last run (result, counts, duration), whether a crawl is running now, and the next scheduled run."""
    from pipeline.service.status import site_statuses
    from storage.models import utcnow

    with app.sessions()() as session:
        statuses = site_statuses(session, app.sites(), utcnow())
    for entry in statuses:
        if as_json:
            click.echo(json.dumps(entry.as_json(), ensure_ascii=False))
            continue
        last = entry.last_run
        last_text = (
            f"last run {last['id']} {last['status']} {last['started_at']:%Y-%m-%d %H:%M}Z "
            f"({last['duration_seconds']}s, {last['pages_fetched']} pages, {last['new_documents']} new, "
            f"{last['errors']} errors)"
            if last else "never crawled"
        )  # fmt: skip
        running = entry.running
        now_text = (
            f"; {'STALE lease' if running['stale'] else 'crawling now'}: run {running['run_id']} by {running['holder']}"
            if running else ""
        )  # fmt: skip
        next_text = "; no schedule" if not entry.schedule else "; next when the scheduler starts"
        if entry.next_run is not None:
            next_text = f"; next {entry.next_run.astimezone(UTC):%Y-%m-%d %H:%M}Z"
        click.echo(f"{entry.site:<16} {last_text}{now_text}{next_text}")


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per site.")
@pass_context
def sites(app: Context, as_json: bool) -> None:
    """Declared sites (shipped and from site files)."""
    for site in app.sites().values():
        record = {
            "name": site.name, "title": site.title, "base_url": site.base_url, "feeds": list(site.feeds),
            "sitemaps": list(site.sitemaps), "start_urls": list(site.start_urls), "schedule": dict(site.schedule or {}),
            "source": site.source,
        }  # fmt: skip
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            schedule = ", ".join(f"{k} {v}" for k, v in (site.schedule or {}).items()) or "no schedule"
            click.echo(f"{site.name:<16} {site.base_url:<40} {schedule:<14} {site.title}")


_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]


@main.command()
@common_options
@click.argument("query")
@click.option("--site", "site_name", metavar="SITE", help="Only documents of SITE (`seed` for seed documents).")
@click.option(
    "--since", type=click.DateTime(formats=_DATE_FORMATS), help="Published on or after DATE (UTC unless an offset is given)."
)
@click.option("--until", type=click.DateTime(formats=_DATE_FORMATS), help="Published on or before DATE (a day: to its end).")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20, show_default=True, help="At most N results.")
@click.option("--all", "include_near_duplicates", is_flag=True, help="Every near-duplicate, not one document per story.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of results.")
@pass_context
def search(
    app: Context,
    query: str,
    site_name: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    include_near_duplicates: bool,
    as_json: bool,
) -> None:
    """Full-text search: words (all must occur) and "quoted phrases", with or without diacritics."""
    from datetime import timedelta

    from storage.search import SearchQueryError, parse_query
    from storage.search import search as run_search

    try:
        parsed = parse_query(query)
    except SearchQueryError as exc:
        raise click.BadParameter(str(exc), param_hint="QUERY") from exc
    since = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
    if until is not None and until.tzinfo is None:
        day_only = until.hour == until.minute == until.second == 0
        until = until.replace(tzinfo=UTC) + (timedelta(days=1, microseconds=-1) if day_only else timedelta())
    with app.sessions()() as session:
        if site_name not in (None, "seed"):
            _check_site_name(app, session, site_name)
        hits = run_search(
            session, parsed, site=site_name, since=since, until=until, limit=limit,
            include_near_duplicates=include_near_duplicates,
        )  # fmt: skip
    if as_json:
        click.echo(json.dumps([hit.as_json() for hit in hits], ensure_ascii=False, indent=2))
        return
    bold = sys.stdout.isatty()
    for hit in hits:
        day = hit.published_at.date().isoformat() if hit.published_at else "no date"
        more = f" (+{len(hit.also_matched)} near-duplicates)" if hit.also_matched else ""
        click.echo(f"{hit.document_id:>7}  {day}  {hit.site:<14} {hit.title}{more}")
        click.echo(f"         {hit.url or '(seed)'}")
        click.echo(f"         {_terminal_snippet(hit.snippet, bold)}")
    click.echo(f"{len(hits)} result{'' if len(hits) == 1 else 's'}", err=True)


def _terminal_snippet(snippet: str, bold: bool) -> str:
    """An HTML snippet for the terminal: marks in bold on a terminal, «» otherwise."""
    import html

    opened, closed = ("\033[1m", "\033[0m") if bold else ("«", "»")
    return html.unescape(snippet.replace("<mark>", opened).replace("</mark>", closed))


@main.command()
@common_options
@click.option("--site", "site_name", metavar="SITE", help="Only clusters with a document on SITE.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per cluster.")
@pass_context
def duplicates(app: Context, site_name: str | None, as_json: bool) -> None:
    """Near-duplicate clusters: each story's documents with their similarity and sites."""
    from pipeline.dedup.cluster_report import clusters

    with app.sessions()() as session:
        if site_name is not None:
            _check_site_name(app, session, site_name)
        found = clusters(session, site=site_name)
    for cluster in found:
        if as_json:
            click.echo(json.dumps(cluster.as_json(), ensure_ascii=False))
            continue
        click.echo(f"cluster {cluster.root_id}: {len(cluster.members)} documents on {', '.join(cluster.sites)}")
        for member in cluster.members:
            score = "root" if member.is_root else f"{member.similarity:.2f}" if member.similarity is not None else "?"
            where = member.urls[0] if member.urls else f"seed {member.origin_ref}"
            more = f" (+{len(member.urls) - 1} URLs)" if len(member.urls) > 1 else ""
            click.echo(f"  {member.document_id:>6} {score:>5}  {member.site or 'seed':<16} {where}{more}")
            click.echo(f"         {member.title[:100]}")
    if not as_json:
        click.echo(f"{len(found)} clusters", err=True)


@main.command()
@common_options
@click.option("--site", "site_name", metavar="SITE", help="Only documents and pages of SITE.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]),
    help="Only documents first seen (failed pages fetched) on or after DATE (UTC unless an offset is given).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document or page that changed or failed.")
@pass_context
def reextract(app: Context, site_name: str | None, since: datetime | None, as_json: bool) -> None:
    """Extract, normalise and deduplicate again from stored raw HTML (no fetching); report what changed."""
    from datetime import UTC

    from pipeline.archive.reextract import ReextractItem
    from pipeline.archive.reextract import reextract as run_reextract
    from pipeline.dedup.clusters import NearDuplicateIndex
    from pipeline.extraction.worker import ExtractionWorker

    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    declared = app.sites()
    if site_name is not None and site_name not in declared:
        raise ConfigError(f"unknown site {site_name!r}; declared: {', '.join(sorted(declared))}")

    def show(item: ReextractItem) -> None:
        if item.result == "unchanged":
            return
        if as_json:
            click.echo(json.dumps(item.as_json(), ensure_ascii=False))
            return
        detail = ", ".join(item.changed) or item.error or ""
        link = "" if item.duplicate_of_before == item.duplicate_of_after else (
            f" duplicate_of {item.duplicate_of_before} -> {item.duplicate_of_after}"
        )
        click.echo(f"{item.result:<14} {item.url}  document {item.document_id}: {detail}{link}")

    with ExtractionWorker(app.settings.extract_timeout) as worker:
        report = run_reextract(
            app.sessions(), declared, extractor=worker.extract, index=NearDuplicateIndex(app.settings.near_dup_params),
            site=site_name, since=since, on_item=show,
        )  # fmt: skip
    counts = ", ".join(f"{n} {result}" for result, n in sorted(report.counts.items())) or "nothing to re-extract"
    click.echo(f"re-extracted {len(report.items)}: {counts}; {report.relinked} re-linked", err=True)
    if report.counts.get("error"):
        sys.exit(EXIT_FAILED)


@main.command()
@common_options
@click.option("--keep-serving", is_flag=True, help="Keep the replica sites up afterwards until Ctrl-C.")
@pass_context
def demo(app: Context, keep_serving: bool) -> None:
    """Serve the shipped replica sites on 127.0.0.1, import the seeds, crawl the replicas and show what was stored."""
    from newsharvest.demo import run_demo

    run_demo(app.settings, keep_serving=keep_serving, echo=click.echo)


@main.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (the API's reads need no token).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--base-url", "base_urls", multiple=True, metavar="SITE=URL",
    help="Crawls of SITE started from the API or the page fetch it from another host (a replica, a mirror).",
)  # fmt: skip
@pass_context
def serve(app: Context, host: str, port: int, base_urls: tuple[str, ...]) -> None:
    """Serve the HTTP API (/api, /health, /metrics, /openapi.json) and the operator's page until Ctrl-C/SIGTERM.

    Reads are open to whoever reaches the address; starting a crawl needs NEWSHARVEST_API_TOKEN.
    """
    import uvicorn

    from newsharvest.web import create_app

    declared = app.sites()
    chosen: dict[str, str] = {}
    for spec in base_urls:
        name, sep, url = spec.partition("=")
        if not sep or name not in declared:
            raise ConfigError(f"--base-url must be SITE=URL with a declared SITE, not {spec!r}")
        _with_base_url(declared[name], url, spec)
        chosen[name] = url
    app.sessions()  # refuse early when the database is unavailable (69) or its schema is behind (3)
    configure_logging("INFO", app.settings.log_format)
    if not app.settings.api_token:
        click.echo("serve: no NEWSHARVEST_API_TOKEN: crawls cannot be started over HTTP", err=True)
    uvicorn.run(create_app(app.settings, base_urls=chosen), host=host, port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
