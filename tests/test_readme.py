"""The README's schema table and CLI section match the code (docs that cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.kb import open_kb

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def readme_schema() -> dict[str, list[str]]:
    tables = {}
    for line in README.splitlines():
        m = re.match(r"\| `(\w+)` \| `([^|]+)` \|", line)
        if m:
            tables[m.group(1)] = [c.strip() for c in m.group(2).split(",")]
    return tables


def test_readme_schema_lists_every_column_of_every_table(tmp_path):
    db = open_kb(str(tmp_path / "kb.db"))
    documented = readme_schema()
    for table in db.tables:
        if table.name.endswith("_fts") or "_fts_" in table.name:
            continue
        if table.name in documented:
            assert documented[table.name] == list(table.columns_dict), table.name
        else:
            assert f"`{table.name}`" in README, f"{table.name} is not in the README schema"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_cli_command_is_in_the_readme_and_has_help(command):
    assert f"python -m pipeline {command}" in README
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
