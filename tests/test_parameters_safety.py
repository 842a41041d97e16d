"""Parameters are data, never code: plain YAML only, every value (list items included)
checked before papermill writes it into the notebook, scheduled notebooks only from the
report folders. The attack these tests replay: papermill writes a value it does not know
(a tuple from ``!!pairs``, bytes from ``!!binary``) into the parameters cell as
``"{value}"`` without escaping, so a quote in it ends the string and the rest runs."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import pytest

from ecomlib import runner

EVIL = 'x"; import pathlib; pathlib.Path(r"{marker}").write_text("pwned"); y = "'


def _nb(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(
        'warehouse: str = "data/warehouse.duckdb"  # warehouse path\n'
        'lang: str = "zh"  # zh or en\n'
        'start: str = "2025-06-01"  # first day\n'
        'shops: list = []  # shop ids\n'
        'campaigns: list = []  # [{name, start, end}]\n'
        'ratio: float = 0.5  # a ratio\n'
        'tags: list[str] = []  # text tags\n'
        'output_dir: str = ""  # run folder')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell("print(shops)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.mark.parametrize("doc, key", [
    ("shops: !!binary aGVsbG8=\n", "shops"),
    ("shops: !!pairs [[a, b]]\n", "shops"),
    ("shops: !!set {a, b}\n", "shops"),
    ("shops: !!omap [{a: 1}]\n", "shops"),
    ("shops: [ok, !!binary aGVsbG8=]\n", "shops[1]"),
    ("campaigns: [{name: !!pairs [[a, b]]}]\n", "campaigns[0].name"),
    ("lang: !custom zh\n", "lang"),
])
def test_tags_other_than_plain_yaml_are_refused_with_the_key(tmp_path, doc, key):
    nb = _nb(tmp_path / "t.ipynb")
    pf = tmp_path / "p.yaml"
    pf.write_text(doc, encoding="utf-8")
    with pytest.raises(runner.ParameterError) as e:
        runner.load_parameters(nb, pf)
    msg = str(e.value)
    assert str(pf) in msg and f"{key} uses the YAML tag" in msg


def test_anchors_and_aliases_are_refused(tmp_path):
    nb = _nb(tmp_path / "t.ipynb")
    pf = tmp_path / "p.yaml"
    pf.write_text("shops: &s [a]\ntags: *s\n", encoding="utf-8")
    with pytest.raises(runner.ParameterError, match="anchors and aliases"):
        runner.load_parameters(nb, pf)


def test_plain_values_pass_and_dates_become_text(tmp_path):
    nb = _nb(tmp_path / "t.ipynb")
    pf = tmp_path / "p.yaml"
    pf.write_text("start: 2025-07-01\nshops: [a, b]\nratio: 1\ntags: [x]\n"
                  "campaigns: [{name: 618, start: 2025-06-01, end: 2025-06-20}]\n", encoding="utf-8")
    v = runner.load_parameters(nb, pf)
    assert v == {"start": "2025-07-01", "shops": ["a", "b"], "ratio": 1, "tags": ["x"],
                 "campaigns": [{"name": 618, "start": "2025-06-01", "end": "2025-06-20"}]}


@pytest.mark.parametrize("key, value, why", [
    ("shops", [("a", "b")], "[0] is tuple"),
    ("shops", [b"x"], "[0] is bytes"),
    ("shops", {"a", "b"}, "is set"),
    ("lang", b"zh", "is bytes"),
    ("ratio", float("nan"), "is float"),
    ("ratio", float("inf"), "is float"),
    ("campaigns", [{"name": ("a",)}], "[0]['name'] is tuple"),
    ("campaigns", [[1, 2]], "[0] is list"),
])
def test_python_values_that_are_not_plain_data_are_refused(tmp_path, key, value, why):
    nb = _nb(tmp_path / "t.ipynb")
    with pytest.raises(runner.ParameterError) as e:
        runner.check_parameters(nb, {key: value}, "overrides")
    assert f"{key} {why}" in str(e.value)


def test_list_items_are_checked_against_the_declared_item_type(tmp_path):
    nb = _nb(tmp_path / "t.ipynb")
    with pytest.raises(runner.ParameterError, match=r"tags should be list\[str\]"):
        runner.check_parameters(nb, {"tags": ["a", 3]}, "p.yaml")
    assert runner.check_parameters(nb, {"tags": ["a", "b"]}, "p.yaml") == {"tags": ["a", "b"]}


@pytest.mark.slow
def test_the_pairs_attack_runs_no_code(tmp_path):
    """The exploit as it worked before: ``!!pairs`` in a parameters file. Now refused before
    any kernel starts, and the marker file the payload would write never appears."""
    nb = _nb(tmp_path / "t.ipynb")
    marker = tmp_path / "pwned.txt"
    pf = tmp_path / "p.yaml"
    pf.write_text("shops: !!pairs [['" + EVIL.format(marker=marker).replace("'", "''") + "', 1]]\n",
                  encoding="utf-8")
    with pytest.raises(runner.ParameterError, match="shops uses the YAML tag !!pairs"):
        runner.run_report(nb, params_file=pf, warehouse=tmp_path / "none.duckdb",
                          out_root=tmp_path / "reports")
    # and straight from Python (an override), the tuple is refused too
    with pytest.raises(runner.ParameterError, match=r"shops \[0\] is tuple"):
        runner.run_report(nb, warehouse=tmp_path / "none.duckdb", out_root=tmp_path / "reports",
                          extra={"shops": [(EVIL.format(marker=marker), 1)]})
    assert not marker.exists()
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*.ipynb"))


def _schedule(tmp_path: Path, body: str) -> Path:
    sf = tmp_path / "parameters" / "schedule.yaml"
    sf.parent.mkdir(exist_ok=True)
    sf.write_text(body, encoding="utf-8")
    return sf


def test_schedule_refuses_notebooks_outside_the_report_folders(tmp_path):
    nb = _nb(tmp_path / "elsewhere.ipynb")
    sf = _schedule(tmp_path, f"reports:\n  - {{notebook: '{nb}', cron: '0 8 * * *'}}\n")
    with pytest.raises(runner.ParameterError, match="outside the report folders"):
        runner.load_schedule(sf)
    # a project report by name is fine; a path climbing out of notebooks/ is not
    sf = _schedule(tmp_path, "reports:\n  - {notebook: overview, cron: '0 8 * * *'}\n")
    assert [j.notebook for j in runner.load_schedule(sf).jobs] == ["overview"]
    # a folder the schedule names is allowed (relative to the project root)
    sf = _schedule(tmp_path, "defaults: {notebook_dirs: [.]}\n"
                             f"reports:\n  - {{notebook: '{nb}', cron: '0 8 * * *'}}\n")
    assert len(runner.load_schedule(sf).jobs) == 1


def test_schedule_overrides_take_plain_values_only(tmp_path):
    sf = _schedule(tmp_path, "reports:\n  - notebook: overview\n    cron: '0 8 * * *'\n"
                             "    overrides: {lang: !!binary aGVsbG8=}\n")
    with pytest.raises(runner.ParameterError, match=r"reports\[0\]\.overrides\.lang uses the YAML tag !!binary"):
        runner.load_schedule(sf)
    sf = _schedule(tmp_path, "reports:\n  - notebook: overview\n    cron: '0 8 * * *'\n"
                             "    overrides: {start: 2025-06-01}\n")
    assert runner.load_schedule(sf).jobs[0].overrides == {"start": "2025-06-01"}
    assert isinstance(dt.date.fromisoformat(runner.load_schedule(sf).jobs[0].overrides["start"]),
                      dt.date)
