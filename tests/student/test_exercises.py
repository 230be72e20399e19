"""The grader: one test per exercise of the student edition, marked with the exercise's name, so that
``pytest -m linear`` grades one exercise; the points come from ``minidl.check.EXERCISES`` and are recorded
in pytest's JUnit XML (``--junitxml``) as the property ``points``. The reference passes every one."""

from __future__ import annotations

import pytest

from minidl.check import EXERCISES, check_one


@pytest.mark.parametrize("ex", [pytest.param(ex, marks=getattr(pytest.mark, ex.name), id=ex.name) for ex in EXERCISES])
def test_exercise(ex, record_property):
    record_property("points", ex.points)
    r = check_one(ex)
    assert r.passed, r.message
