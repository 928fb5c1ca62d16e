"""``newsharvest serve`` refuses to start on an archive it cannot serve, with the command line's exit statuses."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from newsharvest.cli import EXIT_CONFIG, EXIT_SCHEMA, main


def test_serve_refuses_an_archive_without_schema_and_a_bad_base_url(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"NEWSHARVEST_HOME": str(tmp_path), "NEWSHARVEST_DB": f"sqlite:///{tmp_path / 'a.db'}", "NEWSHARVEST_SITES": ""}
    no_schema = runner.invoke(main, ["serve", "--port", "8765"], env=env)
    assert no_schema.exit_code == EXIT_SCHEMA and "newsharvest init" in no_schema.output
    bad = runner.invoke(main, ["serve", "--base-url", "nosuchsite=http://127.0.0.1:1"], env=env)
    assert bad.exit_code == EXIT_CONFIG and "--base-url" in bad.output
    assert "127.0.0.1" in runner.invoke(main, ["serve", "--help"]).output  # the default address, documented
