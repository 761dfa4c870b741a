"""Builders of the access-control tokens stored with each document and held by users."""

from __future__ import annotations

from typing import Literal

__all__ = ["dept_principal", "org_principal", "role_principal", "user_principal"]


def org_principal(org_id: int, scope: Literal["all", "clerk"] = "all") -> str:
    """Everyone of an organisation ("all", for non-secret documents) or its clerks only."""
    return f"org:{org_id}:{scope}"


def dept_principal(dept_id: int) -> str:
    """Members of one department."""
    return f"dept:{dept_id}"


def user_principal(user_id: int) -> str:
    """One user."""
    return f"user:{user_id}"


def role_principal(role: str) -> str:
    """Holders of an application-wide role (no whitespace in the name)."""
    return "role:" + "".join(role.split())
