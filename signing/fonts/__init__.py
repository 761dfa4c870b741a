"""Embedded Vietnamese font (FreeSerif subset, GPLv3 with font exception) and its build script."""
