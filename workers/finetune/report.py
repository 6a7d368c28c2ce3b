"""The training report beside a fine-tuned checkpoint: report.json and a loss-curve PNG (matplotlib)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workers.finetune.train import TrainResult

REPORT = "finetune-report.json"
CURVE = "finetune-loss.png"


def write_report(out: Path, result: TrainResult, data: dict[str, Any]) -> tuple[Path, Path | None]:
    """Write the JSON report (training figures + what the data gave) and the loss curve; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    report = {"training": result.as_dict(), "data": data}
    path = out / REPORT
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path, plot(out / CURVE, result)


def plot(path: Path, result: TrainResult) -> Path | None:
    """Training loss per step and held-out loss per evaluation; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display on a worker
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.plot(range(1, len(result.losses) + 1), result.losses, label="training loss", linewidth=1)
    if result.held_out:
        steps, values = zip(*result.held_out, strict=True)
        ax.plot(steps, values, marker="o", label="held-out loss")
    if result.best_step is not None:
        ax.axvline(result.best_step, color="grey", linestyle=":", label=f"kept: step {result.best_step}")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (answer tokens)")
    method = "full" if result.config.get("full") else "LoRA"
    ax.set_title(f"{Path(str(result.config.get('base'))).name} · {method} · {result.device}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
