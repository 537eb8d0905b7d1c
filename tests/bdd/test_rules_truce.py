"""Steps of the truce rules: every step is shared (tests/bdd/conftest.py)."""

from pytest_bdd import scenarios

scenarios("rules_truce.feature")
