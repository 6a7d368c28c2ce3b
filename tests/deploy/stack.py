"""The compose stack under podman for the deploy test: base image, image builds, up, health, down.

Everything runs as the podman CLI and podman-compose would for an operator; nothing is mocked.
The Debian base root filesystem is cached between runs (DEPLOY_CACHE) and images are rebuilt
from podman's layer cache, so a second run only rebuilds what changed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CONF = HERE / "containers.conf"
BASE_IMAGE = "localhost/cohortcv-base:bookworm"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cohortcv-deploy"
ROOTFS = CACHE / "bookworm-minbase.tar"
# Image name compose uses for the producer image (docker-compose.yml), and the test's stand-ins.
PRODUCER_IMAGE = "localhost/cohortcv-producer:local"
STAND_INS = ("redis", "postgres", "prometheus")
BUILD_S = 1200.0


def podman_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(CONF)}


def compose_cli() -> list[str] | None:
    """podman-compose from this venv (the test extra) or PATH; None without one."""
    here = Path(sys.executable).with_name("podman-compose")
    if here.exists():
        return [str(here)]
    found = shutil.which("podman-compose")
    return [found] if found else None


def why_not() -> str | None:
    """Why this machine cannot run the deploy test, or None when it can."""
    for tool in ("podman", "mmdebstrap"):
        if not shutil.which(tool):
            return f"{tool} is not installed (apt-get install podman runc mmdebstrap netavark aardvark-dns)"
    if compose_cli() is None:
        return "podman-compose is not installed (pip install 'cohortcv[test]')"
    probe = subprocess.run(
        ["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"],
        env=podman_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if probe.returncode != 0:
        return f"podman cannot start here: {probe.stderr.strip()[-300:]}"
    return None


def why_no_container() -> str | None:
    """why_not(), then a real container on the base image (building it when missing)."""
    reason = why_not()
    if reason:
        return reason
    try:
        base_image()
    except (AssertionError, subprocess.TimeoutExpired) as exc:
        return f"no Debian base image (mmdebstrap or podman import failed): {str(exc)[-400:]}"
    probe = run(["podman", "run", "--rm", "--network", "none", BASE_IMAGE, "true"], check=False)
    if probe.returncode != 0:
        return f"podman cannot run a container here: {probe.stderr.strip()[-400:]}"
    return None


def run(
    argv: Sequence[str], timeout: float = 120.0, check: bool = True, **kw: Any
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(argv), env=kw.pop("env", podman_env()), capture_output=True, text=True,
        timeout=timeout, **kw,
    )  # fmt: skip
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} -> {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done


def base_image() -> None:
    """localhost/cohortcv-base:bookworm from a cached `mmdebstrap --variant=minbase` tarball."""
    if run(["podman", "image", "exists", BASE_IMAGE], check=False).returncode == 0:
        return
    if not ROOTFS.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        part = ROOTFS.with_name("partial-" + ROOTFS.name)  # mmdebstrap picks tar from the suffix
        run(["mmdebstrap", "--quiet", "--variant=minbase", "--include=ca-certificates",
             "bookworm", str(part)], timeout=900)  # fmt: skip
        part.rename(ROOTFS)
    run(["podman", "import", str(ROOTFS), BASE_IMAGE], timeout=300)


def build(dockerfile: Path, tag: str, context: Path, *args: str, host_certs: bool = False) -> None:
    """`podman build` on the local base, on the host's network. `host_certs`: the host's CA
    certificates replace the image's while it builds (pip then reaches its index the way the
    host does); not for images whose packages write there (ssl-cert)."""
    certs = ["-v", "/etc/ssl/certs:/etc/ssl/certs:ro"] if host_certs else []
    run(["podman", "build", "--network", "host", *certs,
         "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", *args, "-f", str(dockerfile), "-t", tag,
         str(context)], timeout=BUILD_S)  # fmt: skip


def build_images() -> None:
    base_image()
    build(ROOT / "deploy" / "producer.Dockerfile", PRODUCER_IMAGE, ROOT, host_certs=True)
    for name in STAND_INS:
        build(HERE / "images" / f"{name}.Dockerfile", stand_in(name), HERE / "images")


def stand_in(name: str) -> str:
    return f"localhost/cohortcv-test-{name}:bookworm"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(what: str, probe: Callable[[], T | None], timeout: float, every: float = 2.0) -> T:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            got = probe()
            if got is not None and got is not False:
                return got
            last = got
        except Exception as exc:  # a service still starting answers with errors
            last = exc
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


class Stack:
    """One compose project: docker-compose.yml plus the test's override, under podman-compose."""

    def __init__(self, project: str, template: Path, env: dict[str, str], folder: Path) -> None:
        """`template`: the override with ${NAME}s from `env` (podman-compose does not interpolate
        values tagged !override, so they are filled in here)."""
        self.project = project
        text = template.read_text(encoding="utf-8")
        for name, value in env.items():
            text = text.replace("${" + name + "}", value)
        unset = re.findall(r"\$\{DEPLOY_[A-Z_]+\}", text)
        assert not unset, f"values of the override not set: {unset}"
        self.override = folder / "compose.test.yml"
        self.override.write_text(text, encoding="utf-8")
        self.env = podman_env() | env
        cli = compose_cli()
        assert cli is not None
        self.cli = cli

    def compose(
        self, *args: str, timeout: float = 300.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        argv = [*self.cli, "-p", self.project, "-f", str(ROOT / "docker-compose.yml"),
                "-f", str(self.override), "--profile", "monitoring", *args]  # fmt: skip
        return run(argv, timeout=timeout, check=check, env=self.env, cwd=ROOT)

    def containers(self, service: str | None = None, all_: bool = False) -> list[dict[str, Any]]:
        argv = ["podman", "ps", "--format", "json", "--filter",
                f"label=io.podman.compose.project={self.project}"]  # fmt: skip
        if all_:
            argv.append("-a")
        if service:
            argv += ["--filter", f"label=com.docker.compose.service={service}"]
        return list(json.loads(run(argv).stdout or "[]"))

    def names(self, service: str) -> list[str]:
        return sorted(c["Names"][0] for c in self.containers(service))

    def healthy(self, service: str, timeout: float) -> None:
        """Run each container's own health check (no systemd here runs them on a timer)."""
        names = wait(f"{service} running", lambda: self.names(service) or None, timeout)
        for name in names:
            wait(
                f"{name} healthy",
                lambda n=name: run(["podman", "healthcheck", "run", n], check=False).returncode == 0,
                timeout, every=3.0,
            )  # fmt: skip

    def exec(
        self, service: str, *argv: str, timeout: float = 120.0
    ) -> subprocess.CompletedProcess[str]:
        return run(["podman", "exec", self.names(service)[0], *argv], timeout=timeout)

    def logs(self) -> str:
        out = []
        for c in self.containers(all_=True):
            name = c["Names"][0]
            got = run(["podman", "logs", "--tail", "40", name], check=False)
            out.append(f"--- {name} ({c.get('State')})\n{got.stdout[-2500:]}{got.stderr[-2500:]}")
        return "\n".join(out)

    def leftovers(self) -> dict[str, list[str]]:
        label = f"label=io.podman.compose.project={self.project}"
        return {
            kind: [line for line in run(argv).stdout.splitlines() if line.strip()]
            for kind, argv in {
                "containers": ["podman", "ps", "-a", "-q", "--filter", label],
                "volumes": ["podman", "volume", "ls", "-q", "--filter", label],
                "networks": ["podman", "network", "ls", "-q", "--filter", label],
                "pods": ["podman", "pod", "ls", "-q", "--filter", label],
            }.items()
        }


if __name__ == "__main__":  # `python -m tests.deploy.stack`: exit 0 when the deploy test can run
    reason = why_no_container()
    print(reason or "podman runs containers here")
    sys.exit(1 if reason else 0)
