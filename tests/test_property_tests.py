"""The property tests themselves: each draws the same examples on every run (a fixed seed, from
the profile in tests/conftest.py) and tries its known edge cases as explicit examples, so that a
bug they are meant to catch is caught every time, not by chance."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
MODULES = sorted(path.stem for path in TESTS.glob("test_*.py") if path.stem != Path(__file__).stem)


def property_tests() -> list[tuple[str, str]]:
    found = []
    for module in MODULES:
        names = vars(importlib.import_module(f"tests.{module}"))
        found += [(module, name) for name, f in names.items() if getattr(f, "is_hypothesis_test", False)]
    return found


PROPERTY_TESTS = property_tests()


def test_the_suite_has_property_tests():
    assert {module for module, _ in PROPERTY_TESTS} >= {
        "test_formula",
        "test_optimizers",
        "test_link",
    }


@pytest.mark.parametrize(("module", "name"), PROPERTY_TESTS)
def test_a_property_test_is_seeded_and_tries_its_edge_cases(module: str, name: str):
    test = getattr(importlib.import_module(f"tests.{module}"), name)
    assert test._hypothesis_internal_use_settings.derandomize
    assert test._hypothesis_internal_use_settings.database is None
    assert test.hypothesis_explicit_examples
