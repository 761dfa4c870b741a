"""Imports every model module so the metadata knows all tables (migrations, create_all)."""

from . import models  # noqa: F401
