"""The valid-time walk of one aggregate gives plain views, or what the caller keeps of each."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain import Recorded, parse_fact
from domain.timeline import Course

AT = datetime(2025, 1, 1, tzinfo=UTC)
TRUCE = [
    {"type": "TruceAgreed", "key": "geneva", "date": "2025-05-12", "parties": ["US", "CN"], "days": 90},
    {"type": "ViolationAlleged", "key": "geneva", "date": "2025-06-01", "by": "US", "against": "CN", "claim": "A."},
    {"type": "ViolationAlleged", "key": "geneva", "date": "2025-06-20", "by": "CN", "against": "US", "claim": "B."},
]


def recorded(lines: list[dict[str, Any]]) -> list[Recorded]:
    return [Recorded(parse_fact(line), position, position, AT) for position, line in enumerate(lines, start=1)]


def test_each_step_is_the_view_of_its_day_as_plain_data() -> None:
    steps = Course(recorded(TRUCE)).steps()
    assert [(day, view["status"] if view else None) for day, view in steps] == [
        (date(2025, 5, 12), "in_force"),
        (date(2025, 6, 1), "in_force"),
        (date(2025, 6, 20), "in_force"),
        (date(2025, 8, 10), "expired"),
    ]
    assert [len(view["allegations"]) for _, view in steps if view] == [0, 1, 2, 2]  # each kept as it was that day


def test_a_caller_keeps_what_it_makes_of_each_view() -> None:
    course = Course(recorded(TRUCE[:2]), seen=lambda view: (view["status"], len(view["allegations"])))
    assert course.steps() == [
        (date(2025, 5, 12), ("in_force", 0)),
        (date(2025, 6, 1), ("in_force", 1)),
        (date(2025, 8, 10), ("expired", 1)),
    ]
    assert course.extend(recorded(TRUCE)[2], date(2025, 6, 20))
    assert course.steps(date(2025, 6, 20)) == [
        (date(2025, 6, 20), ("in_force", 2)),
        (date(2025, 8, 10), ("expired", 2)),
    ]
