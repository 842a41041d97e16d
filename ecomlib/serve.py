"""Serve the Voila apps (notebooks/apps/) read-only on 127.0.0.1: `make serve`.

What the server exposes, and what it does not:

* only the apps folder is the server root (``voila <apps_dir>``), so other notebooks and
  the ``data/`` folder (the .duckdb warehouse, exports) are outside it;
* Voila's static-file route (/voila/files/...) serves only ``file_allowlist`` matches
  (Voila's default: png/jpg/gif/svg) and never .ipynb/.py (``file_denylist``); we pass
  neither option, so CSV, .duckdb and notebook sources are refused (403/404), which
  tests/test_apps_e2e.py checks against a running server;
* tracebacks are never sent to viewers (``--show_tracebacks=False``);
* it binds 127.0.0.1 only (put a reverse proxy with TLS in front to share it) and fails on
  a busy port instead of silently moving (``--Voila.port_retries=0``);
* optional token: with a token, every request must carry it (``?token=...`` once, which sets
  a cookie, or an ``Authorization: token ...`` header); without it the server redirects to
  its login page (302) and serves no app. Voila 0.5 ignores ``$JUPYTER_TOKEN``; the token
  is its ``Voila.token`` setting, which we write to a private (0600) ``voila.json`` in a
  temporary folder put on ``$JUPYTER_CONFIG_PATH``, so it never appears on the command
  line where ``ps`` would show it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_PORT = 8866


def _voila_exe() -> list[str]:
    """The ``voila`` of this Python's environment (falls back to ``python -m voila``)."""
    exe = Path(sys.executable).with_name("voila")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("voila")
    return [found] if found else [sys.executable, "-m", "voila"]


def voila_command(apps_dir: str | Path, port: int = DEFAULT_PORT, token: str | None = None,
                  cull_idle_seconds: int = 300) -> list[str]:
    """The Voila command line serving only ``apps_dir`` on 127.0.0.1:``port``.

    The token is not on the command line (see the module docstring): :func:`serve_env`
    writes it into a config file. Without a token, ``--Voila.token=`` turns authentication
    off explicitly (a token in a user's own voila.json does not silently apply).

    Kernels of closed pages are culled after ``cull_idle_seconds`` without activity (Voila
    0.5 does not shut them down when a tab closes, voila-dashboards/voila#1458); kernels with
    an open page are never culled (``cull_connected=False``), so a wall display keeps running.
    """
    apps_dir = Path(apps_dir)
    if not apps_dir.is_dir():
        raise FileNotFoundError(f"serve.voila_command: apps folder {apps_dir} not found; "
                                "run from the repository root or pass --apps-dir")
    if not 0 < int(port) < 65536:
        raise ValueError(f"serve.voila_command: port must be 1..65535; got {port}")
    cmd = [*_voila_exe(), str(apps_dir), "--no-browser", "--Voila.ip=127.0.0.1",
           f"--port={int(port)}", "--Voila.port_retries=0", "--show_tracebacks=False",
           "--Voila.open_browser=False",
           f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_seconds)}",
           f"--MappingKernelManager.cull_interval={max(1, min(60, int(cull_idle_seconds) // 2))}",
           "--MappingKernelManager.cull_connected=False"]
    if not token:
        cmd.append("--Voila.token=")
    return cmd


def token_config_dir(token: str) -> Path:
    """A new private temporary folder holding ``voila.json`` = {"Voila": {"token": token}}
    (folder 0700, file 0600). The caller removes it when the server stops."""
    import json
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="ecom-voila-"))
    f = d / "voila.json"
    fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"Voila": {"token": token}}, fh)
    return d


def serve_env(token: str | None = None, warehouse: str | Path | None = None,
              base: dict | None = None, config_dir: str | Path | None = None) -> dict:
    """Environment of the Voila process: with a token, ``config_dir`` (from
    :func:`token_config_dir`) first on ``JUPYTER_CONFIG_PATH``; ``ECOMLIB_WAREHOUSE`` when
    given (absolute); ``JUPYTER_TOKEN`` and ``MPLBACKEND`` removed."""
    env = dict(os.environ if base is None else base)
    env.pop("JUPYTER_TOKEN", None)
    env.pop("MPLBACKEND", None)
    if token:
        if config_dir is None:
            raise ValueError("serve.serve_env: a token needs config_dir=token_config_dir(token)")
        rest = env.get("JUPYTER_CONFIG_PATH", "")
        env["JUPYTER_CONFIG_PATH"] = str(config_dir) + (os.pathsep + rest if rest else "")
    if warehouse:
        env["ECOMLIB_WAREHOUSE"] = str(Path(warehouse).resolve())
    return env


def serve(apps_dir: str | Path = "notebooks/apps", port: int = DEFAULT_PORT,
          token: str | None = None, warehouse: str | Path | None = None,
          wait: bool = True, env: dict | None = None, cull_idle_seconds: int = 300
          ) -> subprocess.Popen | int:
    """Start Voila (see :func:`voila_command`); ``token`` defaults to ``$ECOMLIB_APP_TOKEN``.

    With ``wait`` (the CLI) it runs until interrupted and returns the exit code; otherwise
    the running :class:`subprocess.Popen` is returned (stop it with :func:`stop`). ``env``
    adds variables to the server's environment (e.g. ``ECOMLIB_APP_REFRESH_SECONDS``).
    """
    token = token if token is not None else (os.environ.get("ECOMLIB_APP_TOKEN") or None)
    cmd = voila_command(apps_dir, port, token, cull_idle_seconds)
    cfg = token_config_dir(token) if token else None
    env = {**serve_env(token, warehouse, config_dir=cfg), **(env or {})}
    url = f"http://127.0.0.1:{int(port)}/" + (f"?token={token}" if token else "")
    print(f"serving {Path(apps_dir)} at {url}" if not token else
          f"serving {Path(apps_dir)} at http://127.0.0.1:{int(port)}/ (token required: "
          "open it once with ?token=<token>)", file=sys.stderr)
    proc = subprocess.Popen(cmd, env=env)
    proc.config_dir = cfg  # type: ignore[attr-defined]  # remove with stop(proc)
    if not wait:
        return proc
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return stop(proc)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, timeout: float = 10) -> int:
    """Stop a server started by :func:`serve` (terminate, then kill) and remove its token
    config folder."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    cfg = getattr(proc, "config_dir", None)
    if cfg:
        shutil.rmtree(cfg, ignore_errors=True)
    return proc.returncode


def main(argv: list[str] | None = None) -> int:
    """``python -m ecomlib.serve [--port N] [--token T] [--warehouse PATH] [--apps-dir DIR]``."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m ecomlib.serve", description=__doc__.splitlines()[0])
    p.add_argument("--apps-dir", default="notebooks/apps")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--token", default=None, help="require this token (default $ECOMLIB_APP_TOKEN)")
    p.add_argument("--warehouse", default=None, help="warehouse file (default $ECOMLIB_WAREHOUSE)")
    a = p.parse_args(argv)
    return int(serve(a.apps_dir, a.port, a.token, a.warehouse))


if __name__ == "__main__":
    raise SystemExit(main())
