"""`ecom serve` is safe by default: real `ecom serve` processes on a free port, real HTTP.

Checks: a token is generated, kept 0600 and reused, printed in the URL and never on a command
line; GETs without it start no kernel; a foreign Host gets 403 (static files too);
/voila/templates/ is 404, not 500; kernels are capped (503 beyond) and a kernel whose page
never connects is stopped; SIGTERM, SIGHUP and SIGINT to `ecom serve` (and SIGKILL of it)
leave no Voila, no kernel and no listening port.
"""
from __future__ import annotations

import http.client
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ecomlib import demo, serve
from ecomlib.warehouse import Warehouse

psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "notebooks" / "apps"


# ----------------------------------------------------------------------------------------
# no server needed
# ----------------------------------------------------------------------------------------

@pytest.fixture
def config_home(tmp_path, monkeypatch):
    d = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(d))
    monkeypatch.delenv(serve.TOKEN_ENV, raising=False)
    monkeypatch.delenv(serve.HOSTS_ENV, raising=False)
    return d


def test_stored_token_is_generated_private_and_reused(config_home):
    t1, where = serve.resolve_token()
    f = config_home / "ecomlib" / "app_token"
    assert where == f"token file {f}"
    assert len(t1) >= 40 and t1.replace("-", "").replace("_", "").isalnum()
    assert f.stat().st_mode & 0o777 == 0o600
    assert f.parent.stat().st_mode & 0o777 == 0o700
    assert serve.resolve_token()[0] == t1  # the next start: same token, bookmarks keep working
    os.chmod(f, 0o644)
    assert serve.stored_token() == t1
    assert f.stat().st_mode & 0o777 == 0o600  # made private again


def test_token_sources_in_order(config_home, tmp_path, monkeypatch):
    stored = serve.stored_token()
    tf = tmp_path / "tok"
    tf.write_text("from-a-file\n")
    tf.chmod(0o600)
    monkeypatch.setenv(serve.TOKEN_ENV, "from-env")
    assert serve.resolve_token() == ("from-env", "$ECOMLIB_APP_TOKEN")
    assert serve.resolve_token(token_file=tf)[0] == "from-a-file"
    assert serve.resolve_token(token="explicit")[0] == "explicit"
    assert serve.resolve_token(no_token=True)[0] is None
    monkeypatch.delenv(serve.TOKEN_ENV)
    assert serve.resolve_token()[0] == stored
    with pytest.raises(ValueError):
        serve.resolve_token(token="a", no_token=True)
    tf.write_text("\n")
    with pytest.raises(ValueError):
        serve.resolve_token(token_file=tf)


@pytest.mark.parametrize("host,ok", [
    ("127.0.0.1:8866", True), ("localhost:8866", True), ("[::1]:8866", True),
    ("127.0.0.1", True), ("LOCALHOST:8866", True), ("shop.example:8866", True),
    ("shop.example", True), ("proxy.lan:443", True), ("proxy.lan:80", False),
    ("evil.example:8866", False), ("127.0.0.1:8867", False), ("127.0.0.2:8866", False),
    ("localhost.evil.example:8866", False), ("0.0.0.0:8866", False), ("", False),
    ("127.0.0.1:8866@evil", False), ("[::2]:8866", False)])
def test_host_check(host, ok):
    assert serve.host_allowed(host, 8866, ["shop.example", "proxy.lan:443"]) is ok


def test_allowed_hosts_from_option_and_environment():
    assert serve.allowed_hosts(["A.example", " "], env={serve.HOSTS_ENV: "b.example, a.example"}) \
        == ["a.example", "b.example"]
    with pytest.raises(ValueError):
        serve.allowed_hosts(["*"], env={})


def test_voila_command_and_environment_carry_no_token(tmp_path):
    cmd = serve.voila_command(APPS, 8866, "s3cret-token", 30, ["shop.example"], 3)
    assert not any("s3cret" in a for a in cmd)
    assert "--Voila.token=" not in cmd  # the token is in the private voila.json
    assert "--EcomVoila.max_kernels=3" in cmd and "--EcomVoila.allowed_hosts=shop.example" in cmd
    assert "--MappingKernelManager.cull_idle_timeout=30" in cmd
    assert "--MappingKernelManager.cull_connected=False" in cmd
    assert "--Voila.token=" in serve.voila_command(APPS, 8866, None)
    cfg = serve.voila_config_dir("s3cret-token")
    try:
        assert (cfg / "voila.json").stat().st_mode & 0o777 == 0o600
        assert cfg.stat().st_mode & 0o777 == 0o700
        env = serve.serve_env("s3cret-token", base={serve.TOKEN_ENV: "s3cret-token",
                                                    "JUPYTER_TOKEN": "x"}, config_dir=cfg)
        assert "s3cret-token" not in env.values() and "JUPYTER_TOKEN" not in env
        assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(cfg)
    finally:
        serve.shutil.rmtree(cfg)


def test_cli_options():
    from ecomlib import cli

    a = cli.build_parser().parse_args(["--warehouse", "w.duckdb", "serve", "--port", "9000",
                                       "--allow-host", "a.lan", "--allow-host", "b.lan",
                                       "--max-kernels", "2", "--cull-seconds", "10",
                                       "--token-file", "/t"])
    assert (a.warehouse, a.port, a.allow_host, a.max_kernels, a.cull_seconds, a.token_file,
            a.no_token, a.token) == ("w.duckdb", 9000, ["a.lan", "b.lan"], 2, 10, "/t", False, None)


def test_make_serve_never_puts_a_token_on_a_command_line():
    if not shutil_which("make"):
        pytest.skip("no make")
    out = subprocess.run(["make", "-n", "serve", "PORT=9000", "TOKEN_FILE=/tmp/t", "HOSTS=a.lan"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "serve --port 9000" in out and "--token-file /tmp/t" in out and "--allow-host a.lan" in out
    assert "--token " not in out
    bad = subprocess.run(["make", "-n", "serve", "TOKEN=abc"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode != 0 and "TOKEN_FILE" in bad.stderr


def shutil_which(name):
    import shutil
    return shutil.which(name)


# ----------------------------------------------------------------------------------------
# real servers
# ----------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    """Nothing accepts on ``port``. A connect to a free port in the ephemeral range can
    connect the socket to itself (TCP simultaneous open, when the system picks that port
    as its source): that is a free port too."""
    with socket.socket() as s:
        try:
            s.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return True
        return s.getsockname() == s.getpeername()


def _get(port: int, path: str, host: str | None = None, token: str | None = None,
         timeout: float = 120) -> tuple[int, dict, str]:
    """Status, headers and body of one GET (no redirects followed)."""
    if token:
        path += ("&" if "?" in path else "?") + "token=" + token
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Host": host} if host else {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")
    finally:
        c.close()


class Server:
    """``ecom serve`` as a child process, its printed URL, its processes."""

    def __init__(self, tmp: Path, warehouse: Path, *args: str, env: dict | None = None):
        self.port = _free_port()
        self.stderr_path = tmp / f"serve-{self.port}.err"
        ecom = Path(sys.executable).with_name("ecom")
        exe = [str(ecom)] if ecom.exists() else [sys.executable, "-m", "ecomlib.cli"]
        self.env = {**os.environ, "XDG_CONFIG_HOME": str(tmp / "config"), **(env or {})}
        if not (env and serve.TOKEN_ENV in env):
            self.env.pop(serve.TOKEN_ENV, None)
        self.env.pop(serve.HOSTS_ENV, None)
        self.cmd = [*exe, "--warehouse", str(warehouse), "serve", "--port", str(self.port),
                    "--apps-dir", str(APPS), *args]
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, text=True,
                                     stdout=subprocess.PIPE,
                                     stderr=open(self.stderr_path, "w"))
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._url_line()
        self.token = self.url.split("?token=", 1)[1] if "?token=" in self.url else None
        self._wait_ready()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)

    def _url_line(self) -> str:
        try:
            line = self.lines.get(timeout=30)
        except queue.Empty:
            raise AssertionError(f"no URL printed; stderr: {self.stderr()}") from None
        assert line.startswith("serving ") and " at http://127.0.0.1:" in line, line
        return line.split(" at ", 1)[1].strip()

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"ecom serve exited: {self.stderr()}"
            try:
                if _get(self.port, "/voila/static/voila.js", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not ready in 60 s: {self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-3000:]

    def processes(self) -> list:
        try:
            return [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kernels(self) -> list:
        out = []
        for p in self.processes():
            try:
                if "ipykernel" in " ".join(p.cmdline()):
                    out.append(p)
            except psutil.Error:
                pass
        return out

    def wait_kernels(self, n: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while len(self.kernels()) != n and time.monotonic() < deadline:
            time.sleep(0.5)
        return len(self.kernels())

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                for p in reversed(self.processes()):
                    p.kill()


def _alive(procs) -> list:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    demo.write_demo(root / "demo", demo.DemoConfig(members=300, skus=30), layout="exports")
    path = root / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.ingest([root / "demo"], context={}, progress=False)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, warehouse):
    s = Server(tmp_path_factory.mktemp("srv"), warehouse, "--max-kernels", "2",
               "--cull-seconds", "6")
    try:
        yield s
    finally:
        s.close()


@pytest.mark.slow
def test_default_token_is_printed_stored_and_off_the_command_lines(server):
    assert server.token and len(server.token) >= 40
    f = Path(server.env["XDG_CONFIG_HOME"]) / "ecomlib" / "app_token"
    assert f.read_text().strip() == server.token
    assert f.stat().st_mode & 0o777 == 0o600
    for p in server.processes():
        assert server.token not in " ".join(p.cmdline()), p.cmdline()
        assert server.token not in p.environ().get(serve.TOKEN_ENV, "")
    assert server.token not in server.stderr()  # printed once, on stdout
    voila = [p for p in server.processes() if "voila_main" in " ".join(p.cmdline())]
    assert len(voila) == 1
    cfg = Path(voila[0].environ()[serve.CONFIG_DIR_ENV])  # the private voila.json's folder:
    assert cfg.name.startswith(serve.CONFIG_DIR_PREFIX) and not cfg.exists()  # read, then removed
    assert _get(server.port, "/", token=server.token)[0] == 200


@pytest.mark.slow
def test_gets_without_the_token_start_no_kernel(server):
    assert server.kernels() == []
    for i in range(11):
        for path in ("/voila/render/explorer.ipynb", "/voila/render/big_screen.ipynb"):
            status, headers, body = _get(server.port, path + ("?x=%d" % i if i % 2 else ""))
            assert status in (302, 403), (path, status)
            assert "ecom-" not in body
    assert _get(server.port, "/voila/render/explorer.ipynb", token="wrong-token")[0] in (302, 403)
    time.sleep(1)
    assert server.kernels() == [], "a GET without the token started a kernel"


@pytest.mark.slow
def test_a_foreign_host_gets_403(server):
    p = server.port
    for host in (f"evil.example:{p}", "evil.example", f"127.0.0.1.nip.io:{p}", f"localhost:{p + 1}"):
        for path in ("/", "/voila/render/explorer.ipynb", "/voila/static/voila.js", "/login",
                     "/voila/tree/", "/voila/api/contents/"):
            status, _, body = _get(p, path, host=host, token=server.token)
            assert status == 403, (host, path, status)
            assert "ecom-" not in body
    assert server.kernels() == []
    for host in (f"127.0.0.1:{p}", f"localhost:{p}", f"[::1]:{p}"):
        assert _get(p, "/", host=host, token=server.token)[0] == 200, host


@pytest.mark.slow
def test_templates_route_is_not_a_500(server):
    for path in ("/voila/templates/", "/voila/templates/lab", "/voila/templates/lab/",
                 "/voila/templates/lab/static/", "/voila/templates/lab/x/y.js",
                 "/voila/templates/nope/static/a.js",
                 "/voila/templates/lab/static/../../../../../etc/passwd"):
        for token in (None, server.token):
            assert _get(server.port, path, token=token)[0] in (403, 404), path
    assert _get(server.port, "/voila/templates/lab/static/voila.js")[0] == 200


@pytest.mark.slow
def test_kernels_are_capped_and_unconnected_ones_culled(server):
    assert server.wait_kernels(0, 20) == 0
    for _ in range(2):
        status, _, body = _get(server.port, "/voila/render/explorer.ipynb", token=server.token)
        assert status == 200 and "widget-view+json" in body, body[-2000:]
    assert len(server.kernels()) == 2
    status, _, body = _get(server.port, "/voila/render/big_screen.ipynb", token=server.token)
    assert status == 503 and "Too many open app pages" in body
    assert "Traceback" not in body
    assert len(server.kernels()) == 2
    # nobody connects to these pages: culled after --cull-seconds 6 (checked every 2 s)
    t0 = time.monotonic()
    assert server.wait_kernels(0, 30) == 0, server.stderr()
    assert time.monotonic() - t0 < 20
    status, _, body = _get(server.port, "/voila/render/big_screen.ipynb", token=server.token)
    assert status == 200 and "widget-view+json" in body  # room again


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGHUP", "SIGINT", "SIGKILL"])
def test_stop_signal_leaves_no_process_and_no_port(tmp_path, warehouse, sig):
    s = Server(tmp_path, warehouse, env={serve.TOKEN_ENV: "stop-test-token"})
    try:
        assert s.token == "stop-test-token"
        status, _, _ = _get(s.port, "/voila/render/explorer.ipynb", token=s.token)
        assert status == 200
        procs = s.processes()[1:]  # Voila and its kernel(s)
        assert len(procs) >= 2 and any("ipykernel" in " ".join(p.cmdline()) for p in procs)
        t0 = time.monotonic()
        s.proc.send_signal(sig)
        s.proc.wait(40)
        deadline = time.monotonic() + 10  # SIGKILL: Voila gets SIGTERM from the kernel, then stops
        while _alive(procs) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _alive(procs) == [], [p.cmdline()[:3] for p in _alive(procs)]
        assert _port_free(s.port)
        assert time.monotonic() - t0 < 30
        if sig != signal.SIGKILL:
            assert s.proc.returncode == 0
            assert "stopping voila and its kernels" in s.stderr()
    finally:
        s.close()
