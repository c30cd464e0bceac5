"""Start and watch `streamlit run app.py` (one process, or several behind nginx) on 127.0.0.1 for the load benchmark.

Memory and CPU come from /proc: resident set size (VmRSS, peak VmHWM) and utime+stime of each server.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env() -> dict:
    """The environment the tests use: offline; shared MNIST and paintings when this machine has them;
    idle OpenMP threads sleep (as scripts/app.sh and the Dockerfile set it)."""
    env = dict(os.environ, CONVSCOPE_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    shared = ROOT.parent / "shared" / "data"
    if shared.is_dir():
        env.setdefault("CONVSCOPE_DATA", str(shared))
        if (shared / "styles").is_dir():
            env.setdefault("CONVSCOPE_IMAGE_DIR", str(shared / "styles"))
    return env


def wait_healthy(url: str, proc: subprocess.Popen | None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        time.sleep(0.3)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


@dataclass
class Servers:
    """One or more streamlit processes (and nginx in front when more than one); ``url`` is what clients use."""
    url: str
    procs: list[subprocess.Popen] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    proxy: subprocess.Popen | None = None
    logs: list = field(default_factory=list)
    workdir: str | None = None

    def rss_mb(self) -> float:
        return sum(_status_kb(pid, "VmRSS") for pid in self.pids) / 1024

    def peak_rss_mb(self) -> float:
        return sum(_status_kb(pid, "VmHWM") for pid in self.pids) / 1024

    def cpu_s(self) -> float:
        return sum(_cpu_ticks(pid) for pid in self.pids) / TICKS

    def stop(self) -> None:
        for p in ([self.proxy] if self.proxy else []) + self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in ([self.proxy] if self.proxy else []) + self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in self.logs:
            log.close()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError):
        return 0


def _start_streamlit(port: int, extra_args: list[str], log_dir: Path, app_dir: Path) -> tuple[subprocess.Popen, object]:
    log = open(log_dir / f"server-{port}.log", "w")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", *extra_args]
    return subprocess.Popen(cmd, cwd=app_dir, env=app_env(), stdout=log, stderr=subprocess.STDOUT), log


def start(extra_args: list[str] | None = None, *, processes: int = 1, log_dir: Path | None = None,
          app_dir: Path = ROOT) -> Servers:
    """Start ``processes`` streamlit servers from ``app_dir`` (a copy of the app, say); nginx in front of several."""
    log_dir = log_dir or (ROOT / "benchmarks" / "results" / "logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(processes)]
    servers = Servers(url=f"http://127.0.0.1:{ports[0]}")
    try:
        for port in ports:
            proc, log = _start_streamlit(port, extra_args or [], log_dir, Path(app_dir))
            servers.procs.append(proc)
            servers.pids.append(proc.pid)
            servers.logs.append(log)
        for port, proc in zip(ports, servers.procs):
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        if processes > 1:
            _start_nginx(servers, ports)
    except BaseException:
        servers.stop()
        raise
    return servers


def _start_nginx(servers: Servers, ports: list[int]) -> None:
    from proxy_conf import nginx_conf

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
    workdir = tempfile.mkdtemp(prefix="convscope-nginx-")
    listen = free_port()
    conf = Path(workdir) / "nginx.conf"
    conf.write_text(nginx_conf(listen=listen, upstream_ports=ports, workdir=workdir))
    servers.workdir = workdir
    servers.proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", workdir, "-e", f"{workdir}/error.log"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    servers.url = f"http://127.0.0.1:{listen}"
    wait_healthy(servers.url, servers.proxy, timeout=20)
