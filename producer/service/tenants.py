"""Institutions and their API keys: create, add a key, revoke, list, and resolve a key to its institution."""

from __future__ import annotations

from producer.service.context import Service
from shared.db import tenants
from shared.db.tenants import NewTenant, Tenant

__all__ = ["NewTenant", "Tenant", "add_key", "create", "institution_of", "list_all", "revoke"]


def create(svc: Service, name: str, institution_id: str | None = None) -> NewTenant:
    """A new institution and its first key (the key is in the answer only)."""
    return tenants.create_tenant(svc.engine, name, institution_id)


def add_key(svc: Service, institution_id: str) -> NewTenant:
    """Another key for an institution (rotation: add, switch clients, revoke the old)."""
    return tenants.add_key(svc.engine, institution_id)


def revoke(svc: Service, ident: str) -> int:
    """Revoke a key id, or every key of an institution id; how many were revoked."""
    return tenants.revoke(svc.engine, ident)


def list_all(svc: Service) -> list[Tenant]:
    """Every institution with its key ids (never the keys) and its batch count."""
    return tenants.list_tenants(svc.engine)


def institution_of(svc: Service, key: str) -> str | None:
    """The institution an API key belongs to; None for an unknown or revoked key."""
    return tenants.resolve(svc.engine, key)
