"""`cohortcv worker`, `beat` and `flower`: start the worker-side processes by module name."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from producer.cli.common import (
    ModelOpt,
    RuntimeOpt,
    WriterOpt,
    edge,
    engine_for,
)
from producer.service.options import WriterChoice, with_writer
from shared.processes import usable_cpus
from shared.settings import get_settings
from shared.tasks import ALL_QUEUES


@edge
def worker(
    queues: Annotated[
        str,
        typer.Option(
            "--queues",
            "-Q",
            help="Comma-separated: generate (model writes: GPU), write (template writes), render, "
            "control (the reconciler). A CPU worker beside GPU workers: write,render,control.",
        ),
    ] = ",".join(ALL_QUEUES),
    device: Annotated[
        str, typer.Option("--device", help="cpu, or cuda:N to serve exactly one GPU.")
    ] = "cpu",
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", "-c", help="Processes (default: 1 on a GPU, else the CPU count)."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Worker node name.")] = None,
    beat: Annotated[
        bool, typer.Option("--beat", "-B", help="Also run the reconciler schedule in this worker.")
    ] = False,
    metrics_port: Annotated[
        int,
        typer.Option("--metrics-port", help="Serve Prometheus metrics on 127.0.0.1:PORT (0: off)."),
    ] = 0,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l")] = "INFO",
    writer: WriterOpt = None,
    model: ModelOpt = None,
    runtime: RuntimeOpt = None,
) -> None:
    """Start a Celery worker with cohortcv's defaults (late acks, prefetch 1, events on).

    With --writer llm each worker process loads and warms its model before it takes a message
    and logs how long that took; if the model cannot load, the worker exits non-zero saying why.
    """
    from producer.workerproc import device_env, metrics_env, settings_env, worker_argv

    settings, _ = with_writer(get_settings(), WriterChoice(writer, model, runtime))
    settings.worker.check_time_limits()  # here, in words, not as a traceback from Celery
    # A database behind the code's schema says "run `cohortcv db upgrade`" here, before Celery
    # starts, rather than as a failed task per chunk.
    engine_for(settings).dispose()
    gpu = device.startswith("cuda")
    model_writer = settings.writer.name != "template"
    procs = concurrency or (1 if gpu or model_writer else usable_cpus())
    node = name or (f"gpu{device.split(':')[-1]}@%h" if gpu else "cpu@%h")
    env = metrics_env(
        metrics_port or settings.metrics_port,
        device_env(device, settings_env(settings)),
        settings.data_dir,
    )
    env |= {
        "COHORTCV_WRITER__NAME": settings.writer.name,
        "COHORTCV_WRITER__MODEL": settings.writer.model,
        "COHORTCV_WRITER__RUNTIME": settings.writer.runtime,
        "COHORTCV_WRITER__DEVICE": "cuda:0" if gpu else device,
        "COHORTCV_WRITER__PRELOAD": "true" if model_writer else "false",
    }
    argv = worker_argv(
        queues=[q.strip() for q in queues.split(",") if q.strip()],
        concurrency=procs, name=node, beat=beat, loglevel=loglevel,
    )  # fmt: skip
    os.execve(argv[0], argv, env)


@edge
def beat_cmd(loglevel: Annotated[str, typer.Option("--loglevel", "-l")] = "INFO") -> None:
    """Run the reconciler schedule (celery beat): re-sends jobs whose messages were lost."""
    import tempfile

    from producer.workerproc import WORKER_APP, settings_env

    settings = get_settings()
    settings.worker.check_time_limits()
    engine_for(settings).dispose()  # the reconciler reads and writes the jobs: schema first
    schedule = os.path.join(tempfile.gettempdir(), "cohortcv-beat-schedule")
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        WORKER_APP,
        "beat",
        "-l",
        loglevel,
        "-s",
        schedule,
    ]
    os.execve(argv[0], argv, settings_env(settings))


@edge
def flower(
    port: Annotated[int | None, typer.Option("--port")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
) -> None:
    """Run Flower against the same broker, with basic auth from settings (required)."""
    from producer.workerproc import WORKER_APP, settings_env

    settings = get_settings()
    # Before anything starts: Flower's API can run tasks and stop workers.
    credentials = settings.flower.credentials()
    argv = [
        sys.executable, "-m", "celery", "-A", WORKER_APP, "flower",
        f"--address={address or settings.flower.address}",
        f"--port={port or settings.flower.port}",
        "--task_runtime_metric_buckets=0.5,1,2,5,15,30,60,120,300,600,inf",
        "--purge_offline_workers=300",
    ]  # fmt: skip
    env = settings_env(settings)
    # Through the environment, not argv: a password on the command line shows in `ps`.
    env["FLOWER_BASIC_AUTH"] = credentials
    os.execve(argv[0], argv, env)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("beat")(beat_cmd)
    app.command("flower")(flower)
