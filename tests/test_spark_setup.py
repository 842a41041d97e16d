"""What the Spark build needs before it starts, without starting Spark (no Java needed): the
Java runtime it picks (17+, an older $JAVA_HOME passed over), and the command's own checks."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ecomlib import cli, modelling, spark as sp


def fake_java(home: Path, version: str) -> Path:
    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2025-01-01' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return java


def test_find_java_takes_the_first_runtime_of_17_or_newer(tmp_path, monkeypatch):
    old, new = tmp_path / "jdk11", tmp_path / "jvm" / "jdk-17"
    fake_java(old, "11.0.2")
    fake_java(new, "17.0.15")
    monkeypatch.setenv("JAVA_HOME", str(old))
    monkeypatch.setenv("PATH", str(old / "bin"))
    monkeypatch.setattr(sp, "JVM_DIR", tmp_path / "jvm")
    home, why = sp.find_java()
    assert home == str(new) and why == ""


def test_find_java_says_why_not(tmp_path, monkeypatch):
    old = tmp_path / "jdk8"
    fake_java(old, "1.8.0_392")
    monkeypatch.setenv("JAVA_HOME", str(old))
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(sp, "JVM_DIR", tmp_path / "no-jvm")
    home, why = sp.find_java()
    assert home is None and "version 8" in why and "openjdk-17-jre-headless" in why
    monkeypatch.delenv("JAVA_HOME")
    home, why = sp.find_java()
    assert home is None and why.startswith("no Java runtime")


def test_every_model_has_spark_sql():
    for m in modelling.load_models().values():
        out = sp.to_spark_sql(m.sql)
        assert out.strip() and "SEMI JOIN" not in out.upper(), m.name


def test_build_command_checks_its_options(tmp_path, capsys):
    assert cli.main(["build", "--engine", "spark", "--out", str(tmp_path)]) == 2
    assert "--source DIR" in capsys.readouterr().err
    assert cli.main(["--warehouse", str(tmp_path / "w.duckdb"), "build", "--out",
                     str(tmp_path)]) == 2
    assert "belong to --engine spark" in capsys.readouterr().err
    assert cli.main(["--warehouse", str(tmp_path / "none.duckdb"), "export", "--parquet",
                     str(tmp_path / "pq")]) == 2
    assert not os.path.exists(tmp_path / "pq")
