"""The deployment files agree with the code: compose services, env names, CLI commands, images.

Static checks only (no Docker): docker-compose.yml and deploy/* are parsed and compared with the
settings object and with the real `cohortcv … --help` of our Typer CLI.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "env.example"
PRODUCER_DOCKERFILE = DEPLOY / "producer.Dockerfile"
CUDA_DOCKERFILE = DEPLOY / "worker-cuda.Dockerfile"
REQUIRED = (
    "redis",
    "postgres",
    "migrate",
    "producer",
    "worker-gpu",
    "worker-cpu",
    "beat",
    "flower",
    "api",
)
ENV_NAME = re.compile(r"COHORTCV_[A-Z0-9_]*[A-Z0-9]")


def _env_names(
    model: type[BaseModel] = Settings, prefix: str = "COHORTCV_"
) -> tuple[set[str], set[str]]:
    """(leaf settings, nested groups) as environment variable names, walked from the model."""
    leaves: set[str] = set()
    groups: set[str] = set()
    for name, info in model.model_fields.items():
        var = prefix + name.upper()
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            groups.add(var)
            sub_leaves, sub_groups = _env_names(ann, var + "__")
            leaves |= sub_leaves
            groups |= sub_groups
        else:
            leaves.add(var)
    return leaves, groups


LEAVES, GROUPS = _env_names()


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


@functools.cache
def _help(path: tuple[str, ...]) -> tuple[int, str]:
    """`cohortcv PATH --help`, wide and without colour so option names are not wrapped."""
    env = os.environ | {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
    script = Path(sys.executable).with_name("cohortcv")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "producer.cli.main"]
    result = subprocess.run(
        [*cli, *path, "--help"],
        capture_output=True, text=True, env=env, timeout=60, cwd=ROOT,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def _check_cli(argv: list[str]) -> None:
    """argv is `cohortcv SUB [SUB…] [ARGS/OPTIONS]` with real subcommands and options."""
    assert argv and argv[0] == "cohortcv", f"command must start with cohortcv: {argv}"
    path: list[str] = []
    rest = argv[1:]
    text = ""
    while rest and not rest[0].startswith("-"):
        rc, out = _help((*path, rest[0]))
        usage = re.escape(" ".join([*path, rest[0]]))
        if rc != 0 or not re.search(rf"Usage: \S*(cohortcv|producer\.cli\.main) {usage} \[", out):
            break  # a positional argument, not a subcommand
        path.append(rest.pop(0))
        text = out
        if "Commands" not in out:
            break  # a leaf command
    assert path, f"no cohortcv subcommand in {argv}"
    assert "Commands" not in text, f"`cohortcv {' '.join(path)}` is a group, not a command"
    for token in rest:
        if token.startswith("-"):
            option = token.split("=", 1)[0]
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), (
                f"`cohortcv {' '.join(path)}` has no option {option}"
            )


# --- services ---------------------------------------------------------------------------------


def test_required_services_are_present(services: dict[str, Any]) -> None:
    missing = [s for s in REQUIRED if s not in services]
    assert not missing, f"docker-compose.yml lacks {missing}"


@pytest.mark.parametrize("name", [s for s in REQUIRED if s not in ("redis", "postgres")])
def test_service_runs_a_real_cohortcv_command(services: dict[str, Any], name: str) -> None:
    _check_cli(_argv(services[name]["command"]))


def test_documented_one_off_submit_is_a_real_command() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    match = re.search(r"docker compose run (?:--rm )?producer (cohortcv submit \S+)", text)
    assert match, "docker-compose.yml documents `docker compose run producer cohortcv submit …`"
    _check_cli(shlex.split(match.group(1)))


def test_redis_keeps_messages(services: dict[str, Any]) -> None:
    redis = services["redis"]
    assert str(redis["image"]).startswith("redis:7")
    argv = _argv(redis["command"])
    assert argv[argv.index("--appendonly") + 1] == "yes"
    assert argv[argv.index("--maxmemory-policy") + 1] == "noeviction"
    assert "healthcheck" in redis


def test_postgres_has_healthcheck_and_volume(services: dict[str, Any]) -> None:
    pg = services["postgres"]
    assert str(pg["image"]).startswith("postgres:16")
    assert "pg_isready" in " ".join(_argv(pg["healthcheck"]["test"]))
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in pg["volumes"])


def test_migrate_runs_once_after_postgres(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    assert _argv(migrate["command"]) == ["cohortcv", "db", "upgrade"]
    assert migrate.get("restart", "no") == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("worker-gpu", "worker-cpu", "beat", "producer"):
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )


def _gpu_services(services: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in services.items()
        if svc.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices")
    }


def test_gpu_worker_owns_one_gpu_with_one_process(services: dict[str, Any]) -> None:
    gpu = services["worker-gpu"]
    argv = _argv(gpu["command"])
    concurrency = next(argv[i + 1] for i, a in enumerate(argv) if a in ("--concurrency", "-c"))
    assert concurrency == "1"
    assert argv[argv.index("--queues") + 1] == "generate"
    assert argv[argv.index("--device") + 1] == "cuda:0"
    # The GPU worker writes with the model: without --writer it would run the template writer.
    assert argv[argv.index("--writer") + 1] == "llm"
    assert gpu["build"]["dockerfile"] == "deploy/worker-cuda.Dockerfile"


def test_each_gpu_service_reserves_its_own_device_by_id(services: dict[str, Any]) -> None:
    """`count: 1` in two services may hand both the same GPU: each names its device."""
    gpus = _gpu_services(services)
    assert "worker-gpu" in gpus
    claimed: list[str] = []
    for name, svc in gpus.items():
        devices = svc["deploy"]["resources"]["reservations"]["devices"]
        assert len(devices) == 1, name
        assert "count" not in devices[0], name
        assert devices[0]["driver"] == "nvidia" and devices[0]["capabilities"] == ["gpu"]
        assert len(devices[0]["device_ids"]) == 1, f"{name}: one GPU per service"
        claimed += devices[0]["device_ids"]
    assert len(claimed) == len(set(claimed)), f"two services reserve one GPU: {claimed}"


def test_gpu_worker_reads_models_offline_from_a_volume(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    text = CUDA_DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"HF_HUB_OFFLINE=1", text) and re.search(r"TRANSFORMERS_OFFLINE=1", text)
    home = re.search(r"HF_HOME=(\S+)", text)
    assert home, "the image sets where models are cached"
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in services["worker-gpu"]["volumes"]}
    assert home.group(1) in mounts, "the model cache is a volume, kept across restarts"
    assert mounts[home.group(1)] in compose["volumes"]
    cmd = re.search(r"^CMD (\[.*\])", text, re.M)
    assert cmd and "--writer" in cmd.group(1) and '"llm"' in cmd.group(1)


def _installed(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name).split("+")[0]
    except PackageNotFoundError:
        pytest.skip(f"{name} is not installed here: nothing to compare the pin with")


@pytest.mark.parametrize(
    ("arg", "package"), [("TORCH_VERSION", "torch"), ("TRANSFORMERS_VERSION", "transformers")]
)
def test_gpu_image_pins_the_versions_the_tests_run(arg: str, package: str) -> None:
    pinned = re.search(rf"^ARG {arg}=(\S+)$", CUDA_DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert pinned, f"{arg} is pinned in the GPU image"
    assert pinned.group(1) == _installed(package)


def _grace_s(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([smh])", text))


@pytest.mark.parametrize("name", ["worker-gpu", "worker-cpu"])
def test_worker_grace_period_outlasts_the_hard_time_limit(
    services: dict[str, Any], name: str
) -> None:
    """`docker compose stop` must not SIGKILL a worker whose chunk may still finish in time."""
    hard = Settings().worker.hard_time_limit_s
    assert _grace_s(str(services[name]["stop_grace_period"])) >= hard + 30


def test_cpu_worker_takes_template_writes_render_and_control_without_torch(
    services: dict[str, Any],
) -> None:
    from shared.tasks import CPU_QUEUES, ROUTES, write_task

    cpu = services["worker-cpu"]
    argv = _argv(cpu["command"])
    queues = set(argv[argv.index("--queues") + 1].split(","))
    assert queues == set(CPU_QUEUES)
    # A host without a GPU (worker-gpu not running) still runs template batches to the end.
    assert ROUTES[write_task("template")]["queue"] in queues
    assert ROUTES[write_task("llm")]["queue"] not in queues
    assert "--device" not in argv
    assert cpu["build"]["dockerfile"] == "deploy/producer.Dockerfile"


def test_every_queue_a_task_is_sent_to_has_a_worker_service(services: dict[str, Any]) -> None:
    from shared.tasks import ROUTES

    consumed = set()
    for name in ("worker-gpu", "worker-cpu"):
        argv = _argv(services[name]["command"])
        consumed |= set(argv[argv.index("--queues") + 1].split(","))
    assert {route["queue"] for route in ROUTES.values()} <= consumed


def test_flower_listens_on_all_interfaces_inside_but_is_published_on_loopback(
    services: dict[str, Any],
) -> None:
    flower = services["flower"]
    argv = _argv(flower["command"])
    assert argv[argv.index("--address") + 1] == "0.0.0.0"
    assert "COHORTCV_FLOWER__BASIC_AUTH" in flower["environment"]
    assert flower["ports"] == ["127.0.0.1:5555:5555"]


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR:?message}` / `${VAR:-default}` for one value (enough for our file)."""

    def sub(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        got = env.get(name, "")
        if op == ":?" and not got:
            raise ValueError(arg)
        if op == ":-" and not got:
            return _interpolate(arg, env)
        return got

    return re.sub(r"\$\{([A-Z0-9_]+)(:[?-])?((?:[^{}]|\$\{[^}]*\})*)\}", sub, value)


def _env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.partition("=")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    return {key: value for key, _, value in pairs}


def test_copying_env_example_does_not_satisfy_the_flower_guard(services: dict[str, Any]) -> None:
    """`cp deploy/env.example .env && docker compose up` must stop at Flower's credentials."""
    guard = services["flower"]["environment"]["COHORTCV_FLOWER__BASIC_AUTH"]
    example = _env_file(ENV_EXAMPLE)
    assert example["COHORTCV_FLOWER__BASIC_AUTH"] == ""
    with pytest.raises(ValueError, match="COHORTCV_FLOWER__BASIC_AUTH"):
        _interpolate(guard, example)
    chosen = example | {"COHORTCV_FLOWER__BASIC_AUTH": "ops:a-chosen-secret"}
    assert _interpolate(guard, chosen) == "ops:a-chosen-secret"


@pytest.mark.parametrize("where", ["postgres", "database_url"])
def test_postgres_password_is_required_not_defaulted(
    compose: dict[str, Any], services: dict[str, Any], where: str
) -> None:
    """Without POSTGRES_PASSWORD, compose refuses to start rather than using a known password."""
    value = (
        services["postgres"]["environment"]["POSTGRES_PASSWORD"]
        if where == "postgres"
        else compose["x-cohortcv-env"]["COHORTCV_DATABASE_URL"]
    )
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
        _interpolate(value, _env_file(ENV_EXAMPLE))
    got = _interpolate(value, {"POSTGRES_PASSWORD": "a-chosen-secret"})
    assert "a-chosen-secret" in got and "cohortcv:cohortcv@" not in got


def test_env_example_holds_no_flower_password() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert ":change-me" not in text
    assert re.search(r"^COHORTCV_FLOWER__BASIC_AUTH=$", text, re.M)


def test_published_ports_are_bound_to_loopback(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for port in service.get("ports", []):
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
            else:
                assert str(port).startswith("127.0.0.1:"), (
                    f"{name} publishes {port} on every interface"
                )


def test_dockerfiles_named_by_compose_exist(services: dict[str, Any]) -> None:
    for name, service in services.items():
        build = service.get("build")
        if build:
            assert (ROOT / build.get("context", ".") / build["dockerfile"]).is_file(), name


# --- environment names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "docker-compose.yml",
        "deploy/env.example",
        "deploy/producer.Dockerfile",
        "deploy/worker-cuda.Dockerfile",
        "docs/operations.md",
        "docs/architecture.md",
    ],
)
def test_every_cohortcv_env_name_is_a_real_setting(path: str) -> None:
    file = ROOT / path
    if not file.exists() and path.startswith("docs/"):
        pytest.skip(f"{path} not written yet")
    used = set(ENV_NAME.findall(file.read_text(encoding="utf-8")))
    unknown = sorted(used - LEAVES - GROUPS)
    assert not unknown, f"{path} uses names that are not settings: {unknown}"


def test_env_example_lists_every_setting() -> None:
    names = set(
        re.findall(r"^#? ?(COHORTCV_[A-Z0-9_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    )
    assert names == LEAVES


def test_env_example_is_the_generator_output() -> None:
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "make_env_example.py")],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert ENV_EXAMPLE.read_text(encoding="utf-8") == result.stdout, (
        "deploy/env.example is stale: "
        ".venv/bin/python deploy/make_env_example.py > deploy/env.example"
    )


def test_env_example_defaults_parse_back_to_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Setting every active line of env.example changes nothing."""
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("COHORTCV_"):
            key, _, value = line.partition("=")
            monkeypatch.setenv(key, value)
    from_file = Settings().model_dump()
    for key in [k for k in os.environ if k.startswith("COHORTCV_") and k != "COHORTCV_DATA_DIR"]:
        monkeypatch.delenv(key)
    assert from_file == Settings().model_dump()


# --- images -------------------------------------------------------------------------------------


def _pip_installs(dockerfile: Path) -> list[str]:
    text = dockerfile.read_text(encoding="utf-8").replace("\\\n", " ")
    return re.findall(r"pip install ([^&\n]+)", text)


def test_producer_image_has_no_llm_extra() -> None:
    text = PRODUCER_DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim\b", text, re.M)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    assert "fonts-noto-cjk" in text
    installs = _pip_installs(PRODUCER_DOCKERFILE)
    assert installs, "the producer image installs the project"
    for args in installs:
        assert "llm" not in args and "torch" not in args and "transformers" not in args, args


def test_cuda_worker_image_installs_the_llm_extra() -> None:
    text = CUDA_DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG BASE_IMAGE=\S+$", text, re.M)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    assert "fonts-noto-cjk" in text
    assert any(re.search(r"\.\[llm\]", args) for args in _pip_installs(CUDA_DOCKERFILE))
    # Installed with the llm extra's dependencies, not only the project.
    assert any("optional-dependencies']['llm']" in line for line in text.splitlines())


# --- Prometheus ---------------------------------------------------------------------------------


def _scrape_jobs() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    return {job["job_name"]: job for job in config["scrape_configs"]}


def test_prometheus_scrapes_worker_metrics_ports_and_flower(services: dict[str, Any]) -> None:
    jobs = _scrape_jobs()
    static = {
        (job.get("metrics_path", "/metrics"), target)
        for job in jobs.values()
        for group in job.get("static_configs", [])
        for target in group["targets"]
    }
    discovered = {
        (name, sd["port"])
        for job in jobs.values()
        for sd in job.get("dns_sd_configs", [])
        for name in sd["names"]
    }
    for name in ("worker-gpu", "worker-cpu"):
        argv = _argv(services[name]["command"])
        port = int(argv[argv.index("--metrics-port") + 1])
        assert (name, port) in discovered
    assert ("/metrics", "flower:5555") in static
    assert ("/metrics", "api:8000") in static


def test_prometheus_finds_every_replica_of_every_worker_service(services: dict[str, Any]) -> None:
    """`--scale worker-cpu=3`: a static `worker-cpu:9102` target reaches one replica of three.
    DNS service discovery (type A) returns them all; every worker service is named in it."""
    workers = {n for n, s in services.items() if "worker" in _argv(s.get("command", []))[:2]}
    assert {"worker-gpu", "worker-cpu"} <= workers
    job = _scrape_jobs()["cohortcv-workers"]
    assert "static_configs" not in job
    names = {n for sd in job["dns_sd_configs"] for n in sd["names"] if sd.get("type", "SRV") == "A"}
    assert workers <= names


# --- health checks ------------------------------------------------------------------------------


def _health_argv(svc: dict[str, Any]) -> list[str]:
    test = svc["healthcheck"]["test"]
    return _argv(test[1:]) if test[0] == "CMD" else ["sh", "-c", " ".join(test[1:])]


@pytest.mark.parametrize(
    "name",
    [
        "redis",
        "postgres",
        "worker-gpu",
        "worker-cpu",
        "beat",
        "api",
        "flower",
        "prometheus",
        "grafana",
    ],
)
def test_every_long_running_service_has_a_real_health_check(
    services: dict[str, Any], name: str
) -> None:
    svc = services[name]
    assert "healthcheck" in svc, f"{name}: no health check"
    argv = _health_argv(svc)
    if argv[:2] == ["python", "-c"]:
        compile(argv[2], f"{name} healthcheck", "exec")  # a typo would make it always unhealthy
    urls = re.findall(r"http://127\.0\.0\.1:(\d+)", " ".join(argv))
    command = _argv(svc.get("command", []))
    if "--metrics-port" in command:  # a worker: its health check reads its own metrics port
        assert urls == [command[command.index("--metrics-port") + 1]]
    for port in urls:  # a published port is the one checked inside
        published = [str(p).rsplit(":", 1)[-1] for p in svc.get("ports", [])]
        assert not published or port in published, (name, port, published)


# --- the runbook's commands ---------------------------------------------------------------------


def _doc_commands() -> list[str]:
    doc = ROOT / "docs" / "operations.md"
    if not doc.exists():
        return []
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return sorted({line.split(" #")[0].strip() for line in lines if line.startswith("cohortcv ")})


@pytest.mark.parametrize("line", _doc_commands() or ["(none)"])
def test_runbook_commands_are_real(line: str) -> None:
    if line == "(none)":
        pytest.skip("docs/operations.md not written yet")
    _check_cli(shlex.split(line))
