"""Steps of the tariff rules: every step is shared (tests/bdd/conftest.py)."""

from pytest_bdd import scenarios

scenarios("rules_tariff.feature")
