"""Report kernels forked from one warm process instead of each started cold.

Every report kernel used to start a Python, import ipykernel, IPython, pandas, pyarrow,
matplotlib, DuckDB and ecomlib, and only then run its first cell: about 1-1.5 CPU-s per
report before any work (5 reports: 5-7 CPU-s of a daily refresh on a 2-core machine).
:class:`Zygote` starts one process (``python -m ecomlib.kernels``, with the kernel spec's
interpreter and flags) that imports these once (:data:`PRELOAD`); a report's kernel is then a
``fork()`` of it that sets the kernel's environment, working folder and arguments and runs
ipykernel's ``IPKernelApp`` exactly as ``python -m ipykernel_launcher -f <connection file>``
would. Papermill, nbclient and the kernel protocol are unchanged: only the process start is.

* :func:`warm` is what :func:`ecomlib.runner.run_jobs` uses for a batch of reports: it starts
  the zygote when the batch's first kernel is asked for and stops it after the batch. A
  kernel asked for while the zygote still imports waits for it (:data:`READY_WAIT_S`: a cold
  start would do the same imports on the same cores); when the zygote failed, is gone,
  or the kernel command is not this interpreter's ``ipykernel_launcher``, the kernel starts
  the usual way (:func:`spawn` returns None). A single ``ecom run`` starts its kernel the
  usual way.
* Linux only (``os.fork`` and ``/proc``); elsewhere :func:`warm` does nothing.
* The zygote forks from its main thread with no other Python thread running (checked before
  it says it is ready), holds no file, connection or data of any report (it only imports
  modules), and each child starts a new session (its own process group, as a launched
  kernel does), reseeds numpy's global generator (Python's ``random`` reseeds itself after a
  fork) and watches the zygote as its parent (``IPKernelApp.parent_handle``): a kernel exits
  when the zygote does, and the zygote exits when the runner closes its pipe or dies.
* A forked kernel shows as ``python -m ecomlib.kernels`` in ``ps`` (nothing is exec'd), and
  its CPU time is not in the runner's rusage (it is the zygote's child).
* The zygote ignores SIGCHLD so that its children are reaped by the system; the runner
  follows a kernel by its pid and the start time ``/proc/<pid>/stat`` gives (a reused pid is
  another process), and signals its process group as jupyter_client does for a launched one.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

#: what the zygote imports once for every kernel it forks: the kernel itself, the libraries
#: the report notebooks use and the report modules (a module that fails to import is skipped;
#: the kernel then imports it as before)
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
    "ipykernel.debugger",  # the kernel imports it (and debugpy) when it starts: ~0.13 s each
    "IPython.core.interactiveshell", "matplotlib_inline.backend_inline",
    "numpy", "pandas", "pyarrow", "duckdb", "jinja2", "xlsxwriter",
    "matplotlib", "matplotlib.pyplot",
    "ecomlib.fmt", "ecomlib.i18n", "ecomlib.plots", "ecomlib.summary", "ecomlib.warehouse",
    "ecomlib.freshness", "ecomlib.excel",
    "ecomlib.metrics.overview_report", "ecomlib.metrics.channels_report",
    "ecomlib.metrics.finance_report", "ecomlib.metrics.finance_settings",
    "ecomlib.metrics.inventory_report", "ecomlib.metrics.members_report",
    "ecomlib.models.anomaly", "ecomlib.models.forecast_cache",
    # what the reports import when they run (at 5M: ~0.4 CPU-s a day over the kernels,
    # scipy's optimize for the members report's value models, special for inventory's
    # safety stock)
    "yaml", "scipy.special", "scipy.optimize", "ecomlib.quality", "ecomlib.alerts",
    "ecomlib.safe_html", "ecomlib.calendar_dim", "ecomlib.models.clv",
    "ecomlib.models.replenish", "ecomlib.metrics.members", "ecomlib.metrics.members_queries",
)

#: jupyter_client's ``shutdown_wait_time`` for a forked kernel (SIGTERM at half of it): a
#: forked kernel exits ~0.1 s after its shutdown request (it skips the interpreter's
#: teardown); the default 5 s let a kernel that lingers hold its report ~2.5 s more
SHUTDOWN_WAIT_S = 1.0
#: seconds :func:`spawn` waits for the zygote's answer to one fork before giving up on it
SPAWN_TIMEOUT_S = 10.0
#: seconds a kernel asked for while the zygote still imports waits for it (a cold start
#: would do the same imports beside it, on the same cores)
READY_WAIT_S = 30.0


def supported() -> bool:
    """Whether kernels can be forked here (Linux: ``os.fork`` and ``/proc``)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and Path("/proc/self").exists()


def _start_time(pid: int) -> int | None:
    """The start time (clock ticks after boot) of process ``pid``, None when there is none
    or it has exited (a zombie: a kernel whose zygote died before it is reparented, and a
    container's first process may never reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (2nd field) is in brackets and may hold spaces: count after its end
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else int(fields[19])


def launcher_parts(cmd: list[str]) -> tuple[str, list[str], list[str]] | None:
    """``(python, interpreter flags, kernel arguments)`` of a kernel command of the form
    ``python [-X...] -m ipykernel_launcher ARGS``; None for any other command."""
    if "-m" not in cmd:
        return None
    i = cmd.index("-m")
    if i < 1 or i + 1 >= len(cmd) or cmd[i + 1] != "ipykernel_launcher":
        return None
    flags = cmd[1:i]
    if not all(f.startswith("-X") for f in flags):
        return None
    return cmd[0], flags, cmd[i + 2:]


class ForkedKernel:
    """The part of :class:`subprocess.Popen` jupyter_client's local provisioner uses, for a
    kernel forked by the zygote (not a child of this process: followed by pid and start
    time; no exit status, so ``returncode`` is 0 once it is gone)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, started: int | None):
        self.pid, self._started, self.returncode = pid, started, None

    def poll(self) -> int | None:
        if self.returncode is None:
            now = _start_time(self.pid)
            if now is None or (self._started is not None and now != self._started):
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """The warm process (see the module docstring). ``Zygote(python, flags)`` starts it
    (``start=False``: at the first :meth:`spawn`, or :meth:`start`); :meth:`ready` says
    whether it has imported :data:`PRELOAD`; :meth:`spawn` forks one kernel; :meth:`close`
    stops it (the kernels it forked exit with it)."""

    def __init__(self, python: str = sys.executable, flags: list[str] | None = None,
                 cwd: str | Path | None = None, start: bool = True):
        self.python, self.flags, self.cwd = python, list(flags or []), cwd
        self._lock, self._start_lock = threading.Lock(), threading.Lock()
        self._ready = threading.Event()
        self._failed = False
        self.info: dict = {}
        self.proc: subprocess.Popen | None = None
        if start:
            self.start()

    def start(self) -> None:
        """Start the process (once; a failed start leaves kernels to start the usual way)."""
        with self._start_lock:
            if self.proc is not None or self._failed:
                return
            try:
                self.proc = subprocess.Popen(
                    [self.python, *self.flags, "-m", "ecomlib.kernels"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    cwd=str(self.cwd) if self.cwd else None, start_new_session=True)
            except OSError:
                self._failed = True
                return
            threading.Thread(target=self._wait_ready, name="zygote-ready",
                             daemon=True).start()

    def _wait_ready(self) -> None:
        try:
            line = self.proc.stdout.readline()
            self.info = json.loads(line) if line else {}
        except (OSError, ValueError):
            self.info = {}
        if self.info.get("ready"):
            self._ready.set()
        else:
            self._failed = True

    def ready(self, timeout: float = 0.0) -> bool:
        """Whether the zygote is up and forks kernels (waits up to ``timeout`` seconds)."""
        return (self.proc is not None and not self._failed and self._ready.wait(timeout)
                and self.proc.poll() is None)

    def accepts(self, cmd: list[str]) -> bool:
        """Whether a kernel command can be forked from this zygote: this interpreter, these
        flags, ``-m ipykernel_launcher``."""
        parts = launcher_parts(cmd)
        return (parts is not None and parts[1] == self.flags
                and os.path.realpath(parts[0]) == os.path.realpath(self.python))

    def spawn(self, cmd: list[str], env: dict | None = None,
              cwd: str | Path | None = None) -> ForkedKernel | None:
        """Fork a kernel for the launch command ``cmd`` with ``env`` (the whole environment)
        and ``cwd``; None (start it the usual way) when the zygote is not ready within
        :data:`READY_WAIT_S`, does not accept ``cmd`` or does not answer."""
        if not self.accepts(cmd):
            return None
        self.start()
        if not self.ready(READY_WAIT_S):
            return None
        env = dict(os.environ if env is None else env)
        # its parent, as for a launched kernel (the watching itself: _child's parent_handle)
        env["JPY_PARENT_PID"] = str(self.proc.pid)
        req = {"argv": launcher_parts(cmd)[2], "env": env,
               "cwd": str(cwd or os.getcwd())}
        with self._lock:
            try:
                self.proc.stdin.write((json.dumps(req) + "\n").encode())
                self.proc.stdin.flush()
                line = _readline(self.proc.stdout, SPAWN_TIMEOUT_S)
                got = json.loads(line) if line else {}
            except (OSError, ValueError):
                got = {}
            if not got.get("pid"):
                self._failed = True
                return None
        return ForkedKernel(int(got["pid"]), got.get("started"))

    def close(self) -> None:
        """Stop the zygote (its kernels exit with it: they watch their parent)."""
        with self._start_lock:
            self._failed = True
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def _readline(stream, timeout: float) -> bytes:
    """One line from a pipe, b"" when none comes within ``timeout`` seconds."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            return b""
        return stream.readline()
    finally:
        sel.close()


_CURRENT: Zygote | None = None


def current() -> Zygote | None:
    """The zygote of the batch being run (:func:`warm`), or None."""
    return _CURRENT


def spawn(cmd: list[str], env: dict | None = None, cwd=None) -> ForkedKernel | None:
    """A kernel forked from the current batch's zygote, or None (start it the usual way)."""
    z = _CURRENT
    return z.spawn(cmd, env, cwd) if z is not None else None


class warm:
    """``with warm(on):`` the kernels started inside fork from a zygote (when ``on``, Linux
    and the ``python3`` kernel spec is this package's ``python -m ipykernel_launcher``),
    started when the first kernel is asked for (a batch whose reports never start a kernel
    costs nothing) and stopped at the end. Never raises for a zygote that cannot start: the
    kernels then start the usual way.

    ``start=True`` starts it at once, for a caller with other work before its reports: an
    inbox pass (:func:`ecomlib.inbox.run_pass`) loads the day's exports and builds the marts
    while the zygote imports (~1 CPU-s on the other core), so the first kernels do not wait.
    A ``warm`` inside another (``run_jobs`` inside the pass) uses the outer one's zygote."""

    def __init__(self, on: bool = True, kernel_name: str = "python3", cwd=None,
                 start: bool = False):
        self.on, self.kernel_name, self.cwd, self.zygote = on, kernel_name, cwd, None
        self.start = start

    def __enter__(self):
        global _CURRENT
        if self.on and supported() and _CURRENT is None:
            try:
                from jupyter_client.kernelspec import KernelSpecManager
                argv = KernelSpecManager().get_kernel_spec(self.kernel_name).argv
                parts = launcher_parts(argv)
                if parts is not None:
                    self.zygote = Zygote(parts[0], parts[1], self.cwd, start=self.start)
                    _CURRENT = self.zygote
            except Exception:  # no kernel spec, no interpreter: the usual start
                self.zygote = None
        return self.zygote

    def __exit__(self, *exc):
        global _CURRENT
        if self.zygote is not None:
            if _CURRENT is self.zygote:
                _CURRENT = None
            self.zygote.close()
        return False


# ----------------------------------------------------------------------------------------
# the zygote process (python -m ecomlib.kernels)
# ----------------------------------------------------------------------------------------
def _child(req: dict, reply_fd: int) -> None:
    """In the forked process: become the kernel of ``req`` and exit with it."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(reply_fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        home = os.getcwd()
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        # python -m puts the working folder first on sys.path
        if sys.path and sys.path[0] == home:
            sys.path[0] = req["cwd"]
        import numpy as np
        np.random.seed()
        import ipykernel_launcher  # noqa: F401  (its file is the kernel's argv[0])
        # IPKernelApp reads JPY_PARENT_PID when ipykernel is imported (here: in the zygote,
        # without it): given as an argument, the kernel watches the zygote and exits with it
        sys.argv = [ipykernel_launcher.__file__, *req["argv"],
                    f"--IPKernelApp.parent_handle={os.getppid()}"]
        from ipykernel import kernelapp
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        try:
            import atexit
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def main() -> int:
    # answers go to the pipe that was stdout; anything printed goes to stderr
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    reply = os.fdopen(reply_fd, "w", buffering=1)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import importlib
    skipped = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:
            skipped.append(name)
    # what was imported is the kernels' for good: frozen, a kernel's full collections skip
    # it (and do not write to its pages, which the fork shares). Measured at 5M on a daily
    # increment's reports: the members kernel's collections 0.71 -> 0.19 CPU-s, the five
    # reports' 1.1 -> 0.3 CPU-s
    gc.collect()
    gc.freeze()
    if threading.active_count() != 1:  # a fork copies only this thread: refuse
        reply.write(json.dumps({"ready": False, "why": "threads"}) + "\n")
        return 1
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the system reaps the kernels
    reply.write(json.dumps({"ready": True, "pid": os.getpid(), "skipped": skipped}) + "\n")
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
        except ValueError:
            reply.write(json.dumps({"pid": None}) + "\n")
            continue
        pid = os.fork()
        if pid == 0:
            _child(req, reply_fd)
        reply.write(json.dumps({"pid": pid, "started": _start_time(pid)}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
