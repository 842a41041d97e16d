"""Serve the Voila apps (notebooks/apps/) read-only on 127.0.0.1: `ecom serve` / `make serve`.

Safe by default: what the server exposes, and what it does not.

* **A token, always** (unless ``--no-token`` is asked for). It comes from, in this order:
  ``--token-file PATH`` (or ``--token T``), ``$ECOMLIB_APP_TOKEN``, else the token kept in
  ``$XDG_CONFIG_HOME/ecomlib/app_token`` (``~/.config/ecomlib/app_token``; folder 0700, file
  0600), generated with :func:`secrets.token_urlsafe` on the first start and reused after, so
  bookmarks keep working (delete the file for a new one). ``--token T`` still works but shows
  the token to everyone who runs ``ps``, so it prints a warning. The server prints its URL with
  the token once (``http://127.0.0.1:8866/?token=...``); opening it sets a cookie. A request
  without the token is redirected to the login page (302) by ``@authenticated`` *before* the
  Voila handler runs, so it starts no kernel: an ``<img src="http://127.0.0.1:8866/voila/
  render/...">`` on some web page costs nothing.
* **The token is never on a command line.** Voila 0.5 ignores ``$JUPYTER_TOKEN``; the token is
  its ``Voila.token`` setting, written to ``voila.json`` in a private temporary folder (0700,
  file 0600) put first on ``$JUPYTER_CONFIG_PATH``, which the Voila process deletes as soon
  as it has read it (and ``ecom serve`` when it stops). ``$ECOMLIB_APP_TOKEN`` is removed from
  the environment of Voila and its kernels.
* **Host header check** (against DNS rebinding): only ``127.0.0.1``, ``localhost`` and
  ``[::1]`` (without a port or with the server's port) and the names given with
  ``--allow-host NAME[:PORT]`` or ``$ECOMLIB_APP_HOSTS`` (comma-separated) are served; any
  other Host gets 403 before any handler runs, static files included (a tornado routing rule
  put in front of Voila's; jupyter_server's own ``allow_remote_access=False`` check is set too).
* **Kernels are capped and culled.** At most ``--max-kernels`` (default 4) kernels live at
  once; one more app page gets a plain 503 page instead of another ~350 MB kernel. A kernel
  whose page is not connected (never connected: a plain GET, an ``<img>``; or closed) is shut
  down after ``--cull-seconds`` (default 30) without activity (jupyter_server's culler,
  ``cull_connected=False``: a page that is open, e.g. a wall display, keeps its kernel).
* **Stopping** (Ctrl-C, SIGTERM as from ``systemctl stop``, SIGHUP when the terminal closes):
  Voila runs in its own session; ``ecom serve`` forwards the stop as SIGTERM (Voila shuts its
  kernels down), waits, then kills Voila's process group and any kernel left over as a last
  resort. If ``ecom serve`` itself is killed, Voila gets SIGTERM from the kernel
  (``PR_SET_PDEATHSIG``).
* only the apps folder is the server root (``voila <apps_dir>``), so other notebooks and the
  ``data/`` folder (the .duckdb warehouse, exports) are outside it; Voila's static-file route
  (/voila/files/...) serves only ``file_allowlist`` matches (Voila's default:
  png/jpg/gif/svg) and never .ipynb/.py, so CSV, .duckdb and notebook sources are refused
  (403/404); ``/voila/templates/<anything malformed>`` answers 404 (Voila 0.5 answers 500);
  tracebacks are never sent to viewers (``--show_tracebacks=False``); it binds 127.0.0.1
  only (put a reverse proxy with TLS in front to share it, and ``--allow-host`` its name) and
  fails on a busy port instead of silently moving (``--Voila.port_retries=0``).

The Voila process is ``python -c "...ecomlib.serve import voila_main..." <apps_dir> ...``:
Voila's own application with the Host rule, the template-route fix and the kernel cap added
(:func:`voila_main`).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterable

DEFAULT_PORT = 8866
DEFAULT_MAX_KERNELS = 4
DEFAULT_CULL_SECONDS = 30
TOKEN_ENV = "ECOMLIB_APP_TOKEN"
HOSTS_ENV = "ECOMLIB_APP_HOSTS"
TOKEN_FILE_NAME = "app_token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
CONFIG_DIR_PREFIX = "ecom-voila-"
CONFIG_DIR_ENV = "ECOMLIB_VOILA_CONFIG_DIR"  # the Voila process removes it once read
_REPO_APPS = Path(__file__).resolve().parent.parent / "notebooks" / "apps"


# ----------------------------------------------------------------------------------------
# the token
# ----------------------------------------------------------------------------------------

def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/ecomlib`` or ``~/.config/ecomlib``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ecomlib"


def default_token_file() -> Path:
    """Where the generated app token is kept: ``<config dir>/ecomlib/app_token``."""
    return config_dir() / TOKEN_FILE_NAME


def read_token_file(path: str | os.PathLike) -> str:
    """The token in ``path`` (first line, stripped); a warning when others may read it."""
    path = Path(path)
    text = path.read_text(encoding="utf-8").strip()
    token = text.splitlines()[0].strip() if text else ""
    if not token or any(c.isspace() for c in token):
        raise ValueError(f"serve: token file {path} is empty or holds more than one word")
    if path.stat().st_mode & 0o077:
        print(f"warning: token file {path} can be read by other users (chmod 600 {path})",
              file=sys.stderr)
    return token


def stored_token(path: str | os.PathLike | None = None) -> str:
    """The token kept in ``path`` (default :func:`default_token_file`), created the first time
    (``secrets.token_urlsafe(32)``, folder 0700, file 0600; two servers starting together get
    the same one). A file left readable by others is made private again."""
    path = Path(path) if path else default_token_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(32) + "\n")
            try:
                os.link(tmp, path)  # atomic: never a half-written or replaced token file
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
        print(f"warning: {path} was readable by other users; made it private (0600). "
              "Delete it to get a new token.", file=sys.stderr)
    return read_token_file(path)


def resolve_token(token: str | None = None, token_file: str | os.PathLike | None = None,
                  no_token: bool = False) -> tuple[str | None, str]:
    """``(token, where it came from)``: ``--no-token`` (None), ``--token``, ``--token-file``,
    ``$ECOMLIB_APP_TOKEN``, else the stored token (:func:`stored_token`)."""
    given = [n for n, v in (("--token", token), ("--token-file", token_file),
                            ("--no-token", no_token)) if v]
    if len(given) > 1:
        raise ValueError(f"serve: give only one of {' / '.join(given)}")
    if no_token:
        return None, "none (--no-token)"
    if token:
        return token, "--token"
    if token_file:
        return read_token_file(token_file), f"token file {token_file}"
    if os.environ.get(TOKEN_ENV, "").strip():
        return os.environ[TOKEN_ENV].strip(), f"${TOKEN_ENV}"
    path = default_token_file()
    return stored_token(path), f"token file {path}"


# ----------------------------------------------------------------------------------------
# the Host header
# ----------------------------------------------------------------------------------------

_HOST_RE = re.compile(r"(\[[0-9a-f:.]+\]|[^\s:\[\]/@]+)(?::(\d{1,5}))?")


def _split_host(value: str) -> tuple[str, int | None] | None:
    m = _HOST_RE.fullmatch((value or "").strip().lower())
    if not m:
        return None
    name = m.group(1)
    if name.startswith("["):
        name = name[1:-1]
    return name, int(m.group(2)) if m.group(2) else None


def allowed_hosts(names: Iterable[str] = (), env: dict | None = None) -> list[str]:
    """The configured extra Host names: ``names`` (``--allow-host``) and
    ``$ECOMLIB_APP_HOSTS`` (comma-separated), lower-case, validated."""
    env = os.environ if env is None else env
    out: list[str] = []
    for raw in [*names, *(env.get(HOSTS_ENV, "") or "").split(",")]:
        raw = raw.strip().lower()
        if not raw:
            continue
        if _split_host(raw) is None or raw in ("*", "0.0.0.0"):
            raise ValueError(f"serve: --allow-host {raw!r} is not a host name (NAME or NAME:PORT)")
        if raw not in out:
            out.append(raw)
    return out


def host_allowed(host: str, port: int, extra: Iterable[str] = ()) -> bool:
    """Whether a request's Host header is served: ``127.0.0.1``, ``localhost`` or ``[::1]``
    without a port or with ``port``; a configured name (any port, or exactly NAME:PORT)."""
    got = _split_host(host)
    if got is None:
        return False
    name, p = got
    if name in LOOPBACK_HOSTS:
        return p is None or p == int(port)
    for entry in extra:
        want = _split_host(entry)
        if want and want[0] == name and (want[1] is None or want[1] == p):
            return True
    return False


# ----------------------------------------------------------------------------------------
# the Voila process
# ----------------------------------------------------------------------------------------

def _child_exe() -> list[str]:
    """``python -c`` running :func:`voila_main` (this package found even when not installed)."""
    pkg_parent = str(Path(__file__).resolve().parent.parent)
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {pkg_parent!r}); "
            "from ecomlib.serve import voila_main; voila_main()"]


def voila_command(apps_dir: str | Path, port: int = DEFAULT_PORT, token: str | None = None,
                  cull_idle_seconds: int = DEFAULT_CULL_SECONDS,
                  hosts: Iterable[str] = (), max_kernels: int = DEFAULT_MAX_KERNELS) -> list[str]:
    """The Voila command line serving only ``apps_dir`` on 127.0.0.1:``port``.

    The token is not on the command line (see the module docstring): :func:`voila_config_dir`
    writes it into a config file. Without a token, ``--Voila.token=`` turns authentication
    off explicitly (a token in a user's own voila.json does not silently apply).

    Kernels without a connected page are culled after ``cull_idle_seconds`` without activity
    (checked every few seconds); kernels with an open page are never culled
    (``cull_connected=False``), so a wall display keeps running.
    """
    apps_dir = Path(apps_dir)
    if not apps_dir.is_dir():
        raise FileNotFoundError(f"serve.voila_command: apps folder {apps_dir} not found; "
                                "run from the repository root or pass --apps-dir")
    if not 0 < int(port) < 65536:
        raise ValueError(f"serve.voila_command: port must be 1..65535; got {port}")
    if int(max_kernels) < 1:
        raise ValueError(f"serve.voila_command: max_kernels must be >= 1; got {max_kernels}")
    if int(cull_idle_seconds) < 1:
        raise ValueError(f"serve.voila_command: cull seconds must be >= 1; got {cull_idle_seconds}")
    cull = int(cull_idle_seconds)
    cmd = [*_child_exe(), str(apps_dir), "--no-browser", "--Voila.ip=127.0.0.1",
           f"--port={int(port)}", "--Voila.port_retries=0", "--show_tracebacks=False",
           "--Voila.open_browser=False",
           f"--EcomVoila.max_kernels={int(max_kernels)}",
           f"--MappingKernelManager.cull_idle_timeout={cull}",
           f"--MappingKernelManager.cull_interval={max(1, min(10, cull // 3))}",
           "--MappingKernelManager.cull_connected=False",
           "--MappingKernelManager.cull_busy=False"]
    cmd += [f"--EcomVoila.allowed_hosts={h}" for h in hosts]
    if not token:
        cmd.append("--Voila.token=")
    return cmd


def voila_config_dir(token: str | None) -> Path:
    """A new private temporary folder (0700) holding ``voila.json`` (0600), with
    ``{"Voila": {"token": token}}`` when there is a token. The caller removes it when the
    server stops (:func:`stop` does)."""
    d = Path(tempfile.mkdtemp(prefix=CONFIG_DIR_PREFIX))
    fd = os.open(d / "voila.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"Voila": {"token": token}} if token else {}, fh)
    return d


def token_config_dir(token: str) -> Path:
    """:func:`voila_config_dir` with a token (kept for callers of the earlier name)."""
    return voila_config_dir(token)


def serve_env(token: str | None = None, warehouse: str | Path | None = None,
              base: dict | None = None, config_dir: str | Path | None = None) -> dict:
    """Environment of the Voila process: ``config_dir`` (from :func:`voila_config_dir`) first
    on ``JUPYTER_CONFIG_PATH``; ``ECOMLIB_WAREHOUSE`` when given (absolute);
    ``JUPYTER_TOKEN``, ``ECOMLIB_APP_TOKEN`` and ``MPLBACKEND`` removed."""
    env = dict(os.environ if base is None else base)
    for k in ("JUPYTER_TOKEN", TOKEN_ENV, "MPLBACKEND"):
        env.pop(k, None)
    if token and config_dir is None:
        raise ValueError("serve.serve_env: a token needs config_dir=voila_config_dir(token)")
    if config_dir is not None:
        rest = env.get("JUPYTER_CONFIG_PATH", "")
        env["JUPYTER_CONFIG_PATH"] = str(config_dir) + (os.pathsep + rest if rest else "")
        env[CONFIG_DIR_ENV] = str(config_dir)
    if warehouse:
        env["ECOMLIB_WAREHOUSE"] = str(Path(warehouse).resolve())
    return env


def default_apps_dir() -> Path:
    """``notebooks/apps`` of the current folder, else of this repository."""
    here = Path("notebooks/apps")
    return here if here.is_dir() else _REPO_APPS


def _die_with_parent() -> None:  # runs in the child between fork and exec (Linux only)
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def serve(apps_dir: str | Path | None = None, port: int = DEFAULT_PORT,
          token: str | None = None, warehouse: str | Path | None = None,
          wait: bool = True, env: dict | None = None,
          cull_idle_seconds: int = DEFAULT_CULL_SECONDS, *,
          token_file: str | os.PathLike | None = None, no_token: bool = False,
          allow_hosts: Iterable[str] = (), max_kernels: int = DEFAULT_MAX_KERNELS,
          ) -> subprocess.Popen | int:
    """Start Voila (see :func:`voila_command`) with the token of :func:`resolve_token`.

    Prints the URL (with the token) once on stdout. With ``wait`` (the CLI) it runs until
    Voila exits or a stop signal (SIGINT, SIGTERM, SIGHUP) arrives, stops Voila and its
    kernels and returns the exit code (0 after a requested stop). Otherwise the running
    :class:`subprocess.Popen` is returned (stop it with :func:`stop`; ``proc.token`` and
    ``proc.url`` tell how to reach it). ``env`` adds variables to the server's environment
    (e.g. ``ECOMLIB_APP_REFRESH_SECONDS``).
    """
    apps_dir = Path(apps_dir) if apps_dir is not None else default_apps_dir()
    tok, source = resolve_token(token, token_file, no_token)
    hosts = allowed_hosts(allow_hosts)
    cmd = voila_command(apps_dir, port, tok, cull_idle_seconds, hosts, max_kernels)
    cfg = voila_config_dir(tok)
    child_env = {**serve_env(tok, warehouse, config_dir=cfg), **(env or {})}
    url = f"http://127.0.0.1:{int(port)}/" + (f"?token={tok}" if tok else "")
    print(f"serving {apps_dir} at {url}", flush=True)
    print(f"  token: {source}; allowed hosts: 127.0.0.1, localhost, [::1]"
          + "".join(f", {h}" for h in hosts)
          + f"; at most {int(max_kernels)} kernels, unconnected ones stopped after "
          f"{int(cull_idle_seconds)} s" + ("" if tok else
                                           "; WARNING: no token, any local web page can start kernels"),
          file=sys.stderr, flush=True)
    kwargs: dict = {"env": child_env, "start_new_session": True}
    if wait and sys.platform.startswith("linux"):
        kwargs["preexec_fn"] = _die_with_parent
    try:
        proc = subprocess.Popen(cmd, **kwargs)
    except BaseException:
        shutil.rmtree(cfg, ignore_errors=True)
        raise
    proc.config_dir = cfg  # type: ignore[attr-defined]  # removed by stop(proc)
    proc.token = tok  # type: ignore[attr-defined]
    proc.url = url  # type: ignore[attr-defined]
    if not wait:
        return proc
    return _run_until_stopped(proc)


class _StopSignal(Exception):
    pass


def _raise_stop(signum, frame):
    raise _StopSignal(signum)


def _run_until_stopped(proc: subprocess.Popen) -> int:
    """Wait for ``proc``; SIGINT/SIGTERM/SIGHUP stop it (and its kernels) the same way."""
    stop_signals = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    main = threading.current_thread() is threading.main_thread()
    old = {s: signal.signal(s, _raise_stop) for s in stop_signals} if main else {}
    if main:  # SIGINT stops too, even when started with SIGINT ignored (`cmd &` in a script)
        old[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    tracked = _Descendants(proc.pid)
    try:
        while True:
            try:
                rc = proc.wait(timeout=2)
                break
            except subprocess.TimeoutExpired:
                tracked.update()
        print(f"voila exited with {rc}", file=sys.stderr)
        stop(proc, tracked=tracked)
        return rc
    except (KeyboardInterrupt, _StopSignal) as e:
        if main:  # a second signal must not interrupt the clean-up
            for s in (*stop_signals, signal.SIGINT):
                signal.signal(s, signal.SIG_IGN)
        name = "SIGINT" if isinstance(e, KeyboardInterrupt) else signal.Signals(e.args[0]).name
        print(f"{name}: stopping voila and its kernels", file=sys.stderr, flush=True)
        stop(proc, tracked=tracked)
        return 0
    finally:
        if proc.poll() is None or getattr(proc, "config_dir", None):
            stop(proc, tracked=tracked)
        if main:
            for s, h in old.items():
                signal.signal(s, h)


class _Descendants:
    """The processes below ``pid`` (Voila's kernels), remembered so they can be reaped even
    after Voila is gone (they are in sessions of their own). psutil comes with ipykernel."""

    def __init__(self, pid: int):
        self.pid = pid
        self.procs: dict[int, object] = {}
        self.update()

    def update(self) -> None:
        try:
            import psutil
            for p in psutil.Process(self.pid).children(recursive=True):
                self.procs.setdefault(p.pid, p)
        except Exception:  # gone already, or no psutil
            pass

    def reap(self, timeout: float = 5) -> None:
        try:
            import psutil
        except ImportError:
            return
        alive = [p for p in self.procs.values() if p.is_running()]  # type: ignore[attr-defined]
        for p in alive:
            try:
                p.terminate()  # type: ignore[attr-defined]
            except psutil.Error:
                pass
        _, alive = psutil.wait_procs(alive, timeout=timeout)
        for p in alive:
            try:
                p.kill()  # type: ignore[attr-defined]
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=timeout)


def stop(proc: subprocess.Popen, timeout: float = 15, tracked: _Descendants | None = None) -> int:
    """Stop a server started by :func:`serve`: SIGTERM (Voila shuts its kernels down), wait up
    to ``timeout``, then SIGKILL its process group; any kernel still running after that is
    terminated too. Removes the private config folder. Returns Voila's exit code."""
    tracked = tracked or _Descendants(proc.pid)
    if proc.poll() is None:
        tracked.update()
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            tracked.update()
            time.sleep(0.1)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.wait()
    tracked.reap()
    cfg = getattr(proc, "config_dir", None)
    if cfg:
        shutil.rmtree(cfg, ignore_errors=True)
        proc.config_dir = None  # type: ignore[attr-defined]
    return proc.returncode


# ----------------------------------------------------------------------------------------
# inside the Voila process
# ----------------------------------------------------------------------------------------

def _ecom_voila_class():
    """Voila's application with: the Host rule, a 404 for malformed /voila/templates/ paths,
    the kernel cap, no voila.json from the current folder, no token in the log."""
    import tornado.web
    from jupyter_core.paths import jupyter_config_path
    from tornado.routing import Matcher, Rule
    from traitlets import Int, List, Unicode, default
    from voila.app import Voila
    from voila.static_file_handler import TemplateStaticFileHandler

    class Refuse(tornado.web.RequestHandler):
        def initialize(self, status: int, text: str):
            self._refuse = (status, text)

        def prepare(self):
            status, text = self._refuse
            self.set_status(status)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(text + "\n")

    class ForeignHost(Matcher):
        def __init__(self, port: int, extra: list[str]):
            self.port, self.extra = port, extra

        def match(self, request):
            return None if host_allowed(request.host, self.port, self.extra) else {}

    class TemplateStatic(TemplateStaticFileHandler):
        """Voila's handler answers 500 for ``/voila/templates/`` and anything not shaped
        ``<template>/static/<file>``; those are 404 here."""

        def parse_url_path(self, path):
            parts = path.split("/", 2)
            if (len(parts) != 3 or parts[1] != "static" or not parts[2]
                    or not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*", parts[0])
                    or ".." in parts[2].replace("\\", "/").split("/")):
                raise tornado.web.HTTPError(404)
            try:
                return super().parse_url_path(path)
            except (ValueError, AssertionError):
                raise tornado.web.HTTPError(404) from None

    def capped(base, limit: int):
        class CappedKernelManager(base):
            """No new kernel beyond ``limit`` live ones (counting those being started)."""
            _ecom_starting = 0

            async def start_kernel(self, **kwargs):
                live = len(self.list_kernel_ids()) + self._ecom_starting
                if live >= limit:
                    self.log.warning("refusing a new kernel: %s kernels live (--max-kernels %s)",
                                     live, limit)
                    raise tornado.web.HTTPError(
                        503, reason=f"Too many open app pages ({limit}); close one, or wait "
                                    "for unused ones to stop, and reload")
                self._ecom_starting += 1
                try:
                    return await super().start_kernel(**kwargs)
                finally:
                    self._ecom_starting -= 1

        CappedKernelManager.__name__ = f"Capped{base.__name__}"
        return CappedKernelManager

    class EcomVoila(Voila):
        name = "voila"
        max_kernels = Int(DEFAULT_MAX_KERNELS, config=True,
                          help="at most this many live kernels; more pages get a 503")
        allowed_hosts = List(Unicode(), config=True,
                             help="Host names served besides 127.0.0.1, localhost and [::1]")

        @default("config_file_paths")
        def _no_cwd_config(self):  # Voila also reads ./voila.json; ours comes first anyway
            return jupyter_config_path()

        def initialize(self, argv=None):
            super().initialize(argv)
            # voila.json (the token) has been read: remove the private folder now, so the
            # token is on disk only for the seconds of the start (stop() removes it too)
            cfg = os.environ.pop(CONFIG_DIR_ENV, "")
            if cfg and Path(cfg).name.startswith(CONFIG_DIR_PREFIX):
                shutil.rmtree(cfg, ignore_errors=True)
                paths = os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)
                os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(x for x in paths if x != cfg)

        @property
        def display_url(self):  # Voila logs '?token=...'; ecom serve prints the real URL
            return self.connection_url

        def init_settings(self):
            vc = self.voila_configuration
            vc.multi_kernel_manager_class = capped(vc.multi_kernel_manager_class,
                                                   int(self.max_kernels))
            settings = super().init_settings()
            settings["allow_remote_access"] = False  # jupyter_server's check_host, as well
            settings["local_hostnames"] = ["localhost", *(
                h[0] for h in map(_split_host, self.allowed_hosts) if h)]
            return settings

        def init_handlers(self):
            return [(h[0], TemplateStatic, *h[2:]) if len(h) > 1 and
                    h[1] is TemplateStaticFileHandler else h for h in super().init_handlers()]

        def listen(self):
            router = self.app.default_router
            rule = Rule(ForeignHost(int(self.port), list(self.allowed_hosts)), Refuse,
                        {"status": 403, "text": "403 Forbidden: this Host is not served "
                         "(ecom serve --allow-host NAME adds one)"})
            router.rules.insert(0, router.process_rule(rule))
            try:
                super().listen()
            except SystemExit:  # busy port: Voila exits before its own clean-up
                shutil.rmtree(self.connection_dir, ignore_errors=True)
                raise

    return EcomVoila


def voila_main(argv: list[str] | None = None) -> None:
    """The Voila process started by :func:`serve` (``voila`` arguments in ``sys.argv``)."""
    _ecom_voila_class().launch_instance(argv=sys.argv[1:] if argv is None else argv)


# ----------------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------------

def add_arguments(p, warehouse: bool = True) -> None:
    """The options of ``ecom serve`` / ``python -m ecomlib.serve`` (``--warehouse`` is
    ``ecom``'s own global option, so ``warehouse=False`` there)."""
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    p.add_argument("--token-file", metavar="PATH",
                   help="read the token from this file (default: $ECOMLIB_APP_TOKEN, else the "
                        "token kept in ~/.config/ecomlib/app_token, created on first use)")
    p.add_argument("--token", metavar="T",
                   help="use this token (visible to other users in ps: prefer --token-file "
                        "or $ECOMLIB_APP_TOKEN)")
    p.add_argument("--no-token", action="store_true",
                   help="no token at all: any web page you visit can then open the apps and "
                        "start kernels (not recommended)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME[:PORT]",
                   help="also serve requests for this Host name, e.g. a reverse proxy's "
                        f"(repeatable; also ${HOSTS_ENV}, comma-separated)")
    p.add_argument("--max-kernels", type=int, default=DEFAULT_MAX_KERNELS, metavar="N",
                   help=f"at most N live app kernels (~350 MB each; default {DEFAULT_MAX_KERNELS})")
    p.add_argument("--cull-seconds", type=int, default=DEFAULT_CULL_SECONDS, metavar="S",
                   help="stop a kernel whose page is not connected after S idle seconds "
                        f"(default {DEFAULT_CULL_SECONDS})")
    p.add_argument("--apps-dir", default=None, help="default notebooks/apps")
    if warehouse:
        p.add_argument("--warehouse", default=None, help="warehouse file (default $ECOMLIB_WAREHOUSE)")


def run_args(args, warehouse: str | Path | None = None) -> int:
    """Run the server for parsed :func:`add_arguments` options."""
    wh = getattr(args, "warehouse", None) or warehouse
    if args.token:
        print("warning: a token given with --token can be read by every user of this machine "
              "(ps shows command lines); use --token-file PATH or $ECOMLIB_APP_TOKEN",
              file=sys.stderr)
    return int(serve(args.apps_dir, args.port, args.token, wh, cull_idle_seconds=args.cull_seconds,
                     token_file=args.token_file, no_token=args.no_token,
                     allow_hosts=args.allow_host, max_kernels=args.max_kernels))


def main(argv: list[str] | None = None) -> int:
    """``python -m ecomlib.serve [--port N] [--token-file PATH] [--allow-host NAME] ...``."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m ecomlib.serve", description=__doc__.splitlines()[0])
    add_arguments(p)
    a = p.parse_args(argv)
    try:
        return run_args(a)
    except (FileNotFoundError, ValueError) as e:
        print(f"ecom serve: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
