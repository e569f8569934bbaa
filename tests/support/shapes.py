"""Shape comparison of a sandbox answer with a recorded Globus answer (keys and JSON types)."""

from __future__ import annotations

from typing import Any


def shape_problems(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Keys of ``expected`` missing from ``actual`` and JSON types that differ (null matches anything)."""
    if expected is None:
        return []
    if isinstance(expected, bool) or isinstance(actual, bool):
        same = isinstance(expected, bool) and isinstance(actual, bool)
        return [] if same else [f"{where or '.'}: {type(actual).__name__} instead of {type(expected).__name__}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or '.'}: {type(actual).__name__} instead of an object"]
        problems = [f"{where}.{key}: missing" for key in expected if key not in actual]
        for key, value in expected.items():
            if key in actual:
                problems += shape_problems(value, actual[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where or '.'}: {type(actual).__name__} instead of an array"]
        if expected and actual:
            return shape_problems(expected[0], actual[0], f"{where}[0]")
        return []
    numeric = (int, float)
    if isinstance(expected, numeric) and isinstance(actual, numeric):
        return []
    if type(expected) is not type(actual):
        return [f"{where or '.'}: {type(actual).__name__} instead of {type(expected).__name__}"]
    return []
