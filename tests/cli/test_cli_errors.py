"""Issue 9: a database or an output file that cannot be used is one line on standard error with the documented exit
status (2 configuration, 69 database unavailable, 74 output not writable), never a traceback; real bugs keep theirs.

Real SQLite files in ``tmp_path`` and, where a server is there, real PostgreSQL; nothing of SQLAlchemy is mocked.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

import storage.db
from newsharvest.cli import EXIT_CONFIG, EXIT_IO, EXIT_SCHEMA, EXIT_UNAVAILABLE, main
from storage.db import create_engine_for
from storage.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("NEWSHARVEST_HOME", str(tmp_path / "home"))
    for name in ("NEWSHARVEST_DB", "NEWSHARVEST_SITES"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def permissions_enforced(tmp_path: Path) -> None:
    """Skip where file permissions do not bind: root (``os.geteuid() == 0``) with CAP_DAC_OVERRIDE writes anywhere."""
    probe = tmp_path / "permission-probe"
    probe.write_text("", encoding="utf-8")
    probe.chmod(0o444)
    try:
        with probe.open("a", encoding="utf-8"):
            pass
    except PermissionError:
        return
    finally:
        probe.chmod(0o644)
        probe.unlink()
    pytest.skip(f"file permissions are not enforced for this user (euid {os.geteuid()}: root ignores them)")


@pytest.fixture
def read_only_dirs() -> Iterator[list[Path]]:
    """Folders a test makes read-only: writable again afterwards, so that tmp_path can be removed."""
    made: list[Path] = []
    yield made
    for folder in made:
        folder.chmod(0o755)


def one_error_line(result: Result, status: int, *names: str) -> str:
    """Assert ``status``, no traceback and exactly one non-empty line on stderr that names every one of ``names``."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == status, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def archive(path: Path) -> str:
    """An initialised archive at ``path`` (closed again, as a finished ``newsharvest init`` leaves it); its URL."""
    url = f"sqlite:///{path}"
    engine = create_engine_for(url)
    upgrade(engine)
    engine.dispose()
    return url


# --- the database URL: configuration mistakes (2) ---------------------------------------------------------------


def test_unparseable_database_url(runner: CliRunner) -> None:
    line = one_error_line(runner.invoke(main, ["--db", "notaurl", "runs"]), EXIT_CONFIG, "'notaurl'")
    assert "does not parse" in line


def test_unparseable_database_url_keeps_its_password_hidden(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--db", "postgresql://reader:s3cret@db.example:notaport/news", "runs"])
    line = one_error_line(result, EXIT_CONFIG, "db.example", "notaport")
    assert "s3cret" not in line and "reader:***@" in line


def test_unknown_dialect(runner: CliRunner) -> None:
    line = one_error_line(runner.invoke(main, ["--db", "foo://x/y", "runs"]), EXIT_CONFIG, "foo://x/y")
    assert "no known database dialect" in line


def test_unknown_driver_of_a_known_dialect(runner: CliRunner) -> None:
    one_error_line(runner.invoke(main, ["--db", "sqlite+nosuchdriver:///x.db", "init"]), EXIT_CONFIG, "sqlite+nosuchdriver")


def test_driver_not_installed(runner: CliRunner) -> None:
    import importlib.util

    if importlib.util.find_spec("MySQLdb") is not None:
        pytest.skip("MySQLdb is installed here")
    line = one_error_line(runner.invoke(main, ["--db", "mysql://u@db.example/news", "runs"]), EXIT_CONFIG, "mysql://u@db.example/news")
    assert "'MySQLdb'" in line and "not installed" in line


def test_bad_connection_option_in_the_url(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--db", "postgresql://u@127.0.0.1:1/x?no_such_option=1", "runs"])
    one_error_line(result, EXIT_CONFIG, "127.0.0.1:1/x", "no_such_option")


# --- the database cannot be reached, opened or written (69) -----------------------------------------------------


def test_connection_refused_names_the_server_without_its_password(runner: CliRunner) -> None:
    url = "postgresql://nobody:s3cret@127.0.0.1:1/x?connect_timeout=2"
    for command in (["runs"], ["init"], ["status"], ["export"], ["crawl", "sonoivu"]):
        line = one_error_line(runner.invoke(main, ["--db", url, *command]), EXIT_UNAVAILABLE, "127.0.0.1:1/x", "refused")
        assert "s3cret" not in line and "nobody:***@" in line


def test_sqlite_folder_that_cannot_be_created(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    db = tmp_path / "a-file" / "sub" / "archive.db"
    for command in (["init"], ["runs"], ["seed", str(tmp_path)]):
        line = one_error_line(runner.invoke(main, ["--db", f"sqlite:///{db}", *command]), EXIT_UNAVAILABLE, str(db))
        assert "cannot be created" in line and "Not a directory" in line


def test_sqlite_folder_in_a_read_only_folder(
    runner: CliRunner, tmp_path: Path, permissions_enforced: None, read_only_dirs: list[Path]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    read_only_dirs.append(locked)
    db = locked / "missing" / "archive.db"
    line = one_error_line(runner.invoke(main, ["--db", f"sqlite:///{db}", "init"]), EXIT_UNAVAILABLE, str(db))
    assert "Permission denied" in line


def test_sqlite_in_a_folder_that_does_not_exist_yet(runner: CliRunner, tmp_path: Path) -> None:
    """The folder of a SQLite archive is created (the default archive relies on it); only then is the schema missing."""
    db = f"sqlite:///{tmp_path / 'new' / 'deeper' / 'archive.db'}"
    one_error_line(runner.invoke(main, ["--db", db, "runs"]), EXIT_SCHEMA, "newsharvest init")
    assert runner.invoke(main, ["--db", db, "init"]).exit_code == 0


def test_read_only_archive_file_reads_but_refuses_writes(
    runner: CliRunner, tmp_path: Path, seeds_dir: Path, permissions_enforced: None
) -> None:
    db_file = tmp_path / "archive.db"
    url = archive(db_file)
    db_file.chmod(0o444)
    try:
        assert runner.invoke(main, ["--db", url, "runs"]).exit_code == 0
        assert runner.invoke(main, ["--db", url, "export"]).exit_code == 0
        line = one_error_line(runner.invoke(main, ["--db", url, "seed", str(seeds_dir)]), EXIT_UNAVAILABLE, str(db_file))
        assert "read-only" in line
    finally:
        db_file.chmod(0o644)


def test_empty_read_only_file_cannot_be_initialised(runner: CliRunner, tmp_path: Path, permissions_enforced: None) -> None:
    db_file = tmp_path / "archive.db"
    db_file.write_bytes(b"")
    db_file.chmod(0o444)
    try:
        line = one_error_line(runner.invoke(main, ["--db", f"sqlite:///{db_file}", "init"]), EXIT_UNAVAILABLE, str(db_file))
        assert "read-only" in line
    finally:
        db_file.chmod(0o644)


def test_archive_in_a_read_only_folder(runner: CliRunner, tmp_path: Path, permissions_enforced: None, read_only_dirs: list[Path]) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    url = archive(folder / "archive.db")
    folder.chmod(0o555)
    read_only_dirs.append(folder)
    # A WAL archive cannot even be read without its -shm file beside it: SQLite must be able to create it.
    line = one_error_line(runner.invoke(main, ["--db", url, "runs"]), EXIT_UNAVAILABLE, str(folder / "archive.db"))
    assert "folder" in line


def test_archive_opened_read_only_refuses_writes(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    """The same refusal as a read-only file, for any user: SQLite's own read-only mode (``?mode=ro``)."""
    db_file = tmp_path / "archive.db"
    archive(db_file)
    url = f"sqlite:///file:{db_file}?mode=ro&uri=true"
    assert runner.invoke(main, ["--db", url, "runs"]).exit_code == 0
    line = one_error_line(runner.invoke(main, ["--db", url, "seed", str(seeds_dir)]), EXIT_UNAVAILABLE, str(db_file))
    assert "read-only" in line and "SQLITE_READONLY" in line
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    result = runner.invoke(main, ["--db", f"sqlite:///file:{empty}?mode=ro&uri=true", "init"])
    assert "read-only" in one_error_line(result, EXIT_UNAVAILABLE, str(empty))


def test_not_a_database_file(runner: CliRunner, tmp_path: Path) -> None:
    db_file = tmp_path / "notes.txt"
    db_file.write_text("not a database, but long enough to have a header SQLite reads and rejects\n" * 20, encoding="utf-8")
    line = one_error_line(runner.invoke(main, ["--db", f"sqlite:///{db_file}", "runs"]), EXIT_UNAVAILABLE, str(db_file))
    assert "not an SQLite database" in line


def test_database_locked_past_the_busy_timeout(
    runner: CliRunner, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_file = tmp_path / "archive.db"
    url = archive(db_file)
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 200)  # the real 30 s, shortened for the test
    holder = sqlite3.connect(db_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing and not letting go
    try:
        line = one_error_line(runner.invoke(main, ["--db", url, "seed", str(seeds_dir)]), EXIT_UNAVAILABLE, str(db_file))
        assert "locked" in line and "busy timeout (0.2 s)" in line
        assert runner.invoke(main, ["--db", url, "runs"]).exit_code == 0  # WAL: readers are not blocked
    finally:
        holder.rollback()
        holder.close()


def test_a_bug_in_sql_keeps_its_traceback(runner: CliRunner, tmp_path: Path) -> None:
    """A SQLite error that is no matter of availability (here a table gone behind the schema's back) is not explained away."""
    from sqlalchemy.exc import OperationalError

    db_file = tmp_path / "archive.db"
    url = archive(db_file)
    with sqlite3.connect(db_file) as connection:
        connection.execute("DROP TABLE crawl_runs")
    result = runner.invoke(main, ["--db", url, "runs"])
    assert isinstance(result.exception, OperationalError) and "no such table" in str(result.exception)


@pytest.mark.postgres
def test_postgres_login_refused_and_read_only(runner: CliRunner, postgres_url: str) -> None:
    wrong_role = make_url(postgres_url).set(username="nh_no_such_role", password="s3cret").render_as_string(hide_password=False)
    line = one_error_line(runner.invoke(main, ["--db", wrong_role, "runs"]), EXIT_UNAVAILABLE, "nh_no_such_role")
    assert "s3cret" not in line
    read_only = make_url(postgres_url).update_query_dict({"options": "-c default_transaction_read_only=on"})
    line = one_error_line(
        runner.invoke(main, ["--db", read_only.render_as_string(hide_password=False), "init"]), EXIT_UNAVAILABLE, read_only.host or ""
    )
    assert "read-only transaction" in line


# --- export --out ------------------------------------------------------------------------------------------------


def test_export_into_a_folder_that_does_not_exist(runner: CliRunner, tmp_path: Path) -> None:
    url = archive(tmp_path / "archive.db")
    out = tmp_path / "missing" / "docs.jsonl"
    one_error_line(runner.invoke(main, ["--db", url, "export", "--out", str(out)]), EXIT_CONFIG, str(out), "does not exist")
    assert not out.parent.exists()


def test_export_into_a_read_only_folder(
    runner: CliRunner, tmp_path: Path, permissions_enforced: None, read_only_dirs: list[Path]
) -> None:
    url = archive(tmp_path / "archive.db")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    read_only_dirs.append(folder)
    out = folder / "docs.jsonl"
    result = runner.invoke(main, ["--db", url, "export", "--out", str(out)])
    one_error_line(result, EXIT_IO, str(out), "Permission denied")
    assert list(folder.iterdir()) == []


def test_export_over_a_read_only_file(runner: CliRunner, tmp_path: Path, permissions_enforced: None) -> None:
    url = archive(tmp_path / "archive.db")
    out = tmp_path / "docs.jsonl"
    out.write_text("kept\n", encoding="utf-8")
    out.chmod(0o444)
    try:
        one_error_line(runner.invoke(main, ["--db", url, "export", "--out", str(out)]), EXIT_IO, str(out), "Permission denied")
        assert out.read_text(encoding="utf-8") == "kept\n"
    finally:
        out.chmod(0o644)


def test_export_to_a_full_device(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    full = Path("/dev/full")
    if not full.exists() or not stat.S_ISCHR(full.stat().st_mode):
        pytest.skip("no /dev/full here")
    url = archive(tmp_path / "archive.db")
    assert runner.invoke(main, ["--db", url, "seed", str(seeds_dir)]).exit_code == 0
    result = runner.invoke(main, ["--db", url, "export", "--out", str(full)])
    one_error_line(result, EXIT_IO, "/dev/full", "No space left on device")
    assert stat.S_ISCHR(full.stat().st_mode)  # written in place, never replaced by a file
    assert not [name for name in os.listdir("/dev") if name.startswith(".full")]  # no temporary file beside it


def test_export_cut_short_leaves_no_partial_file(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    """A write that fails half-way (here: the file-size limit, as a full disk would) leaves the old file untouched and no
    partial file beside it. A child process, because the limit is the process's."""
    url = archive(tmp_path / "archive.db")
    assert runner.invoke(main, ["--db", url, "seed", str(seeds_dir)]).exit_code == 0
    env = {**os.environ, "NEWSHARVEST_DB": url, "NEWSHARVEST_HOME": str(tmp_path / "home")}
    env.pop("NEWSHARVEST_SITES", None)
    cli = [sys.executable, "-m", "newsharvest"]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "docs.jsonl"
    out.write_text("previous export\n", encoding="utf-8")
    # The child opens the archive while this connection holds it open: its -shm file exists at full size already, so
    # only the export's own writes meet the limit.
    holder = sqlite3.connect(tmp_path / "archive.db")
    holder.execute("SELECT count(*) FROM documents").fetchall()

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))

    try:
        done = subprocess.run(
            [*cli, "export", "--out", str(out)], env=env, capture_output=True, text=True, timeout=60, preexec_fn=limit_file_size,
            cwd=REPO_ROOT,
        )  # fmt: skip
    finally:
        holder.close()
    assert done.returncode == EXIT_IO, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(out) in lines[0] and "File too large" in lines[0], done.stderr
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["docs.jsonl"]


def test_export_replaces_a_file_whole_and_keeps_its_permissions(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    url = archive(tmp_path / "archive.db")
    assert runner.invoke(main, ["--db", url, "seed", str(seeds_dir)]).exit_code == 0
    out = tmp_path / "docs.jsonl"
    out.write_text("x\n" * 100_000, encoding="utf-8")
    out.chmod(0o640)
    assert runner.invoke(main, ["--db", url, "export", "--out", str(out)]).exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# --- usage and configuration (2) ---------------------------------------------------------------------------------


def test_bad_since_date(runner: CliRunner, tmp_path: Path) -> None:
    """A bad option value is click's usage error: status 2, usage and help hint, then one ``Error:`` line naming it."""
    url = archive(tmp_path / "archive.db")
    for command in ("export", "reextract"):
        result = runner.invoke(main, ["--db", url, command, "--since", "2020-13-01"])
        assert result.exit_code == EXIT_CONFIG and "Traceback" not in result.stderr
        [error] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert "--since" in error and "2020-13-01" in error


def test_unknown_site_names(runner: CliRunner, tmp_path: Path) -> None:
    url = archive(tmp_path / "archive.db")
    for command in (["crawl", "nowhere"], ["schedule", "nowhere"], ["export", "--site", "nowhere"],
                    ["duplicates", "--site", "nowhere"], ["reextract", "--site", "nowhere"]):  # fmt: skip
        one_error_line(runner.invoke(main, ["--db", url, *command]), EXIT_CONFIG, "unknown site", "nowhere")
    # A declared site that was never crawled is no mistake: nothing to export.
    assert runner.invoke(main, ["--db", url, "export", "--site", "sonoivu"]).exit_code == 0


def test_bad_base_url(runner: CliRunner, tmp_path: Path) -> None:
    url = archive(tmp_path / "archive.db")
    cases = {
        ("crawl", "sonoivu", "--base-url", "ftp://mirror.example"): "ftp://mirror.example",
        ("crawl", "sonoivu", "--base-url", "mirror.example"): "mirror.example",
        ("crawl", "sonoivu", "--base-url", "sonoivu=http//mirror.example"): "http//mirror.example",
        ("crawl", "sonoivu", "--base-url", "nowhere=http://mirror.example"): "nowhere",
        ("crawl", "sonoivu", "langson_portal", "--base-url", "http://mirror.example"): "SITE=URL",
        ("schedule", "sonoivu", "--base-url", "sonoivu=ftp://mirror.example"): "ftp://mirror.example",
        ("schedule", "--base-url", "nowhere=http://mirror.example"): "nowhere",
    }
    for command, named in cases.items():
        one_error_line(runner.invoke(main, ["--db", url, *command]), EXIT_CONFIG, "--base-url", named)
