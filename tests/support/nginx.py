"""nginx (the Debian package) in front of webchat nodes, configured from the shipped
``deploy/nginx.conf``.

Only what an operator edits is replaced, by the file's ``# EDIT`` markers: the upstream's
``server`` lines (one per node, with the shipped parameters) and the ``listen`` line. The
file goes into a small main configuration of our own (the part Debian's
``/etc/nginx/nginx.conf`` plays in production) that points the pid, logs and temp paths
into a temp dir, and nginx runs in the foreground as a child process the test can stop.
"""

from __future__ import annotations

import re
import shutil
import signal
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .services import START_TIMEOUT, _ChildProcess, free_port, port_open, wait_until

SHIPPED_CONFIG = Path(__file__).parents[2] / "deploy" / "nginx.conf"

_NODE_LINE = re.compile(r"^(\s*server\s+)(\S+)(\s[^;]*;|;)(\s*# EDIT.*)$")
_LISTEN_LINE = re.compile(r"^(\s*listen\s+)(\S+)(;\s*# EDIT.*)$")

# Where nginx writes, all inside the temp dir (the compiled-in defaults are /var/lib/nginx).
_MAIN = """\
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{
    worker_connections 1024;
}}
http {{
    log_format upstreams '$remote_addr "$request" $status upstream=$upstream_addr '
                         'upstream_status=$upstream_status';
    access_log {dir}/access.log upstreams;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/webchat.conf;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def render(config: str, nodes: Iterable[str], listen: str) -> str:
    """``config`` with its ``# EDIT`` upstream lines replaced by one line per node
    (address ``host:port``, the shipped parameters) and its ``# EDIT`` listen line's
    address by ``listen``."""
    out: list[str] = []
    node_lines = listen_lines = 0
    for line in config.splitlines():
        if node := _NODE_LINE.match(line):
            node_lines += 1
            if node_lines == 1:
                out += [f"{node[1]}{address}{node[3]}{node[4]}" for address in nodes]
        elif port := _LISTEN_LINE.match(line):
            listen_lines += 1
            out.append(f"{port[1]}{listen}{port[3]}")
        else:
            out.append(line)
    if node_lines == 0 or listen_lines != 1:
        raise ValueError(
            "deploy/nginx.conf must mark its upstream `server` lines and its one `listen` "
            f"line with `# EDIT` (found {node_lines} and {listen_lines})"
        )
    return "\n".join(out) + "\n"


class NginxProcess(_ChildProcess):
    """``nginx -g 'daemon off;'`` on ``host`` and a free port, proxying to ``nodes``.

    It has a ``url`` like a ``WebchatProcess``, so the test clients take it in a
    server's place.
    """

    name = "nginx"

    def __init__(self, nodes: Iterable[str], host: str = "127.0.0.1") -> None:
        super().__init__()
        binary = nginx_binary()
        if binary is None:
            raise FileNotFoundError("nginx is not installed (apt-get install -y nginx)")
        self.binary = binary
        self.host = host
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="webchat-nginx-"))
        # nginx's workers run as `nobody` when the master is root: let them in.
        self.dir.chmod(0o755)
        self.log_path = self.dir / "stdout.log"
        self.config_path = self.dir / "nginx.conf"
        self.config_path.write_text(_MAIN.format(dir=self.dir))
        (self.dir / "webchat.conf").write_text(
            render(SHIPPED_CONFIG.read_text(), nodes, f"{host}:{self.port}")
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def argv(self, *extra: str) -> list[str]:
        prefix = ["-p", str(self.dir), "-c", str(self.config_path), "-e", str(self.dir / "e.log")]
        return [self.binary, *prefix, *extra]

    def start(self) -> NginxProcess:
        if self.running:
            return self
        self._spawn(self.argv("-g", "daemon off;"))
        try:
            wait_until(
                lambda: not self.running or port_open(self.port, self.host),
                START_TIMEOUT,
                what=f"nginx on {self.url}",
            )
        except TimeoutError as exc:
            self.kill()
            raise RuntimeError(f"nginx did not start:\n{self.logs()}") from exc
        if not self.running:
            raise RuntimeError(f"nginx exited at start-up:\n{self.logs()}")
        return self

    def logs(self) -> str:
        parts = []
        for name in ("stdout.log", "e.log", "error.log"):
            path = self.dir / name
            if path.exists():
                parts.append(f"--- nginx {name} ---\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def access_log(self) -> list[str]:
        path = self.dir / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def stop(self) -> None:
        # SIGQUIT is nginx's graceful shutdown; SIGTERM its fast one.
        self._graceful(signal.SIGTERM)

    def __repr__(self) -> str:
        return f"<NginxProcess {self.url} running={self.running}>"
