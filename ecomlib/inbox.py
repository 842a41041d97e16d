"""An inbox folder for exports: the seller drops the day's downloads in it, the workbench
loads each one once its size is stable, files it away, builds the marts and runs what is due.

``ecom watch DIR`` keeps watching (every ``--interval`` seconds); ``ecom watch DIR --once``
does one pass (for cron or a systemd timer). A pass:

1. lists the files directly in ``DIR`` (not in its sub-folders; hidden and Excel lock files
   ``~$...`` are left alone, and so are the settings files ``ecom.yaml`` and
   ``*.mapping.yaml``, which apply to the files beside them);
2. takes a file only when its size and modification time did not change over
   ``stable_seconds`` (a download still being written is left for the next pass);
3. loads each file on its own (``Warehouse.ingest``) and moves it to
   ``DIR/processed/<YYYY-MM-DD>/`` when it loaded (quarantined rows included: their reasons
   are in the warehouse), or to ``DIR/failed/<YYYY-MM-DD>/`` with ``<name>.reason.txt`` beside
   it saying why; a name already taken gets a ``-2``, ``-3`` ... suffix;
4. when anything loaded, builds the marts (incrementally) and, given a schedule, runs the
   reports that are due and sends the daily push (:mod:`ecomlib.runner`).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass
class PassResult:
    loaded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    build: str = ""
    reports: list = field(default_factory=list)

    def summary(self) -> str:
        return (f"inbox: {len(self.loaded)} loaded, {len(self.failed)} failed, "
                f"{len(self.waiting)} still being written" + (f"; {self.build}" if self.build else ""))


def candidates(inbox: Path) -> list[Path]:
    """Files directly in ``inbox`` that are exports to load (see the module docstring)."""
    out = []
    for f in sorted(Path(inbox).iterdir()):
        if not f.is_file() or f.name.startswith((".", "~$", ".~")):
            continue
        if f.name == "ecom.yaml" or f.name.endswith(".mapping.yaml") or \
                f.name.endswith(".reason.txt"):
            continue
        out.append(f)
    return out


def stable(files: list[Path], seconds: float, sleep=time.sleep) -> tuple[list[Path], list[Path]]:
    """``(stable, still changing)``: a file whose size and modification time are the same
    ``seconds`` apart."""
    before = {f: (f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.exists()}
    if seconds > 0 and before:
        sleep(seconds)
    ok, moving = [], []
    for f, sig in before.items():
        if f.exists() and (f.stat().st_size, f.stat().st_mtime_ns) == sig and sig[0] > 0:
            ok.append(f)
        elif f.exists():
            moving.append(f)
    return ok, moving


def _move(f: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f.name
    k = 2
    while target.exists():
        target = folder / f"{f.stem}-{k}{f.suffix}"
        k += 1
    shutil.move(str(f), str(target))
    return target


def run_pass(inbox: str | Path, warehouse: str | Path | None = None, schedule=None,
             out_root: str | Path = "reports", stable_seconds: float = 5.0,
             now: dt.datetime | None = None, sleep=time.sleep) -> PassResult:
    """One pass over the inbox (see the module docstring)."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox {inbox} is not a folder")
    now = now or dt.datetime.now(BEIJING)
    day = now.strftime("%Y-%m-%d")
    res = PassResult()
    ready, moving = stable(candidates(inbox), stable_seconds, sleep)
    res.waiting = [f.name for f in moving]
    from . import runner
    # the reports' kernels (one process imports what they need) and the HTML exporter warm
    # up on the other core while the files load and the marts build, when a batch of
    # reports will follow
    early = bool(ready) and schedule is not None and schedule.parallel > 1 and len(
        runner.due_jobs(schedule, now, Path(out_root))) > 1
    with runner.warm_batch(early):
        _load_and_run(ready, warehouse, schedule, out_root, now, day, inbox, res)
    return res


def _load_and_run(ready, warehouse, schedule, out_root, now, day, inbox: Path,
                  res: PassResult) -> None:
    from .warehouse import Warehouse
    if ready:
        with Warehouse(warehouse) as wh:
            for f in ready:
                results = wh.ingest([f], errors="record", progress=False)
                bad = [r for r in results if r.status in ("failed", "skipped")]
                good = [r for r in results if r.status == "ok"]
                if good and not [r for r in bad if r.status == "failed"]:
                    target = _move(f, inbox / "processed" / day)
                    (target.parent / f"{target.name}.result.json").write_text(json.dumps(
                        [r.as_dict() for r in results], ensure_ascii=False, indent=1),
                        encoding="utf-8")
                    res.loaded.append(f.name)
                else:
                    why = "; ".join(r.message for r in bad) or "nothing in it could be loaded"
                    target = _move(f, inbox / "failed" / day)
                    (target.parent / f"{target.name}.reason.txt").write_text(
                        why + "\n", encoding="utf-8")
                    res.failed.append((f.name, why))
            if res.loaded:
                res.build = wh.build().summary()
    if res.loaded and schedule is not None:
        from . import runner
        res.reports = runner.run_due(schedule, warehouse=warehouse, out_root=out_root,
                                     now=now)


def watch(inbox, warehouse=None, schedule=None, out_root="reports", interval: float = 60.0,
          stable_seconds: float = 5.0, stop=None, echo=print) -> None:
    """Watch the inbox until ``stop`` (a threading.Event) is set or Ctrl-C."""
    import threading
    stop = stop or threading.Event()
    while not stop.is_set():
        r = run_pass(inbox, warehouse, schedule, out_root, stable_seconds)
        if r.loaded or r.failed:
            echo(r.summary())
        stop.wait(interval)
