"""`cohortcv tenant create|key|list|revoke`: institutions and their API keys."""

from __future__ import annotations

from typing import Annotated

import typer

from producer.cli.common import edge, out, service_for
from shared.settings import get_settings

tenant_app = typer.Typer(help="Institutions (tenants) and their API keys.", no_args_is_help=True)


@tenant_app.command("create")
@edge
def create(
    name: Annotated[str, typer.Argument(help="The institution's name, e.g. 'Example University'.")],
    institution: Annotated[
        str | None, typer.Option("--id", help="Institution id (default: made from the name).")
    ] = None,
) -> None:
    """Create an institution and its API key; the key is printed once, alone on the last line."""
    from producer.service import tenants

    new = tenants.create(service_for(get_settings()), name, institution)
    out.print(
        f"tenant {new.institution_id} ({new.name}) created; key id {new.key_id}. "
        "The key is shown only now: store it in the client's secret store.",
        highlight=False,
    )
    print(new.key)


@tenant_app.command("key")
@edge
def key(institution: Annotated[str, typer.Argument(help="Institution id.")]) -> None:
    """Another API key for an institution (rotate: add a key, switch clients, revoke the old)."""
    from producer.service import tenants

    new = tenants.add_key(service_for(get_settings()), institution)
    out.print(f"new key {new.key_id} for {new.institution_id}", highlight=False)
    print(new.key)


@tenant_app.command("list")
@edge
def list_cmd() -> None:
    """Institutions with their key ids (never the keys) and how many batches they hold."""
    from producer.service import tenants

    # Plain tab-separated lines, not a table: read by people and by scripts, never wrapped.
    typer.echo("id\tname\tkeys\trevoked\tbatches\tcreated")
    for t in tenants.list_all(service_for(get_settings())):
        fields = (
            t.institution_id, t.name, ",".join(t.active_keys) or "-",
            ",".join(t.revoked_keys) or "-", str(t.batches), t.created_at.isoformat()[:19],
        )  # fmt: skip
        typer.echo("\t".join(fields))


@tenant_app.command("revoke")
@edge
def revoke(
    ident: Annotated[
        str, typer.Argument(help="A key id (ccv_…) or an institution id (all its keys).")
    ],
) -> None:
    """Revoke a key, or every key of an institution; its batches stay until deleted."""
    from producer.service import tenants

    n = tenants.revoke(service_for(get_settings()), ident)
    out.print(f"revoked {n} key(s) of {ident}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(tenant_app, name="tenant")
