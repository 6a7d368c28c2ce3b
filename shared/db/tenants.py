"""Tenants: institutions and their API keys (create returns the key once; only its hash is kept)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, select, update

from shared.db.models import ApiKey, Batch, Institution, WebSession, utcnow
from shared.errors import InputError, NotFoundError

# Recognisable in logs, config files and secret scanners; the rest is 256 random bits.
KEY_PREFIX = "ccv_"
_KEY_ID_CHARS = 12
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class NewTenant:
    institution_id: str
    name: str
    key_id: str
    key: str  # shown once; never stored


@dataclass(frozen=True)
class Tenant:
    institution_id: str
    name: str
    created_at: datetime
    active_keys: list[str]
    revoked_keys: list[str]
    batches: int


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _slug(name: str) -> str:
    slug = _SLUG.sub("-", name.strip().lower()).strip("-")[:48]
    return slug or "tenant"


def create_tenant(engine: Engine, name: str, institution_id: str | None = None) -> NewTenant:
    """A new institution with one API key; the key is in the result and nowhere else."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("a tenant needs a name of 1 to 200 characters")
    wanted = institution_id or _slug(name)
    with engine.begin() as conn:
        institution = wanted
        if conn.scalar(select(Institution.id).where(Institution.id == institution)) is not None:
            if institution_id is not None:
                raise InputError(
                    f"institution {institution_id!r} exists; add a key to it with "
                    "`cohortcv tenant key ID`"
                )
            institution = f"{wanted}-{secrets.token_hex(3)}"
        conn.execute(insert(Institution).values(id=institution, name=name, created_at=utcnow()))
    key_id, key = _add_key(engine, institution)
    return NewTenant(institution, name, key_id, key)


def add_key(engine: Engine, institution_id: str) -> NewTenant:
    """Another key for an existing institution (to rotate one: add, switch clients, revoke)."""
    with engine.connect() as conn:
        name = conn.scalar(select(Institution.name).where(Institution.id == institution_id))
    if name is None:
        raise NotFoundError(f"no tenant {institution_id!r}")
    key_id, key = _add_key(engine, institution_id)
    return NewTenant(institution_id, name, key_id, key)


def _add_key(engine: Engine, institution_id: str) -> tuple[str, str]:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = key[:_KEY_ID_CHARS]
    with engine.begin() as conn:
        conn.execute(
            insert(ApiKey).values(
                id=key_id, institution_id=institution_id, key_hash=hash_key(key),
                created_at=utcnow(),
            )
        )  # fmt: skip
    return key_id, key


def revoke(engine: Engine, ident: str) -> int:
    """Revoke one key (by its id, e.g. `ccv_AbCdEfGh`) or every key of an institution; returns
    how many were revoked. The web sessions signed in with them end; their batches stay until
    deleted."""
    now = utcnow()
    matching = (ApiKey.id == ident) | (ApiKey.institution_id == ident)
    with engine.begin() as conn:
        conn.execute(
            delete(WebSession).where(WebSession.key_id.in_(select(ApiKey.id).where(matching)))
        )
        n = conn.execute(
            update(ApiKey).where(matching, ApiKey.revoked_at.is_(None)).values(revoked_at=now)
        ).rowcount
        if not n and conn.scalar(select(func.count()).select_from(ApiKey).where(matching)) == 0:
            raise NotFoundError(f"no tenant or key {ident!r}")
    return int(n or 0)


def resolve(engine: Engine, key: str) -> str | None:
    """The institution of a live key, else None (unknown, malformed or revoked)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(ApiKey.institution_id, ApiKey.revoked_at).where(ApiKey.key_hash == hash_key(key))
        ).first()
    if row is None or row.revoked_at is not None:
        return None
    return str(row.institution_id)


def list_tenants(engine: Engine) -> list[Tenant]:
    with engine.connect() as conn:
        institutions = conn.execute(
            select(Institution.id, Institution.name, Institution.created_at).order_by(
                Institution.created_at
            )
        ).all()
        keys = conn.execute(
            select(ApiKey.institution_id, ApiKey.id, ApiKey.revoked_at).order_by(ApiKey.created_at)
        ).all()
        counts = dict(
            conn.execute(
                select(Batch.institution_id, func.count()).group_by(Batch.institution_id)
            ).all()
        )
    out = []
    for inst_id, name, created in institutions:
        mine = [k for k in keys if k.institution_id == inst_id]
        out.append(
            Tenant(
                inst_id, name, created,
                [k.id for k in mine if k.revoked_at is None],
                [k.id for k in mine if k.revoked_at is not None],
                int(counts.get(inst_id, 0)),
            )
        )  # fmt: skip
    return out
