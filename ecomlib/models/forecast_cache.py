"""The forecast evaluation, kept on disk between runs: :func:`evaluate` is
:func:`ecomlib.models.forecast_select.evaluate` that reuses an earlier run's result when
every input is the same.

Why: the evaluation (every candidate backtested at ~30 origins, four fits of the pooled
model) is the inventory report's largest cost, 5-6 CPU-s at 5M order lines, and it reads
whole weeks only. The report's history is the 104 whole weeks up to the last Sunday
(:func:`ecomlib.metrics.inventory_report.history_start_default`), so a report run every
morning feeds it the same weekly panel six days of seven, and its result is yesterday's.

When a stored result is used: its key is a SHA-256 over everything the result depends on:

* the panel, the calendar and the shop totals, value by value
  (``pandas.util.hash_pandas_object`` of each column, with the column names and dtypes);
* every keyword argument of ``evaluate`` (its repr);
* the source text of the modules that compute it (``forecast``, ``forecast_methods``,
  ``forecast_select`` and this one) and the numpy, pandas and scikit-learn versions.

Any change (one unit of one SKU in one week, a late refund that moves a day's units, a
changed parameter, an upgraded library) is another key: the evaluation runs again. A
stored result is read only by its key, so it never stands in for other inputs.

What is stored: the evaluation's tables as Parquet files and its figures as JSON, in
``<folder>/forecast_eval/<key>/``, written to a temporary folder first and renamed (a
reader never sees half a result). Nothing is unpickled: a file in the folder can hold only
tables and numbers. The pooled model is not stored either: what is read of it afterwards
is its forecast from the panel's last week (``forecast_chosen`` on the same panel), and
that forecast (and the mean behind its Poisson median) is stored as a table; the returned
Evaluation's ``gbm`` is a :class:`StoredForecast` that gives it back, and refuses any
other origin. A result that cannot be read (cut off, edited) is ignored and replaced; a
folder that cannot be written leaves the run uncached. The newest ``keep`` results are
kept.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd

from . import forecast as F
from . import forecast_select as FS

log = logging.getLogger(__name__)

FORMAT = 2
SUBDIR = "forecast_eval"
#: the Evaluation's tables (each a Parquet file of the same name)
TABLES = ("rows", "choice", "intervals", "holdout", "segments_holdout", "totals_holdout")


def folder_for(warehouse) -> Path:
    """The cache folder of a warehouse file: ``.ecomlib-cache`` beside it (one per folder of
    warehouses is fine: the keys name the inputs, not the file)."""
    return Path(warehouse).resolve().parent / ".ecomlib-cache"


def _frame_digest(h, name: str, df: pd.DataFrame | None) -> None:
    h.update(f"\0{name}\0".encode())
    if df is None:
        h.update(b"None")
        return
    h.update(repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode())
    h.update(str(len(df)).encode())
    for c in df.columns:
        h.update(pd.util.hash_pandas_object(df[c], index=False).to_numpy().tobytes())


def _code_digest(h) -> None:
    # scikit-learn's version from its installed metadata: importing sklearn to read
    # sklearn.__version__ cost ~1.7 CPU-s (it pulls scipy.stats in), on every kept evaluation
    from importlib.metadata import version

    from . import forecast_methods
    for mod in (F, forecast_methods, FS):
        h.update(Path(mod.__file__).read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(f"{np.__version__} {pd.__version__} {version('scikit-learn')} {FORMAT}".encode())


def key(panel: pd.DataFrame, calendar: pd.DataFrame | None = None, **kw) -> str:
    """The SHA-256 (hex) that names the evaluation of these inputs (see the module
    docstring): frames (the panel, the calendar, ``shop_weekly``) value by value, every
    other argument by its repr."""
    h = hashlib.sha256()
    _code_digest(h)
    _frame_digest(h, "panel", panel)
    _frame_digest(h, "calendar", calendar)
    for name in sorted(kw):
        v = kw[name]
        if isinstance(v, pd.DataFrame):
            _frame_digest(h, name, v)
        else:
            h.update(f"\0{name}\0{v!r}".encode())
    return h.hexdigest()


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    raise TypeError(f"forecast_cache: {type(v).__name__} is not stored")


class StoredForecast:
    """The pooled model of a stored evaluation, as ``forecast_chosen`` reads it: its forecast
    of ``horizons`` weeks from the panel's last week (``predict(last, horizons)``; ``mean_``
    the mean behind the Poisson median, None for another loss), made by the evaluation's
    latest fit (at ``origin_``) when it was stored. ``A`` is the panel's arrays, for the
    caller's same-panel check. Any other origin or horizon raises: that needs the model."""

    def __init__(self, A, horizons: int, origin: int, forecast: np.ndarray,
                 mean: np.ndarray | None):
        self.A, self.horizons, self.origin_ = A, int(horizons), int(origin)
        self.model_ = "stored"            # (forecast_chosen reads a fit's model_ as not None)
        self._forecast, self._mean, self.mean_ = forecast, mean, None

    def predict(self, o: int, H: int) -> np.ndarray:
        last = len(self.A.weeks) - 1
        if o != last or H != self._forecast.shape[1]:
            raise ValueError(f"StoredForecast.predict: only the forecast from the last week "
                             f"({last}, {self._forecast.shape[1]} weeks) was stored; asked "
                             f"for origin {o}, {H} weeks: evaluate again without the cache")
        self.mean_ = None if self._mean is None else self._mean.copy()
        return self._forecast.copy()


def _forecast_frame(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({f"h{j + 1}": values[:, j] for j in range(values.shape[1])})


def _write(folder: Path, k: str, ev: FS.Evaluation, keep: int) -> None:
    base = folder / SUBDIR
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{k[:12]}-", dir=base))
    try:
        for name in TABLES:
            getattr(ev, name).to_parquet(tmp / f"{name}.parquet", index=False)
        g = ev.gbm
        stored = g is not None and g.model_ is not None
        if stored:  # the fit's forecast from the last week: all forecast_chosen reads of it
            f = g.predict(len(g.A.weeks) - 1, g.horizons)
            _forecast_frame(f).to_parquet(tmp / "gbm_forecast.parquet", index=False)
            if g.mean_ is not None:
                _forecast_frame(g.mean_).to_parquet(tmp / "gbm_mean.parquet", index=False)
        meta = {"format": FORMAT, "summary": ev.summary, "seconds": ev.seconds,
                "origins": {p: [t.isoformat() for t in v] for p, v in ev.origins.items()},
                "gbm_origin": g.origin_ if stored else None,
                "gbm_horizons": g.horizons if stored else None,
                "gbm_kw": ev.gbm_kw}
        (tmp / "meta.json").write_text(json.dumps(meta, default=_jsonable), encoding="utf-8")
        final = base / k
        if final.exists():
            shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    done = sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in done[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def _read(folder: Path, k: str, panel, calendar, extra_days) -> FS.Evaluation | None:
    path = folder / SUBDIR / k
    if not (path / "meta.json").is_file():
        return None
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        return None
    tables = {name: pd.read_parquet(path / f"{name}.parquet") for name in TABLES}
    gbm = None
    if meta["gbm_origin"] is not None:   # the latest fit's forecast (see the docstring)
        mean = path / "gbm_mean.parquet"
        gbm = StoredForecast(F._arrays(panel, extra_days, calendar), meta["gbm_horizons"],
                             meta["gbm_origin"],
                             pd.read_parquet(path / "gbm_forecast.parquet").to_numpy(),
                             pd.read_parquet(mean).to_numpy() if mean.exists() else None)
    origins = {p: [pd.Timestamp(t) for t in v] for p, v in meta["origins"].items()}
    os.utime(path)                       # recently used: kept by the pruning
    return FS.Evaluation(gbm=gbm, summary=meta["summary"], seconds=float(meta["seconds"]),
                         origins=origins, gbm_kw=meta["gbm_kw"], **tables)


def read_inputs(panel: pd.DataFrame, calendar: pd.DataFrame | None = None, **kw
                ) -> tuple[pd.DataFrame | None, dict]:
    """The calendar and ``shop_weekly`` cut to what the evaluation of ``panel`` reads: the
    calendar's days from the panel's first week to the end of the ``horizons``-th week after
    its last (the pooled model's targets reach that far: the last origin's forecast), the
    shop totals of the panel's weeks. A caller's calendar or shop query that spans other days
    (the inventory report's moves with every run) gives the same key, and the evaluation
    reads exactly what the key hashed. Returns ``(calendar, kw)``."""
    weeks = pd.to_datetime(panel["week_start"]) if len(panel) else None
    if weeks is None:
        return calendar, kw
    first, last = weeks.min(), weeks.max()
    if calendar is not None:
        day = pd.to_datetime(calendar["day"])
        upto = last + pd.Timedelta(weeks=kw.get("horizons", 8) + 1) - pd.Timedelta(days=1)
        calendar = calendar[(day >= first) & (day <= upto)].reset_index(drop=True)
    sw = kw.get("shop_weekly")
    if sw is not None:
        wk = pd.to_datetime(sw["week_start"])
        kw = {**kw, "shop_weekly": sw[(wk >= first) & (wk <= last)].reset_index(drop=True)}
    return calendar, kw


def evaluate(panel: pd.DataFrame, calendar: pd.DataFrame | None = None, *,
             folder: str | Path | None, keep: int = 8, **kw) -> FS.Evaluation:
    """:func:`ecomlib.models.forecast_select.evaluate` (``panel``, ``calendar`` and ``kw`` as
    there; the calendar and shop totals cut by :func:`read_inputs`), its result kept in
    ``folder`` (None: not kept) and read back when the same inputs come again. The returned
    Evaluation is the same table for table and figure for figure either way; its
    ``seconds`` is that of the run that computed it."""
    calendar, kw = read_inputs(panel, calendar, **kw)
    if folder is None:
        return FS.evaluate(panel, calendar, **kw)
    folder = Path(folder)
    t0 = time.perf_counter()
    k = key(panel, calendar, **kw)
    extra_days = kw.get("extra_days", ())
    try:
        ev = _read(folder, k, panel, calendar, extra_days)
    except Exception as e:  # noqa: BLE001 - a damaged entry is recomputed and replaced
        log.warning("forecast_cache: the stored evaluation %s could not be read (%s: %s); "
                    "evaluating again", k[:12], type(e).__name__, e)
        ev = None
    if ev is not None:
        log.info("forecast_cache: evaluation %s read in %.2f s", k[:12], time.perf_counter() - t0)
        return ev
    ev = FS.evaluate(panel, calendar, **kw)
    try:
        _write(folder, k, ev, keep)
    except OSError as e:
        log.warning("forecast_cache: could not keep the evaluation in %s (%s)", folder, e)
    return ev


assert set(TABLES) <= {f.name for f in fields(FS.Evaluation)}
