"""Report runs: a notebook + parameters -> an executed notebook, an HTML report without
code, the notebook's Excel tables and a manifest, under
``reports/<notebook>/<YYYY-MM-DD>/<run-id>/``; plus the schedule that runs them.

* Parameters come from ``parameters/<notebook>.yaml`` (or ``--params``) and are checked
  against the notebook's parameters cell before anything runs (:func:`check_parameters`):
  unknown names, wrong types, dates that are not dates, shops and platforms the warehouse
  does not have. Papermill alone only warns on unknown names and runs with the defaults.
* The warehouse path is always passed as an absolute path. A notebook that declares an
  ``output_dir`` parameter gets its run folder there (to write ``<notebook>.xlsx``).
* A failed run keeps its executed notebook (with the error in it) and never replaces the
  latest good report: ``reports/<notebook>/latest.html`` only moves on success.
* :func:`run_due` runs the reports of ``parameters/schedule.yaml`` whose cron time (Beijing
  time) has come since their last run, in parallel up to a limit, with retries, and sends a
  summary and alerts (:mod:`ecomlib.alerts`). ``ecom run --due`` is one pass (for cron or a
  systemd timer); ``ecom schedule`` loops. An orchestrator that already exists (Airflow's
  Papermill operator, Dagster) can call :func:`run_report` the same way.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
PARAMS_DIR = ROOT / "parameters"
BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass
class RunResult:
    notebook: str
    status: str
    duration_s: float
    out_dir: str
    html: str | None = None
    error: str | None = None
    parameters: dict = field(default_factory=dict)
    label: str = ""
    attempts: int = 1
    alerts: list = field(default_factory=list)


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


def _skip_iri_parsers() -> None:
    """Import jsonschema's format checkers without ``rfc3987_syntax`` (once per process,
    before papermill, nbformat or nbconvert import jsonschema).

    ``jsonschema._format`` imports ``rfc3987_syntax`` for its ``iri`` checks when the
    package is installed (``jsonschema[format-nongpl]``, which the Jupyter packages ask for),
    and that package builds ~35 Earley parsers when it is imported: 1.8-2 CPU-s, the
    largest part of ``import papermill`` and so of every ``ecom run`` before its first
    kernel starts (python-jsonschema/jsonschema#1428). The notebook schema nbformat
    validates with has no ``iri`` format, so no check changes; ``rfc3987_syntax`` stays
    importable for any other caller (only the format checkers' own import is steered)."""
    if "jsonschema._format" in sys.modules:
        return
    hide = "rfc3987_syntax" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # an import of it raises ImportError
    try:
        import jsonschema._format  # noqa: F401
    except ImportError:
        pass
    finally:
        if hide and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]


def notebook_parameters(nb: Path) -> dict[str, dict]:
    """The notebook's declared parameters: name -> {inferred_type_name, default, help}."""
    _skip_iri_parsers()
    import papermill
    return papermill.inspect_notebook(str(nb))


# -- parameters ------------------------------------------------------------------------------
_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
          "list": (list, tuple), "dict": (dict,), "tuple": (list, tuple)}
DATE_NAMES = ("start", "end", "as_of")
#: YAML tags a parameters or schedule file may use: plain scalars, sequences and mappings.
#: Everything else (``!!binary``, ``!!pairs``, ``!!set``, ``!!omap``, ``!custom``) is refused:
#: papermill writes values it does not know into the notebook's code unescaped.
_YAML_TAG = "tag:yaml.org,2002:"
PLAIN_YAML_TAGS = frozenset(_YAML_TAG + t for t in
                            ("str", "int", "float", "bool", "null", "timestamp", "seq", "map"))
_SCALARS = (str, int, float, bool, type(None))


def _tag_problems(node, where: str) -> str | None:
    """The first node under ``node`` whose tag is not a plain YAML tag, as 'KEY: tag'."""
    if node.tag not in PLAIN_YAML_TAGS:
        return f"{where or 'the document'} uses the YAML tag {node.tag.replace(_YAML_TAG, '!!')}"
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            name = f"{where}.{k.value}" if where else str(k.value)
            found = _tag_problems(k, name) or _tag_problems(v, name)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            found = _tag_problems(v, f"{where}[{i}]")
            if found:
                return found
    return None


def read_plain_yaml(text: str, source: str):
    """Parse YAML that may hold only plain data: scalars (text, numbers, booleans, null,
    dates), sequences and mappings, without anchors or aliases. Anything else raises
    :class:`ParameterError` naming ``source`` and the key (``shops[0]: uses the YAML tag
    !!binary``)."""
    try:
        for ev in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
                raise ParameterError(f"{source}: YAML anchors and aliases (&, *) are not "
                                     "accepted; write the values out")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            found = _tag_problems(node, "")
            if found:
                raise ParameterError(f"{source}: {found}; only plain values (text, numbers, "
                                     "true/false, dates), lists and mappings are accepted")
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ParameterError(f"{source}: not valid YAML ({e})") from None
    except ValueError as e:  # YAML reads 2025-13-01 as a date and fails
        if isinstance(e, ParameterError):
            raise
        raise ParameterError(f"{source}: a value is not a valid date ({e})") from None


def _plain(v) -> bool:
    """A scalar papermill writes safely: text, a finite number, a boolean or None."""
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return False
    return isinstance(v, _SCALARS)


def _value_problem(value) -> str | None:
    """Why a parameter value is not plain data: scalars, lists of scalars (or of mappings of
    scalars) and mappings of scalars only; None when it is."""
    if _plain(value):
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                return f"key {k!r} is not text"
            if not _plain(v):
                return f"[{k!r}] is {type(v).__name__}, not a plain value"
        return None
    if isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, dict):
                inner = _value_problem(v)
                if inner:
                    return f"[{i}]{inner}"
            elif not _plain(v):
                return f"[{i}] is {type(v).__name__}, not a plain value"
        return None
    return f"is {type(value).__name__}, not a plain value"


def _type_ok(value, type_name: str) -> bool:
    """Does a YAML value fit the parameter's declared type (``str``, ``list[str]``,
    ``str | None`` ...)? Only plain data fits anything (see :func:`_value_problem`); list
    items are checked against ``list[T]``'s ``T``. A missing declaration accepts any plain
    value."""
    if _value_problem(value) is not None:
        return False
    if not type_name or type_name == "None":
        return True
    for alt in type_name.split("|"):
        alt = alt.strip()
        base = alt.split("[")[0].strip().lower()
        if base in ("none", "optional") and value is None:
            return True
        if base == "optional":
            return True
        kinds = _TYPES.get(base)
        if kinds is None:
            return True
        if isinstance(value, bool) and bool not in kinds:
            continue
        if isinstance(value, kinds):
            inner = alt[alt.index("[") + 1:alt.rindex("]")].strip() if "[" in alt else ""
            if base in ("list", "tuple") and inner and "," not in inner:
                if not all(_type_ok(v, inner) for v in value):
                    continue
            return True
    return False


def check_parameters(nb: Path, values: dict, source: str, warehouse: Path | None = None) -> dict:
    """Refuse parameters that do not fit the notebook or the warehouse, naming ``source``
    (the file) and the key: unknown names, wrong types, unparseable dates, ``start`` after
    ``end``, shops/platforms not in the warehouse's ``shops`` table."""
    declared = notebook_parameters(nb)
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ParameterError(
            f"{source}: unknown parameter(s) {', '.join(unknown)} for {nb.name}; "
            f"the notebook declares: {', '.join(declared)}")
    for k, v in values.items():
        tname = declared[k].get("inferred_type_name") or ""
        problem = _value_problem(v)
        if problem is not None:
            raise ParameterError(f"{source}: {k} {problem}; parameters take plain values "
                                 "(text, numbers, true/false, dates), lists and mappings of them")
        if not _type_ok(v, tname):
            raise ParameterError(f"{source}: {k} should be {tname}, got {type(v).__name__} {v!r}")
    dates = {}
    for k in DATE_NAMES:
        if values.get(k) not in (None, ""):
            try:
                dates[k] = dt.date.fromisoformat(str(values[k]))
            except ValueError:
                raise ParameterError(f"{source}: {k} {values[k]!r} is not a date (YYYY-MM-DD)") from None
    if "start" in dates and "end" in dates and dates["start"] > dates["end"]:
        raise ParameterError(f"{source}: start {dates['start']} is after end {dates['end']}")
    wanted = {k: values[k] for k in ("shops", "platforms") if values.get(k)}
    if wanted and warehouse is not None and Path(warehouse).exists():
        from .warehouse import Warehouse
        with Warehouse(warehouse, read_only=True) as wh:
            known = wh.known_shops()
        for k, col in (("shops", "shop_id"), ("platforms", "platform")):
            vals = wanted.get(k)
            if not vals:
                continue
            vals = [vals] if isinstance(vals, str) else list(vals)
            have = set(known[col])
            missing = [v for v in vals if v not in have]
            if missing:
                raise ParameterError(
                    f"{source}: {k}: {', '.join(map(str, missing))} not in the warehouse "
                    f"(known: {', '.join(sorted(have))})")
    return values


def cli_parameters(items: list[list[str]]) -> dict:
    """``ecom run -p``'s values as a dict: ``-p NAME VALUE`` (papermill's way) or
    ``-p NAME=VALUE``. Values are parsed as plain YAML scalars (``true``, ``3``, dates stay
    text), so the notebook's declared type decides, as in a parameters file."""
    out = {}
    for it in items:
        if len(it) == 1 and "=" in it[0]:
            name, value = it[0].split("=", 1)
        elif len(it) == 2:
            name, value = it
        else:
            raise ParameterError(f"-p {' '.join(it)}: give -p NAME VALUE or -p NAME=VALUE")
        v = read_plain_yaml(value, f"-p {name}") if value.strip() else ""
        out[name.strip()] = _dates_to_text(v)
    return out


def _read_yaml(path: Path):
    """A parameters file's values (plain YAML only, see :func:`read_plain_yaml`)."""
    return read_plain_yaml(Path(path).read_text(encoding="utf-8"), str(path)) or {}


def _dates_to_text(value):
    """YAML dates (also inside lists and mappings) -> ISO text: notebooks take text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    return value


def load_parameters(nb: Path, params_file: str | Path | None = None,
                    warehouse: Path | None = None) -> dict:
    """Parameters for a run: the YAML file's values, checked against the notebook (and,
    when ``warehouse`` is given, against its shops and platforms)."""
    pf = Path(params_file) if params_file else PARAMS_DIR / f"{nb.stem}.yaml"
    values: dict = {}
    if pf.exists():
        loaded = _read_yaml(pf)
        if not isinstance(loaded, dict):
            raise ParameterError(f"{pf}: expected a mapping of parameter names to values")
        values = loaded
    elif params_file:
        raise ParameterError(f"{pf}: no such parameters file")
    values = {k: _dates_to_text(v) for k, v in values.items()}  # YAML dates -> text
    return check_parameters(nb, values, str(pf), warehouse)


# -- one run -----------------------------------------------------------------------------------
def _beijing_now() -> dt.datetime:
    return dt.datetime.now(BEIJING)


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


_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")


def _report_title(nb) -> str | None:
    """The report's title: the notebook's first heading, in cell order: a Markdown cell's
    first ``#`` line, or the first ``<h1>`` a code cell displayed (a title written at run
    time, e.g. ``数据概览 · 昨日 2025-12-31`` from :func:`ecomlib.fmt.heading`: the report's
    own words and its period)."""
    import html as _h
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            for line in str(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip() or None
        elif cell.get("cell_type") == "code":
            for out in cell.get("outputs", []):
                page = out.get("data", {}).get("text/html")
                m = _H1.search("".join(page) if isinstance(page, list) else str(page or ""))
                if m:
                    return _h.unescape(_TAGS.sub("", m.group(1))).strip() or None
    return None


def to_html(executed: Path, html: Path) -> None:
    """Self-contained HTML of an executed notebook, without code cells or prompts.

    The page loads nothing from anywhere and runs no script: the nbconvert template's
    require.js, MathJax and mermaid (public CDNs) are removed with every other ``<script>``,
    and a Content-Security-Policy (``ecomlib.safe_html.CSP``: no scripts, images and fonts
    only as ``data:`` URLs) comes first in ``<head>``. The reports are static tables and PNG
    charts; data values in them are escaped where they are written (``fmt.table``,
    ``fmt.md``), the policy is the second line of defence. ``<title>`` is the notebook's
    first heading.
    """
    _skip_iri_parsers()
    import nbformat

    from .safe_html import harden_page
    nb = nbformat.read(str(executed), as_version=4)
    title = _report_title(nb)
    with _EXPORTER_LOCK:
        body, _ = _html_exporter().from_notebook_node(nb)
    html.write_text(harden_page(body, title), encoding="utf-8")


_EXPORTER: dict = {}
_EXPORTER_LOCK = threading.Lock()


def _html_exporter():
    """The process's HTMLExporter (code cells and prompts left out), made once so that
    nbconvert is imported and its templates compiled once, not for every report (~0.6 s the
    first time, ~0.13 s after). Use it holding ``_EXPORTER_LOCK`` (the scheduler's threads
    take turns: a conversion takes ~0.1-0.2 s)."""
    exporter = _EXPORTER.get("html")
    if exporter is None:
        from nbconvert import HTMLExporter
        exporter = _EXPORTER["html"] = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                                                    exclude_output_prompt=True)
    return exporter


def warm_html() -> threading.Thread:
    """Make the HTML exporter and compile its templates in a background thread (a caller
    with other work first, such as an inbox pass loading the day, hides the ~0.6 s of the
    first report's page). Returns the thread; a failure is left for the first real page."""
    def work():
        try:
            _skip_iri_parsers()
            import nbformat
            with _EXPORTER_LOCK:
                _html_exporter().from_notebook_node(nbformat.v4.new_notebook())
        except Exception:  # noqa: BLE001 - to_html will raise it where it is reported
            pass
    t = threading.Thread(target=work, name="warm-html", daemon=True)
    t.start()
    return t


def warm_batch(on: bool = True):
    """What a caller about to run a batch of reports after other work (an inbox pass
    loading the day's files and building the marts) warms up meanwhile, on the other core:
    the HTML exporter (:func:`warm_html`) and the kernels' zygote, started now
    (:func:`ecomlib.kernels.warm` with ``start=True``; :func:`run_jobs` then forks its
    kernels from it). A context manager: the zygote stops at its end. With ``on`` False it
    does nothing."""
    from . import kernels
    if on:
        warm_html()
    return kernels.warm(on, cwd=ROOT, start=True)


def _cell_error(executed: Path) -> str | None:
    """The first error output of an executed notebook, as 'Name: message'."""
    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out.get('ename')}: {out.get('evalue')}"
    return None


def _kernel_manager_class():
    """The report kernels talk over Unix sockets in a private temporary folder (IPC), not
    TCP ports on 127.0.0.1: reports run side by side picked free ports that another
    process could take before the kernel bound them ("Address already in use" in a
    kernel's heartbeat thread), and a port on 127.0.0.1 is open to every local user."""
    global _IPC_KM
    if _IPC_KM is None:
        import shutil
        import tempfile

        from queue import Empty

        from jupyter_client.asynchronous import AsyncKernelClient
        from jupyter_client.manager import AsyncKernelManager
        from traitlets import Unicode, default

        class QuickReadyClient(AsyncKernelClient):
            """jupyter_client's readiness handshake (``kernel_info`` until its reply and an
            IOPub message have both come) without waiting 0.2 s for IOPub to fall silent
            after it (~0.2 s of every report's start): what is left of the handshake's
            status messages is drained, and nbclient reads only the messages whose parent
            is the cell it runs."""

            async def wait_for_ready(self, timeout: float | None = None) -> None:
                end = time.monotonic() + (float("inf") if timeout is None else timeout)
                while True:
                    self.kernel_info()
                    try:
                        msg = await self.shell_channel.get_msg(timeout=1)
                    except Empty:
                        pass
                    else:
                        if msg["msg_type"] == "kernel_info_reply":
                            try:  # IOPub is connected once one of its messages comes
                                await self.iopub_channel.get_msg(timeout=0.2)
                            except Empty:
                                pass
                            else:
                                self._handle_kernel_info_reply(msg)
                                break
                    if not await self._async_is_alive():
                        raise RuntimeError("Kernel died before replying to kernel_info")
                    if time.monotonic() > end:
                        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
                while True:
                    try:
                        await self.iopub_channel.get_msg(timeout=0.01)
                    except Empty:
                        break

        class IPCKernelManager(AsyncKernelManager):
            transport = Unicode("ipc")

            @default("client_factory")
            def _quick_ready_client(self):
                return QuickReadyClient

            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self._ipc_dir = tempfile.mkdtemp(prefix="ecom-kernel-")
                self.ip = os.path.join(self._ipc_dir, "k")

            async def _async_launch_kernel(self, kernel_cmd, **kw) -> None:
                # forked from the batch's warm process when there is one (ecomlib.kernels)
                from . import kernels
                proc = kernels.spawn(kernel_cmd, kw.get("env"), kw.get("cwd"))
                if proc is None:
                    return await super()._async_launch_kernel(kernel_cmd, **kw)
                prov = self.provisioner
                prov.process, prov.pid, prov.pgid = proc, proc.pid, proc.pid
                # a forked kernel stops in ~0.1 s; one that has not after half of this
                # (jupyter_client: SIGINT + shutdown request, then SIGTERM at half, SIGKILL
                # at the end) is terminated: its report is written (the runs saw about one
                # kernel in ten linger until the default 2.5 s SIGTERM)
                self.shutdown_wait_time = kernels.SHUTDOWN_WAIT_S
                prov.cwd = kw.get("cwd") or os.getcwd()
                self._reconcile_connection_info(prov.connection_info)

            async def _async_interrupt_kernel(self) -> None:
                # jupyter_client interrupts (SIGINT) every kernel it shuts down; a report's
                # kernel is shut down idle (its cells done) or after nbclient's own
                # interrupt on a timeout, and an idle ipykernel logs the signal as
                # "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel" on the
                # runner's console (2 of the 5 demo reports). The shutdown request and
                # the SIGTERM after SHUTDOWN_WAIT_S still stop it.
                if self.shutting_down:
                    return
                await super()._async_interrupt_kernel()

            interrupt_kernel = _async_interrupt_kernel

            async def _async_cleanup_resources(self, restart: bool = False) -> None:
                await super()._async_cleanup_resources(restart=restart)
                if not restart:
                    shutil.rmtree(self._ipc_dir, ignore_errors=True)

            cleanup_resources = _async_cleanup_resources  # nbclient awaits either name

        _IPC_KM = IPCKernelManager
    return _IPC_KM


_IPC_KM = None

#: the least time between two of papermill's saves of a running report's notebook (after a
#: cell, or while a long cell runs: papermill's autosave); the start, an error and the end
#: are always saved
SAVE_EVERY_S = 2.0
_ENGINE = None


def _engine_name() -> str:
    """The papermill engine the reports run with: nbclient's, whose notebook is saved at
    most every :data:`SAVE_EVERY_S` seconds while it runs. Papermill writes the notebook
    (JSON and a schema check) before and after every cell: ~30 writes of a notebook growing
    to ~1 MB per report, ~1 CPU-s a day over the five reports in the process that also
    turns them into HTML. The notebook on disk still shows progress, the cell that failed
    and the finished report."""
    global _ENGINE
    if _ENGINE is None:
        from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

        class SparseSaves(NotebookExecutionManager):
            """Papermill's execution manager; the saves at a cell's start and end are
            skipped while the last save is less than SAVE_EVERY_S old."""
            _sparse = False

            def save(self, **kwargs):
                if self._sparse and \
                        (self.now() - self.last_save_time).total_seconds() < SAVE_EVERY_S:
                    return
                super().save(**kwargs)

            def _sparsely(self, step, cell, cell_index, kwargs):
                self._sparse = True
                try:
                    return step(cell, cell_index, **kwargs)
                finally:
                    self._sparse = False

            def cell_start(self, cell, cell_index=None, **kwargs):
                return self._sparsely(super().cell_start, cell, cell_index, kwargs)

            def cell_complete(self, cell, cell_index=None, **kwargs):
                return self._sparsely(super().cell_complete, cell, cell_index, kwargs)

        class EcomEngine(NBClientEngine):
            @classmethod
            def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                                 log_output=False, autosave_cell_every=30, **kwargs):
                nb_man = SparseSaves(nb, output_path=output_path, progress_bar=progress_bar,
                                     log_output=log_output,
                                     autosave_cell_every=autosave_cell_every)
                nb_man.notebook_start()
                try:
                    cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output,
                                                 **kwargs)
                finally:
                    nb_man.cleanup_pbar()
                    nb_man.notebook_complete()
                return nb_man.nb

        papermill_engines.register("ecomlib", EcomEngine)
        _ENGINE = "ecomlib"
    return _ENGINE


def run_report(nb: str | Path, params_file: str | Path | None = None,
               warehouse: str | Path | None = None, out_root: str | Path = "reports",
               extra: dict | None = None, label: str | None = None,
               timeout_s: int | None = None) -> RunResult:
    """Execute one report notebook with papermill and write HTML + manifest.

    Never raises for a failing notebook: the executed notebook (with the error in it) and
    the manifest are kept, and the result's ``status`` is ``failed``. Bad parameters raise
    :class:`ParameterError` before anything runs.
    """
    _skip_iri_parsers()
    import papermill

    from . import __version__
    from .warehouse import default_path

    nb = resolve_notebook(nb)
    pf = Path(params_file) if params_file else PARAMS_DIR / f"{nb.stem}.yaml"
    raw = _read_yaml(pf) if pf.exists() else {}
    # warehouse: the caller's (--warehouse) > the parameters file's > the default
    wh = Path(warehouse or (raw.get("warehouse") if isinstance(raw, dict) else None)
              or default_path())
    params = load_parameters(nb, params_file, wh)
    if extra:
        params.update({k: _dates_to_text(v) for k, v in extra.items()})
        check_parameters(nb, params, f"{pf} + overrides", wh)
    params["warehouse"] = str(wh.resolve())
    period_info, empty_why = resolve_run_period(nb, params, wh)
    started = _beijing_now()
    label = label or nb.stem
    run_id = started.strftime("%H%M%S") + "-" + secrets.token_hex(2)
    out_dir = Path(out_root) / nb.stem / started.strftime("%Y-%m-%d") / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    if "output_dir" in notebook_parameters(nb):  # where a notebook writes its Excel tables
        params["output_dir"] = str(out_dir.resolve())
    executed = out_dir / f"{nb.stem}.ipynb"
    html = out_dir / f"{nb.stem}.html"
    t0 = time.perf_counter()
    status, error = "ok", None
    if empty_why:  # nothing to report: no page of zeros that looks like a bad day
        status, error = "empty", empty_why
    else:
        try:
            papermill.execute_notebook(str(nb), str(executed), parameters=params,
                                       kernel_name="python3", language="python",
                                       cwd=str(ROOT), progress_bar=False,
                                       execution_timeout=timeout_s,
                                       kernel_manager_class=_kernel_manager_class(),
                                       engine_name=_engine_name())
        except Exception as e:  # papermill raises PapermillExecutionError with the cell's error
            status = "failed"
            if isinstance(e, TimeoutError):  # nbclient's CellTimeoutError: the cell was
                # interrupted, so the notebook's own error would read "KeyboardInterrupt"
                error = (f"timed out: a cell ran longer than the job's timeout_s "
                         f"({timeout_s} s) and was stopped")
            else:
                error = _cell_error(executed) or f"{type(e).__name__}: {str(e).strip()[-300:]}"
    try:
        if executed.exists():
            to_html(executed, html)
    except Exception:
        if status == "ok":
            status, error = "failed", "HTML conversion failed: " + traceback.format_exc(limit=1)
    duration = time.perf_counter() - t0
    alerts = []
    alert_file = out_dir / "alerts.json"  # anomaly alerts a notebook chose to raise
    if alert_file.exists():
        try:
            alerts = json.loads(alert_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            alerts = [{"message": f"{alert_file} is not valid JSON"}]
    res = RunResult(nb.stem, status, round(duration, 2), str(out_dir),
                    str(html) if html.exists() else None, error, params, label, 1, alerts)
    manifest = {
        **asdict(res),
        "notebook_path": str(nb),
        "parameters_file": str(pf) if pf.exists() else None,
        "run_id": run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": _beijing_now().isoformat(timespec="seconds"),
        "package_version": __version__,
        "period": period_info,
        "data": _snapshot(wh),
        "files": sorted(p.name for p in out_dir.iterdir()),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2,
                                                      default=str), encoding="utf-8")
    if status == "ok":
        _point_latest(Path(out_root), nb.stem, out_dir, html)
    write_index(Path(out_root))
    return res


def resolve_run_period(nb: Path, params: dict, warehouse: Path) -> tuple[dict | None, str | None]:
    """For a notebook that declares ``period`` (and ``as_of``): resolve the period
    (:mod:`ecomlib.periods`) against the warehouse, put the resolved ``start``/``end`` (and
    the 环比/同比 periods the notebook declares) into ``params``, and return ``(the period's
    record for the manifest, why the run is empty or None)``. A period in which the report's
    scope (its shops and platforms) has no sales is empty: the run is not executed."""
    from . import periods
    declared = notebook_parameters(nb)
    if "period" not in declared:
        return None, None
    name = params.get("period") or periods.DEFAULT_PERIOD.get(nb.stem, "last_30_days")
    params["period"] = name
    as_of = params.get("as_of") or "latest"
    shops = params.get("shops") or None
    platforms = params.get("platforms") or None
    latest = None
    have_marts = False
    from .warehouse import Warehouse
    if Path(warehouse).exists():
        with Warehouse(warehouse, read_only=True) as wh:
            have_marts = bool(wh.sql("SELECT COUNT(*) AS n FROM information_schema.tables "
                                     "WHERE table_name = 'mart_shop_daily'").n[0])
            if have_marts:
                latest = periods.latest_complete_day(wh, platforms, shops)
    if as_of == "latest" and latest is None and name != "custom":
        return ({"period": name, "as_of": as_of},
                "no sales in the warehouse for this report's shops and platforms (run "
                "`ecom ingest` and `ecom build` first)")
    try:
        p = periods.resolve(name, as_of, latest=latest, start=params.get("start"),
                            end=params.get("end"))
    except ValueError as e:
        raise ParameterError(f"{nb.name}: {e}") from None
    params["as_of"] = p.as_of.isoformat()
    for k in ("start", "end", "previous_start", "previous_end", "year_ago_start",
              "year_ago_end"):
        if k in declared:
            params[k] = getattr(p, k).isoformat()
    record = {**p.as_dict(), "latest_data_day": latest.isoformat() if latest else None}
    why = None
    if have_marts:
        with Warehouse(warehouse, read_only=True) as wh:
            n = wh.sql("SELECT COUNT(*) AS n FROM mart_shop_daily WHERE sales_date BETWEEN $a "
                       "AND $b AND (len($p) = 0 OR list_contains($p, platform)) AND "
                       "(len($s) = 0 OR list_contains($s, shop_id)) AND paid_fen > 0",
                       {"a": p.start, "b": p.end, "p": list(platforms or []),
                        "s": list(shops or [])}).n[0]
        if not n:
            why = (f"{p.label('zh')}: 所选店铺和平台没有销售数据，报表未生成 · no sales for the "
                   f"selected shops and platforms in {p.label('en')}; the report was not run")
    return record, why


def _point_latest(out_root: Path, name: str, out_dir: Path, html: Path) -> None:
    """``reports/<notebook>/latest.html`` -> the newest good report (moves only on success)."""
    from .safe_html import csp_meta, escape
    rel = escape(html.relative_to(out_root / name).as_posix())
    page = (f"<!doctype html><html><head>{csp_meta()}<meta charset='utf-8'>"
            f"<meta http-equiv='refresh' content='0; url={rel}'><title>{escape(name)}</title>"
            f"</head><body><a href='{rel}'>{rel}</a></body></html>")
    (out_root / name / "latest.html").write_text(page, encoding="utf-8")
    (out_root / name / "latest.json").write_text(json.dumps(
        {"run_dir": str(out_dir), "html": str(html)}, ensure_ascii=False), encoding="utf-8")


_INDEX_LOCK = threading.Lock()


def _quality_link(out_root: Path) -> str:
    """A line linking the newest data-quality report (``reports/quality/quality-*.html``)."""
    import html as h
    found = sorted(Path(out_root).glob("quality/quality-*.html"))
    if not found:
        return "<p>数据质量报告 Data quality: <code>ecom quality</code></p>"
    rel = found[-1].resolve().relative_to(Path(out_root).resolve()).as_posix()
    return (f"<p>数据质量报告 Data quality: <a href=\"{h.escape(rel)}\">"
            f"{h.escape(found[-1].stem)}</a></p>")


def _seconds(v) -> str:
    """A manifest's duration as ``12.3 s`` ('' when it is not a number)."""
    try:
        return f"{float(v):.1f} s"
    except (TypeError, ValueError):
        return ""


def write_index(out_root: Path) -> Path:
    """``reports/index.html``: the latest run of each report first (and its latest good
    one), then every run, newest first, with status and duration."""
    import html as h
    with _INDEX_LOCK:
        runs = []
        for m in Path(out_root).glob("*/*/*/manifest.json"):
            try:
                runs.append(json.loads(m.read_text(encoding="utf-8")))
            except (json.JSONDecodeError, OSError):
                continue
        runs.sort(key=lambda r: r.get("started_at", ""), reverse=True)
        shop_runs: dict[str, list] = {}  # <out_root>/shops/<shop>/<notebook>/<date>/<run>/
        for m in Path(out_root).glob(f"{SHOPS_DIR}/*/*/*/*/manifest.json"):
            try:
                shop_runs.setdefault(m.parents[3].name, []).append(
                    json.loads(m.read_text(encoding="utf-8")))
            except (json.JSONDecodeError, OSError):
                continue

        def link(r):
            name = h.escape(r.get("label") or r["notebook"])
            if r.get("html"):
                try:
                    rel = Path(r["html"]).resolve().relative_to(Path(out_root).resolve())
                    return f'<a href="{h.escape(str(rel))}">{name}</a>'
                except ValueError:
                    pass
            return name

        status_words = {"ok": "成功 ok", "empty": "无数据 empty", "failed": "失败 failed"}

        def period(r):
            p = r.get("period") or {}
            if p.get("start"):
                from . import periods as P
                word = P.ZH.get(p.get("name"), p.get("name") or "")
                span = p["start"] if p["start"] == p.get("end") else f"{p['start']} – {p['end']}"
                return h.escape(f"{word} {span}")
            params = r.get("parameters") or {}
            if params.get("start") and params.get("end"):
                return h.escape(f"{params['start']} – {params['end']}")
            return ""

        def files(r):
            out = []
            run_dir = Path(r.get("out_dir") or "")
            for f in r.get("files") or []:
                if f.endswith(".xlsx"):
                    try:
                        rel = (run_dir / f).resolve().relative_to(Path(out_root).resolve())
                        out.append(f'<a href="{h.escape(rel.as_posix())}">Excel</a>')
                    except ValueError:
                        pass
            return " ".join(out)

        def row(r):
            st = h.escape(r["status"])
            return (f"<tr><td>{link(r)}</td><td>{period(r)}</td>"
                    f"<td>{h.escape(r['started_at'])}</td>"
                    f"<td class='{st}'>{status_words.get(st, st)}</td>"
                    f"<td>{_seconds(r.get('duration_s'))}</td><td>{files(r)}</td>"
                    f"<td>{h.escape((r.get('error') or '')[:200])}</td></tr>")

        latest, good = {}, {}
        for r in runs:
            key = r.get("label") or r["notebook"]
            latest.setdefault(key, r)
            if r["status"] == "ok":
                good.setdefault(key, r)
        head = "<tr><th>报表 Report</th><th>期间 Period</th><th>开始时间 Started</th>" \
               "<th>状态 Status</th><th>耗时 Duration</th><th>文件 Files</th>" \
               "<th>说明 Note</th></tr>"
        top = []
        for key, r in sorted(latest.items()):
            extra = ""
            if r["status"] != "ok" and key in good:
                extra = (f"<tr class='fallback'><td colspan='7'>↳ 最新成功版本 latest good: "
                         f"{link(good[key])} ({h.escape(good[key]['started_at'])})</td></tr>")
            top.append(row(r) + extra)
        shops_html = _shop_sections(shop_runs, head, row, link)
        from .safe_html import csp_meta
        page = (f"<!doctype html><html lang='zh'><head>{csp_meta()}<meta charset='utf-8'>"
                "<title>报表 Reports</title><style>body{font-family:'Noto Sans CJK SC',"
                "'WenQuanYi Micro Hei',sans-serif;margin:2em;color:#222}table{border-collapse:"
                "collapse;margin-bottom:2em}td,th{padding:5px 14px;text-align:left;border-bottom:"
                "1px solid #ddd}.failed{color:#b00;font-weight:bold}.ok{color:#070}"
                ".fallback td{color:#555;font-size:90%}.empty{color:#a60}</style></head><body>"
                "<h1>报表 Reports</h1>" + _quality_link(out_root) +
                "<h2>各报表最新一次 Latest run of each report</h2>"
                f"<table>{head}{''.join(top)}</table>{shops_html}<h2>全部运行记录 All runs</h2>"
                f"<table>{head}{''.join(row(r) for r in runs)}</table></body></html>")
        out = Path(out_root) / "index.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
        return out


def _shop_sections(shop_runs: dict[str, list], head: str, row, link) -> str:
    """The index's 按店铺 section: per shop (``ecom run --per-shop``), the latest run of each
    report (and its latest good one when that failed), and a link to the shop's own index
    with all its runs."""
    import html as h
    from urllib.parse import quote
    if not shop_runs:
        return ""

    def shop_of(folder, rs):
        shops = (rs[0].get("parameters") or {}).get("shops") or []
        return str(shops[0]) if len(shops) == 1 else folder
    parts = []
    for folder, rs in sorted(shop_runs.items(), key=lambda kv: shop_of(*kv)):
        rs.sort(key=lambda r: r.get("started_at", ""), reverse=True)
        latest, good = {}, {}
        for r in rs:
            latest.setdefault(r["notebook"], r)
            if r["status"] == "ok":
                good.setdefault(r["notebook"], r)
        rows = []
        for key, r in sorted(latest.items()):
            rows.append(row(r))
            if r["status"] != "ok" and key in good:
                rows.append(f"<tr class='fallback'><td colspan='7'>↳ 最新成功版本 latest good: "
                            f"{link(good[key])} ({h.escape(good[key]['started_at'])})</td></tr>")
        n_bad = sum(r["status"] == "failed" for r in latest.values())
        href = quote(f"{SHOPS_DIR}/{folder}/index.html")
        parts.append(f"<h3>店铺 Shop: {h.escape(shop_of(folder, rs))}"
                     + (f" <span class='failed'>({n_bad} 失败 failed)</span>" if n_bad else "")
                     + f"</h3><p><a href=\"{h.escape(href)}\">该店铺全部运行记录 all runs of "
                     f"this shop</a> ({len(rs)})</p><table>{head}{''.join(rows)}</table>")
    return (f"<h2>按店铺 By shop ({len(shop_runs)})</h2>" + "".join(parts))


# -- many shops --------------------------------------------------------------------------------
#: the folder under the report root holding each shop's runs (``ecom run --per-shop``)
SHOPS_DIR = "shops"


def shop_folder(shop_id: str) -> str:
    """The folder of a shop's runs: the shop id when it is a plain name (letters, digits,
    Chinese, ``_ . -``), else its plain characters and a short hash (a shop id is data)."""
    import hashlib
    plain = re.sub(r"[^\w.-]", "_", str(shop_id)).lstrip(".") or "_"
    if plain == str(shop_id):
        return plain
    return f"{plain[:60]}-{hashlib.sha1(str(shop_id).encode('utf-8')).hexdigest()[:8]}"


def fan_out_shops(warehouse=None, shops: list[str] | None = None) -> list[str]:
    """The shops ``ecom run --per-shop`` runs the reports for: ``shops`` as given (each must
    be a shop of the warehouse), else every shop with sales (``mart_shops``), by shop id."""
    from .warehouse import Warehouse, default_path
    with Warehouse(warehouse or default_path(), read_only=True) as wh:
        known = wh.known_shops()
        if shops:
            missing = [s for s in shops if s not in set(known["shop_id"])]
            if missing:
                raise ParameterError(
                    f"--per-shop: {', '.join(missing)} not in the warehouse (known: "
                    f"{', '.join(sorted(set(known['shop_id'])))})")
            return list(dict.fromkeys(shops))
        try:
            df = wh.sql("SELECT DISTINCT shop_id FROM mart_shops "
                        "WHERE first_sales_date IS NOT NULL ORDER BY shop_id")
        except Exception:  # noqa: BLE001 - a warehouse never built has no mart_shops
            raise ParameterError("--per-shop: the warehouse has no marts yet; run "
                                 "`ecom build` first") from None
    return df["shop_id"].tolist()


def per_shop_jobs(notebooks, shops: list[str], params: str | None = None,
                  overrides: dict | None = None, retries: int = 0) -> list["Job"]:
    """One job per shop and report (``shops: [<shop>]``), archived under
    ``shops/<shop>/`` of the report root (:func:`shop_folder`)."""
    return [Job(name=f"{Path(nb).stem}-{shop}", notebook=str(nb), cron="* * * * *",
                params=params, overrides={**(overrides or {}), "shops": [shop]},
                retries=retries, retry_delay_s=5,
                archive=f"{SHOPS_DIR}/{shop_folder(shop)}")
            for shop in shops for nb in notebooks]


# -- schedule ----------------------------------------------------------------------------------
@dataclass
class Job:
    """One scheduled report: a notebook, its parameters, a cron expression (Beijing time)."""

    name: str
    notebook: str
    cron: str
    params: str | None = None
    overrides: dict = field(default_factory=dict)
    retries: int = 1
    retry_delay_s: float = 30.0
    timeout_s: int | None = None
    #: a folder under the report root for this job's runs (``shops/<shop>`` for per-shop runs)
    archive: str | None = None


@dataclass
class Schedule:
    jobs: list[Job]
    parallel: int = 2
    webhooks: list[dict] = field(default_factory=list)
    email: dict | None = None
    notify: tuple[str, ...] = ("failure", "anomalies", "summary")
    path: str = ""
    # DuckDB memory cap of each report's warehouse connection while reports run side by side
    # (``ECOMLIB_DUCKDB_MEMORY_LIMIT`` in the kernels; DuckDB spills to disk past it). None or
    # "" = DuckDB's own default (80 % of RAM), which two big reports at once can exceed.
    duckdb_memory_limit: str | None = "1GB"
    # how long a report waits for a warehouse an ingest is writing (``ECOMLIB_LOCK_WAIT`` in
    # the kernels; an explicit ``ecom --wait`` wins); None = the library default (60 s)
    lock_wait_s: float | None = None
    #: send the 经营日报 (ecomlib.daily_push) after the morning's overview run
    daily_push: bool = True
    # DuckDB threads of each report's connection while reports run side by side
    # (``ECOMLIB_DUCKDB_THREADS`` in the kernels): "auto" = the machine's cores / parallel (at
    # least 1), an integer, or None / "" = DuckDB's default (every core). Two reports on 2
    # cores, each DuckDB on 2 threads, spent 30 % more CPU on the same queries (the members
    # report's at 5M: 12.1 against 9.2 CPU-s; DECISIONLOG 109)
    duckdb_threads: int | str | None = "auto"


def load_schedule(path: str | Path = PARAMS_DIR / "schedule.yaml") -> Schedule:
    """Read ``parameters/schedule.yaml`` (see that file for the format) and check it: cron
    expressions, notebooks and parameter files must exist; a ``per_shop`` list expands into
    one job per shop (``shops: [<shop>]``)."""
    from croniter import croniter
    path = Path(path)
    if not path.exists():
        raise ParameterError(f"{path}: no schedule file")
    doc = read_plain_yaml(path.read_text(encoding="utf-8"), str(path)) or {}
    if not isinstance(doc, dict):
        raise ParameterError(f"{path}: expected the keys defaults, alerts and reports")
    defaults = doc.get("defaults") or {}
    allowed = notebook_dirs(defaults.get("notebook_dirs"), path)
    alerts = doc.get("alerts") or {}
    jobs = []
    for i, item in enumerate(doc.get("reports") or []):
        where = f"{path}: reports[{i}]"
        if not isinstance(item, dict) or "notebook" not in item or "cron" not in item:
            raise ParameterError(f"{where}: needs notebook and cron")
        if not croniter.is_valid(str(item["cron"])):
            raise ParameterError(f"{where}: cron {item['cron']!r} is not a cron expression")
        try:
            nb_path = resolve_notebook(item["notebook"])
        except FileNotFoundError as e:
            raise ParameterError(f"{where}: {e}") from None
        if not any(nb_path.resolve().is_relative_to(d) for d in allowed):
            raise ParameterError(
                f"{where}: notebook {item['notebook']} is outside the report folders "
                f"({', '.join(map(str, allowed))}); scheduled notebooks must live there "
                "(name further folders under defaults.notebook_dirs)")
        overrides = item.get("overrides") or {}
        if not isinstance(overrides, dict):
            raise ParameterError(f"{where}: overrides must be a mapping of parameter names "
                                 "to values")
        overrides = {k: _dates_to_text(v) for k, v in overrides.items()}
        for k, v in overrides.items():
            problem = _value_problem(v)
            if problem is not None:
                raise ParameterError(f"{where}: overrides.{k} {problem}")
        params = item.get("params")
        if params and not (ROOT / params).exists() and not Path(params).exists():
            raise ParameterError(f"{where}: parameters file {params} does not exist")
        base = dict(name=str(item.get("name") or item["notebook"]), notebook=str(item["notebook"]),
                    cron=str(item["cron"]), params=params,
                    overrides=overrides,
                    retries=int(item.get("retries", defaults.get("retries", 1))),
                    retry_delay_s=float(item.get("retry_delay_s", defaults.get("retry_delay_s", 30))),
                    timeout_s=item.get("timeout_s", defaults.get("timeout_s")))
        shops = item.get("per_shop")
        if shops:
            for s in shops:
                jobs.append(Job(**{**base, "name": f"{base['name']}-{s}",
                                   "overrides": {**base["overrides"], "shops": [s]}}))
        else:
            jobs.append(Job(**base))
    names = [j.name for j in jobs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ParameterError(f"{path}: duplicate report name(s) {', '.join(dup)}")
    sched = Schedule(jobs, int(defaults.get("parallel", 2)), list(alerts.get("webhooks") or []),
                    alerts.get("email"), tuple(alerts["notify"] or ()) if "notify" in alerts else ("failure", "anomalies", "summary"),
                    str(path), defaults.get("duckdb_memory_limit", "1GB") or None,
                    float(defaults["lock_wait_s"]) if defaults.get("lock_wait_s") is not None
                    else None, bool(alerts.get("daily_push", True)),
                    defaults.get("duckdb_threads", "auto"))
    try:
        duckdb_threads(sched, cores=2)
    except ParameterError as e:
        raise ParameterError(f"{path}: defaults.{e}") from None
    return sched


def notebook_dirs(extra=None, schedule_path: Path | None = None) -> list[Path]:
    """Folders scheduled notebooks may come from: the project's ``notebooks/`` plus the
    schedule's ``defaults.notebook_dirs`` (relative to the project root, where
    ``parameters/schedule.yaml`` lives) and ``$ECOMLIB_NOTEBOOK_DIRS`` (os.pathsep-separated)."""
    dirs = [NOTEBOOK_DIR.resolve()]
    base = Path(schedule_path).resolve().parent.parent if schedule_path else ROOT
    names = list(extra or []) if not isinstance(extra, str) else [extra]
    names += [p for p in os.environ.get("ECOMLIB_NOTEBOOK_DIRS", "").split(os.pathsep) if p]
    for n in names:
        p = Path(str(n))
        dirs.append((p if p.is_absolute() else base / p).resolve())
    return dirs


def _state_path(out_root: Path) -> Path:
    return Path(out_root) / ".schedule-state.json"


def due_jobs(schedule: Schedule, now: dt.datetime, out_root: Path) -> list[tuple[Job, dt.datetime]]:
    """Jobs whose latest cron time (Beijing) at or before ``now`` has not been run yet.
    A job never run before is due for its latest cron time."""
    from croniter import croniter
    state = _read_state(out_root)
    now = now.astimezone(BEIJING)
    out = []
    for job in schedule.jobs:
        fire = croniter(job.cron, now + dt.timedelta(seconds=1)).get_prev(dt.datetime)
        last = state.get(job.name, {}).get("last_due")
        if last is None or dt.datetime.fromisoformat(last) < fire:
            out.append((job, fire))
    return out


def _read_state(out_root: Path) -> dict:
    p = _state_path(out_root)
    if p.exists():
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {}
    return {}


def _run_with_retries(job: Job, warehouse, out_root: Path, sleep=time.sleep) -> RunResult:
    if job.archive:  # runs under <out_root>/<archive>/ (its own index); the top index lists them
        from dataclasses import replace
        try:
            return _run_with_retries(replace(job, archive=None), warehouse,
                                     Path(out_root) / job.archive, sleep)
        finally:
            write_index(Path(out_root))
    res = None
    for attempt in range(1, job.retries + 2):
        try:
            res = run_report(job.notebook, params_file=(ROOT / job.params if job.params and
                                                        not Path(job.params).exists() else job.params),
                             warehouse=warehouse, out_root=out_root, extra=job.overrides,
                             label=job.name, timeout_s=job.timeout_s)
        except (ParameterError, FileNotFoundError) as e:  # not worth retrying
            return RunResult(job.notebook, "failed", 0.0, "", None, str(e), {}, job.name, attempt)
        res.attempts = attempt
        if res.status == "ok":
            return res
        if attempt <= job.retries:
            sleep(job.retry_delay_s)
    return res


def last_seconds(notebook: str | Path, out_root: str | Path) -> float | None:
    """``duration_s`` of the newest successful run of ``notebook`` under ``out_root``
    (``<out_root>/<notebook>/<date>/<HHMMSS-id>/manifest.json``); None when there is none."""
    stem = Path(str(notebook)).stem
    for m in sorted(Path(out_root).glob(f"{stem}/*/*/manifest.json"), reverse=True):
        try:
            man = json.loads(m.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if man.get("status") == "ok" and isinstance(man.get("duration_s"), (int, float)):
            return float(man["duration_s"])
    return None


def longest_first(jobs: list[Job], out_root: str | Path) -> list[int]:
    """The jobs' indexes in the order to start them with several at once: longest
    expected first (longest-processing-time scheduling), where a job's expected seconds are
    its notebook's last successful run under ``out_root`` (or its archive folder there:
    per-shop runs; :func:`last_seconds`); jobs never
    run there come first (they may be long), in their own order; ties keep the jobs'
    order."""
    secs = [last_seconds(j.notebook, Path(out_root) / j.archive if j.archive else out_root)
            for j in jobs]
    return sorted(range(len(jobs)),
                  key=lambda i: (secs[i] is not None, -(secs[i] or 0.0), i))


def duckdb_threads(schedule: Schedule, cores: int | None = None) -> int | None:
    """DuckDB threads for each report's warehouse connection while ``schedule.parallel``
    reports run at once: ``duckdb_threads`` "auto" = ``cores // parallel`` (at least 1;
    ``cores`` = the CPUs this process may use), an integer as given; None with one report at
    a time or when the schedule leaves it to DuckDB (None / "")."""
    want = schedule.duckdb_threads
    if schedule.parallel <= 1 or want is None or str(want).strip() == "":
        return None
    if str(want).strip().lower() == "auto":
        if cores is None:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
                else (os.cpu_count() or 1)
        return max(1, int(cores) // schedule.parallel)
    try:
        n = int(want)
    except (TypeError, ValueError):
        raise ParameterError(f"duckdb_threads must be auto, a whole number or empty; "
                             f"got {want!r}") from None
    if n < 1:
        raise ParameterError(f"duckdb_threads must be at least 1; got {n}")
    return n


def run_jobs(jobs: list[Job], schedule: Schedule, warehouse=None, out_root: str | Path = "reports",
             sleep=time.sleep) -> list[RunResult]:
    """Run jobs in parallel (``schedule.parallel`` at once); one failing job never stops the
    others. Sends the alerts and summary the schedule asks for."""
    from . import kernels
    out_root = Path(out_root)
    key, before = "ECOMLIB_DUCKDB_MEMORY_LIMIT", os.environ.get("ECOMLIB_DUCKDB_MEMORY_LIMIT")
    # the kernels inherit this process's environment; a limit the user set wins
    if schedule.parallel > 1 and schedule.duckdb_memory_limit and before is None:
        os.environ[key] = str(schedule.duckdb_memory_limit)
    threads_before = os.environ.get("ECOMLIB_DUCKDB_THREADS")
    threads = duckdb_threads(schedule)
    if threads and threads_before is None:
        os.environ["ECOMLIB_DUCKDB_THREADS"] = str(threads)
    wait_before = os.environ.get("ECOMLIB_LOCK_WAIT")
    if schedule.lock_wait_s is not None and wait_before is None:
        os.environ["ECOMLIB_LOCK_WAIT"] = str(schedule.lock_wait_s)
    try:
        # a batch's kernels fork from one warm process (ecomlib.kernels): ~1 CPU-s less each
        with kernels.warm(len(jobs) > 1, cwd=ROOT), \
                ThreadPoolExecutor(max_workers=max(1, schedule.parallel)) as pool:
            # longest first (by each report's last run here) so that a long report does not
            # start last while the other worker idles; the results in the jobs' order
            order = longest_first(jobs, out_root) if schedule.parallel > 1 else range(len(jobs))
            done = dict(zip(order, pool.map(
                lambda i: _run_with_retries(jobs[i], warehouse, out_root, sleep), order)))
            results = [done[i] for i in range(len(jobs))]
    finally:
        if before is None:
            os.environ.pop(key, None)
        if threads_before is None:
            os.environ.pop("ECOMLIB_DUCKDB_THREADS", None)
        if wait_before is None:
            os.environ.pop("ECOMLIB_LOCK_WAIT", None)
    notify(results, schedule, out_root)
    return results


def run_due(schedule: Schedule, warehouse=None, out_root: str | Path = "reports",
            now: dt.datetime | None = None, sleep=time.sleep) -> list[RunResult]:
    """One pass of the schedule: run what is due, record it in the state file."""
    out_root = Path(out_root)
    now = now or _beijing_now()
    due = due_jobs(schedule, now, out_root)
    if not due:
        return []
    # a scheduled run is for the day it fires (its rolling period ends the day before):
    # run on another day, it renders another period; a job's own as_of wins
    jobs = []
    for job, fire in due:
        nb = resolve_notebook(job.notebook)
        if "as_of" in notebook_parameters(nb) and "as_of" not in job.overrides:
            from dataclasses import replace
            job = replace(job, overrides={**job.overrides,
                                          "as_of": fire.astimezone(BEIJING).date().isoformat()})
        jobs.append(job)
    results = run_jobs(jobs, schedule, warehouse, out_root, sleep)
    if schedule.daily_push and any(resolve_notebook(j.notebook).stem == "overview" for j in jobs):
        # the 经营日报 goes once a day, after the morning's overview (ecomlib.daily_push)
        from . import daily_push
        from .warehouse import default_path
        day = now.astimezone(BEIJING).date() - dt.timedelta(days=1)
        try:
            daily_push.send(schedule, out_root, Path(warehouse or default_path()), day, results)
        except Exception as e:  # noqa: BLE001 - a failed push never fails the reports
            (Path(out_root) / "alert-errors.log").open("a", encoding="utf-8").write(
                f"{_beijing_now().isoformat(timespec='seconds')} daily push: {e}\n")
    state = _read_state(out_root)
    for (job, fire), res in zip(due, results):
        state[job.name] = {"last_due": fire.isoformat(), "last_status": res.status,
                           "last_run_dir": res.out_dir}
    out_root.mkdir(parents=True, exist_ok=True)
    _state_path(out_root).write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
    return results


def serve_schedule(schedule: Schedule, warehouse=None, out_root: str | Path = "reports",
                   stop: threading.Event | None = None, poll_s: float = 30.0) -> None:
    """The long-running scheduler (``ecom schedule``): sleeps until the next cron time of
    any job, then runs what is due. ``stop`` ends it (tests; Ctrl-C for people)."""
    from croniter import croniter
    stop = stop or threading.Event()
    while not stop.is_set():
        run_due(schedule, warehouse, out_root)
        now = _beijing_now()
        nxt = min(croniter(j.cron, now).get_next(dt.datetime) for j in schedule.jobs)
        stop.wait(max(1.0, min(poll_s, (nxt - now).total_seconds())))


# -- alerts ------------------------------------------------------------------------------------
def summary_text(results: list[RunResult], out_root: Path) -> tuple[str, str]:
    """(title, markdown body) of a run summary: each report's status, duration and link,
    errors, and the anomaly alerts the reports raised."""
    ok = sum(r.status == "ok" for r in results)
    failed = [r for r in results if r.status != "ok"]
    title = (f"报表运行 {ok}/{len(results)} 成功" + (f"，{len(failed)} 失败" if failed else "")
             + f" · Reports {ok}/{len(results)} ok")
    lines = []
    for r in results:
        mark = "✅" if r.status == "ok" else "❌"
        where = r.html or r.out_dir or ""
        lines.append(f"- {mark} **{r.label or r.notebook}** {r.duration_s:.0f}s "
                     f"(attempts {r.attempts}) {where}")
        if r.error:
            lines.append(f"  - {r.error[:300]}")
    anomalies = [a for r in results for a in (r.alerts or [])]
    if anomalies:
        lines.append("")
        lines.append(f"**异常提醒 Anomalies ({len(anomalies)})**")
        for a in anomalies[:20]:
            lines.append(f"- {a.get('message') if isinstance(a, dict) else a}")
    lines.append("")
    lines.append(f"索引 Index: {Path(out_root).resolve() / 'index.html'}")
    return title, "\n".join(lines)


def alert_items(results: list[RunResult]) -> list[dict]:
    """One item per report run (status, duration, link, error) and one per anomaly alert the
    reports raised; each has a ``message`` line for the chat robots."""
    items = []
    for r in results:
        ok = r.status == "ok"
        msg = (f"{'✅' if ok else '❌'} {r.label or r.notebook}: {'成功 ok' if ok else '失败 failed'} "
               f"{r.duration_s:.0f}s, {r.attempts} attempt(s)"
               + (f" — {r.error[:300]}" if r.error else "") + (f" {r.html}" if r.html else ""))
        items.append({"report": r.label or r.notebook, "status": r.status,
                      "duration_s": r.duration_s, "attempts": r.attempts, "html": r.html,
                      "error": r.error, "message": msg})
    for r in results:
        for a in r.alerts or []:
            a = dict(a) if isinstance(a, dict) else {"message": str(a)}
            a.setdefault("report", r.label or r.notebook)
            a["message"] = f"⚠️ {a.get('message', '')}"
            items.append(a)
    return items


def notify(results: list[RunResult], schedule: Schedule, out_root: Path) -> list[str]:
    """Send the summary to every webhook / e-mail of the schedule when it should be sent
    (``notify``: failure, anomalies, summary). Returns delivery problems (never raises: a
    dead webhook must not fail the reports)."""
    if not results or not (schedule.webhooks or schedule.email):
        return []
    failed = any(r.status != "ok" for r in results)
    anomalies = any(r.alerts for r in results)
    wanted = ("summary" in schedule.notify or (failed and "failure" in schedule.notify)
              or (anomalies and "anomalies" in schedule.notify))
    if not wanted:
        return []
    title, body = summary_text(results, out_root)
    problems = []
    from . import alerts
    items = alert_items(results)
    for hook in schedule.webhooks:
        try:
            alerts.deliver(hook, alerts.build_payload(hook.get("kind", "json"), items, title),
                           retries=int(hook.get("retries", 3)),
                           backoff_s=float(hook.get("backoff_s", 1.0)))
        except Exception as e:  # noqa: BLE001 - reported, not raised
            problems.append(f"webhook {hook.get('url')}: {e}")
    if schedule.email:
        try:
            send_email(schedule.email, title, body)
        except Exception as e:  # noqa: BLE001
            problems.append(f"e-mail: {e}")
    if problems:
        (Path(out_root) / "alert-errors.log").open("a", encoding="utf-8").write(
            "".join(f"{_beijing_now().isoformat(timespec='seconds')} {p}\n" for p in problems))
    return problems


def send_email(cfg: dict, subject: str, body: str) -> None:
    """Send the summary through SMTP. ``cfg``: host, port, ssl (bool), starttls (bool),
    user, password_env (name of the environment variable holding the password), from, to."""
    import os
    import smtplib
    from email.message import EmailMessage
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = cfg["from"]
    to = cfg["to"]
    msg["To"] = ", ".join(to) if isinstance(to, (list, tuple)) else to
    msg.set_content(body)
    cls = smtplib.SMTP_SSL if cfg.get("ssl") else smtplib.SMTP
    with cls(cfg["host"], int(cfg.get("port", 465 if cfg.get("ssl") else 25)), timeout=20) as s:
        if cfg.get("starttls"):
            s.starttls()
        if cfg.get("user"):
            s.login(cfg["user"], os.environ.get(cfg.get("password_env", ""), ""))
        s.send_message(msg)
