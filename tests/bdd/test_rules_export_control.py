"""Steps of the export control rules: every step is shared (tests/bdd/conftest.py)."""

from pytest_bdd import scenarios

scenarios("rules_export_control.feature")
