"""The command line's contracts: exit statuses, refusal on an old schema, site listing, export formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsharvest.cli import EXIT_CONFIG, EXIT_SCHEMA, main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("NEWSHARVEST_HOME", str(tmp_path / "home"))
    for name in ("NEWSHARVEST_DB", "NEWSHARVEST_SITES"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_commands_refuse_an_archive_without_schema(runner: CliRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    for args in (["runs"], ["export"], ["seed", str(tmp_path)], ["crawl", "sonoivu"]):
        result = runner.invoke(main, ["--db", db, *args])
        assert result.exit_code == EXIT_SCHEMA, (args, result.output)
        assert "newsharvest init" in result.output
    assert runner.invoke(main, ["--db", db, "init"]).exit_code == 0
    assert runner.invoke(main, ["--db", db, "runs"]).exit_code == 0


def test_default_archive_lives_in_newsharvest_home(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / "archive.db").exists()


def test_sites_lists_shipped_and_file_sites(runner: CliRunner, tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[[site]]\nname = "other_paper"\nbase_url = "https://other.example"\nfeeds = ["/rss"]\n', encoding="utf-8")
    result = runner.invoke(main, ["--sites", str(extra), "sites", "--json"])
    assert result.exit_code == 0, result.output
    names = {json.loads(line)["name"] for line in result.output.splitlines()}
    assert {"baolangson", "baolangson_old", "langson_portal", "sonoivu", "other_paper"} <= names


def test_invalid_site_file_exits_2_naming_file_and_key(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[site]]\nname = "x"\nbase_url = "https://x.vn"\nfeeds = ["/f"]\narticle_url_pattern = "(["\n', encoding="utf-8"
    )
    result = runner.invoke(main, ["--sites", str(bad), "sites"])
    assert result.exit_code == EXIT_CONFIG
    assert "bad.toml" in result.output and "article_url_pattern" in result.output


def test_unknown_site_and_ambiguous_base_url_are_usage_errors(runner: CliRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner.invoke(main, ["--db", db, "init"])
    result = runner.invoke(main, ["--db", db, "crawl", "nowhere"])
    assert result.exit_code == EXIT_CONFIG and "unknown site" in result.output
    result = runner.invoke(main, ["--db", db, "crawl", "sonoivu", "langson_portal", "--base-url", "http://127.0.0.1:9"])
    assert result.exit_code == EXIT_CONFIG and "SITE=URL" in result.output


def test_seed_export_round_trip(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner.invoke(main, ["--db", db, "init"])
    first = runner.invoke(main, ["--db", db, "seed", str(seeds_dir)])
    assert first.exit_code == 0, first.output
    assert first.output.count(": imported") == 5
    again = runner.invoke(main, ["--db", db, "seed", str(seeds_dir)])
    assert again.output.count(": unchanged") == 5

    out = tmp_path / "docs.jsonl"
    assert runner.invoke(main, ["--db", db, "export", "--out", str(out)]).exit_code == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 5
    by_ref = {r["origin_ref"]: r for r in records}
    seed = by_ref["002_b3723bb827f40c3b"]
    assert seed["origin"] == "seed" and seed["site"] is None and seed["urls"] == [] and seed["url"] is None
    assert seed["title"] == "Đảng bộ Văn phòng UBND tỉnh đại hội nhiệm kỳ 2020-2025"
    # The seed's lead gives a day: exported as that day, with its precision, not as a midnight nobody stated.
    assert seed["published_at"] == "2020-05-22" and seed["published_precision"] == "day"
    assert seed["authors"] == ["ĐỖ HOẠT"]
    assert "19/01/2021" not in seed["text"] and "ĐỖ HOẠT" not in seed["text"]

    csv_out = runner.invoke(main, ["--db", db, "export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert len(rows) == 5 and json.loads(rows[0]["authors"]) == records[0]["authors"]
    assert runner.invoke(main, ["--db", db, "export", "--since", "2999-01-01"]).stdout == ""


def test_db_and_sites_are_accepted_after_the_command_name(runner: CliRunner, tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[[site]]\nname = "late_paper"\nbase_url = "https://late.example"\nfeeds = ["/rss"]\n', encoding="utf-8")
    result = runner.invoke(main, ["sites", "--sites", str(extra), "--json"])
    assert result.exit_code == 0, result.output
    assert "late_paper" in result.output
    db_file = tmp_path / "after.db"
    assert runner.invoke(main, ["init", "--db", f"sqlite:///{db_file}"]).exit_code == 0
    assert db_file.exists()
    both = runner.invoke(main, ["--sites", str(extra), "crawl", "late_paper", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert both.exit_code == EXIT_SCHEMA  # the site was found (file merged), then the empty archive was refused


def test_duplicates_lists_clusters_with_similarity_and_sites(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner.invoke(main, ["--db", db, "init"])
    original = next(seeds_dir.glob("002_*.txt")).read_text(encoding="utf-8")
    lines = original.split("\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    (tmp_path / "republished").mkdir()
    (tmp_path / "republished" / "900_copy.txt").write_text("\n".join(lines[:longest] + lines[longest + 1 :]), encoding="utf-8")
    assert runner.invoke(main, ["--db", db, "seed", str(seeds_dir)]).exit_code == 0
    imported = runner.invoke(main, ["--db", db, "seed", str(tmp_path / "republished")])
    assert "near-duplicate of document 3" in imported.output

    result = runner.invoke(main, ["--db", db, "duplicates", "--json"])
    assert result.exit_code == 0, result.output
    [cluster] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (cluster["root"], cluster["size"], cluster["sites"]) == (3, 2, ["seed"])
    root, member = cluster["members"]
    assert root["root"] and root["similarity"] is None and root["origin_ref"].startswith("002_")
    assert member["origin_ref"] == "900_copy" and 0.8 <= member["similarity"] < 1.0
    text = runner.invoke(main, ["--db", db, "duplicates"])
    assert "cluster 3: 2 documents on seed" in text.stdout and "1 clusters" in text.stderr
    assert runner.invoke(main, ["--db", db, "duplicates", "--site", "sonoivu", "--json"]).stdout == ""


def test_init_signs_an_archive_from_before_the_index(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    from sqlalchemy import delete

    from storage.db import create_engine_for, session_factory
    from storage.models import DocumentSignature, LshKey

    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner.invoke(main, ["--db", db, "init"])
    runner.invoke(main, ["--db", db, "seed", str(seeds_dir)])
    engine = create_engine_for(db)
    with session_factory(engine).begin() as session:
        session.execute(delete(LshKey))
        session.execute(delete(DocumentSignature))
    engine.dispose()
    result = runner.invoke(main, ["--db", db, "init"])
    assert "near-duplicate index: 5 documents signed (0 near-duplicates linked), 0 re-keyed" in result.output
    assert "near-duplicate index" not in runner.invoke(main, ["--db", db, "init"]).output


def test_reextract_of_an_archive_without_pages(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner.invoke(main, ["--db", db, "init"])
    runner.invoke(main, ["--db", db, "seed", str(seeds_dir)])
    result = runner.invoke(main, ["--db", db, "reextract"])
    assert result.exit_code == 0 and "nothing to re-extract" in result.stderr
    assert runner.invoke(main, ["--db", db, "reextract", "--site", "nowhere"]).exit_code == EXIT_CONFIG


def test_search_finds_seeds_typed_without_diacritics(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner.invoke(main, ["--db", db, "init"])
    runner.invoke(main, ["--db", db, "seed", str(seeds_dir)])
    accented = runner.invoke(main, ["--db", db, "search", "Đảng bộ Văn phòng UBND", "--json"])
    assert accented.exit_code == 0, accented.output
    hits = json.loads(accented.stdout)
    assert hits and {"id", "title", "site", "url", "published_at", "score", "snippet"} <= set(hits[0])
    assert hits[0]["title"] == "Đảng bộ Văn phòng UBND tỉnh đại hội nhiệm kỳ 2020-2025" and hits[0]["site"] == "seed"
    assert hits[0]["published_at"] == "2020-05-22"  # a day stays a day, as in the export
    plain = json.loads(runner.invoke(main, ["--db", db, "search", "dang bo van phong ubnd", "--json"]).stdout)
    assert [h["id"] for h in plain] == [h["id"] for h in hits]
    text = runner.invoke(main, ["--db", db, "search", "van phong", "--limit", "1"])
    assert text.exit_code == 0 and "«" in text.stdout and text.stdout.count("\n") == 3
    assert runner.invoke(main, ["--db", db, "search", "dang bo", "--site", "seed", "--since", "2999-01-01", "--json"]).stdout.strip() == "[]"


def test_search_refuses_an_empty_query_and_an_unknown_site(runner: CliRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner.invoke(main, ["--db", db, "init"])
    empty = runner.invoke(main, ["--db", db, "search", ' " ; " '])
    assert empty.exit_code == EXIT_CONFIG and "nothing to search for" in empty.stderr
    assert runner.invoke(main, ["--db", db, "search", "x", "--site", "nowhere"]).exit_code == EXIT_CONFIG
