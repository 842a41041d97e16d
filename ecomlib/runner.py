"""Report runs: a notebook + a parameters file -> an executed notebook, an HTML report
without code, and a manifest, under ``reports/<notebook>/<date>/<run-id>/``.

Parameters come from ``parameters/<notebook>.yaml`` (or ``--params``) and are checked
against the notebook's parameters cell before anything runs (papermill alone only warns on
unknown names). The warehouse path is always passed as an absolute path, so a notebook
reads the same warehouse whatever its working directory. A notebook that declares an
``output_dir`` parameter gets the run's folder there, to write its Excel tables beside the
HTML (``<notebook>.xlsx``).
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
PARAMS_DIR = ROOT / "parameters"


@dataclass
class RunResult:
    notebook: str
    status: str
    duration_s: float
    out_dir: str
    html: str | None = None
    error: str | None = None
    parameters: dict = field(default_factory=dict)


class ParameterError(ValueError):
    """A parameters file that does not fit the notebook (names the file and the key)."""


def find_notebooks(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """Report notebooks: ``notebooks/*.ipynb`` (the Voila apps in ``apps/`` are not reports)."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if not p.name.startswith("."))


def resolve_notebook(name: str | Path) -> Path:
    p = Path(name)
    if p.suffix == ".ipynb" and p.exists():
        return p
    cand = NOTEBOOK_DIR / f"{p.stem}.ipynb"
    if cand.exists():
        return cand
    known = ", ".join(n.stem for n in find_notebooks())
    raise FileNotFoundError(f"no report notebook {name!r}; known: {known}")


def notebook_parameters(nb: Path) -> dict[str, dict]:
    """The notebook's declared parameters: name -> {inferred_type_name, default, help}."""
    import papermill
    return papermill.inspect_notebook(str(nb))


def load_parameters(nb: Path, params_file: str | Path | None = None) -> dict:
    """Parameters for a run: the YAML file's values, checked against the notebook.

    Unknown names are refused (papermill would only warn and run with the defaults).
    """
    pf = Path(params_file) if params_file else PARAMS_DIR / f"{nb.stem}.yaml"
    values: dict = {}
    if pf.exists():
        loaded = yaml.safe_load(pf.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ParameterError(f"{pf}: expected a mapping of parameter names to values")
        values = loaded
    elif params_file:
        raise ParameterError(f"{pf}: no such parameters file")
    declared = notebook_parameters(nb)
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ParameterError(
            f"{pf}: unknown parameter(s) {', '.join(unknown)} for {nb.name}; "
            f"the notebook declares: {', '.join(declared)}")
    for k, v in values.items():  # dates in YAML arrive as date objects; notebooks take text
        if isinstance(v, (dt.date, dt.datetime)):
            values[k] = v.isoformat()
    return values


def _beijing_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))


def _snapshot(warehouse: Path) -> dict:
    """Data snapshot for the manifest: row counts and the last successful load."""
    from .warehouse import Warehouse
    try:
        with Warehouse(warehouse, read_only=True) as wh:
            counts = wh.counts()
            last = wh.sql("SELECT MAX(load_id) AS id, MAX(finished_at) AS at FROM load_log "
                          "WHERE status = 'ok'")
        return {"row_counts": counts, "last_load_id": None if last.id.isna()[0] else int(last.id[0]),
                "last_load_at": None if last["at"].isna()[0] else str(last["at"][0])}
    except Exception as e:  # the manifest still gets written
        return {"error": str(e)}


def to_html(executed: Path, html: Path) -> None:
    """Self-contained HTML of an executed notebook, without code cells or prompts."""
    import nbformat
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(str(executed), as_version=4))
    html.write_text(body, encoding="utf-8")


def run_report(nb: str | Path, params_file: str | Path | None = None,
               warehouse: str | Path | None = None, out_root: str | Path = "reports",
               extra: dict | None = None) -> RunResult:
    """Execute one report notebook with papermill and write HTML + manifest.

    Never raises for a failing notebook: the executed notebook (with the error in it) and
    the manifest are kept, and the result's ``status`` is ``failed``.
    """
    import papermill

    from . import __version__
    from .warehouse import default_path

    nb = resolve_notebook(nb)
    params = load_parameters(nb, params_file)
    params.update(extra or {})
    # warehouse: the caller's (--warehouse) > the parameters file's > the default
    wh = Path(warehouse or params.get("warehouse") or default_path())
    params["warehouse"] = str(wh.resolve())
    started = _beijing_now()
    run_id = started.strftime("%H%M%S") + "-" + secrets.token_hex(2)
    out_dir = Path(out_root) / nb.stem / started.strftime("%Y-%m-%d") / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    if "output_dir" in notebook_parameters(nb):  # where a notebook writes its Excel tables
        params["output_dir"] = str(out_dir.resolve())
    executed = out_dir / f"{nb.stem}.ipynb"
    html = out_dir / f"{nb.stem}.html"
    t0 = time.perf_counter()
    status, error = "ok", None
    try:
        papermill.execute_notebook(str(nb), str(executed), parameters=params,
                                   kernel_name="python3", language="python",
                                   cwd=str(ROOT), progress_bar=False)
    except Exception as e:  # papermill raises PapermillExecutionError with the cell's error
        status = "failed"
        error = f"{type(e).__name__}: {str(e).strip().splitlines()[-1] if str(e).strip() else ''}"
    try:
        if executed.exists():
            to_html(executed, html)
    except Exception:
        if status == "ok":
            status, error = "failed", "HTML conversion failed: " + traceback.format_exc(limit=1)
    duration = time.perf_counter() - t0
    res = RunResult(nb.stem, status, round(duration, 2), str(out_dir),
                    str(html) if html.exists() else None, error, params)
    manifest = {
        **asdict(res),
        "notebook_path": str(nb),
        "run_id": run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": _beijing_now().isoformat(timespec="seconds"),
        "package_version": __version__,
        "data": _snapshot(wh),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2,
                                                      default=str), encoding="utf-8")
    write_index(Path(out_root))
    return res


def write_index(out_root: Path) -> Path:
    """``reports/index.html``: every run, newest first, with status and duration."""
    import html as h
    runs = []
    for m in Path(out_root).glob("*/*/*/manifest.json"):
        try:
            runs.append((m, json.loads(m.read_text(encoding="utf-8"))))
        except json.JSONDecodeError:
            continue
    runs.sort(key=lambda r: r[1].get("started_at", ""), reverse=True)
    rows = []
    for m, r in runs:
        link = Path(r["html"]).relative_to(out_root) if r.get("html") else None
        name = h.escape(r["notebook"])
        cell = f'<a href="{h.escape(str(link))}">{name}</a>' if link else name
        rows.append(f"<tr><td>{cell}</td><td>{h.escape(r['started_at'])}</td>"
                    f"<td class='{h.escape(r['status'])}'>{h.escape(r['status'])}</td>"
                    f"<td>{r['duration_s']:.1f} s</td><td>{h.escape(r.get('error') or '')}</td></tr>")
    page = ("<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>报表 Reports</title>"
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 12px;text-align:left}"
            ".failed{color:#b00}.ok{color:#070}</style></head><body><h1>报表 Reports</h1>"
            "<table><tr><th>报表</th><th>开始时间</th><th>状态</th><th>耗时</th><th>错误</th></tr>"
            + "".join(rows) + "</table></body></html>")
    out = Path(out_root) / "index.html"
    out.write_text(page, encoding="utf-8")
    return out
