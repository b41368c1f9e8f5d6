"""Defaults shared by the settings and the development runner (which cannot import settings)."""

DEMO_PASSWORD = "results-demo-2026"
