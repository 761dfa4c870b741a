"""Imports every model module so the metadata knows all tables (migrations, create_all)."""

from . import files, incoming, models, notifications, numbering, outgoing  # noqa: F401
