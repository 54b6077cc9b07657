"""Expected completion: working days across the 2026 Spring Festival and 调休, natural days,
immediate, years the package does not know (weekends-only estimate, or holidays.yml)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
import yaml

from casework import deadlines
from casework.deadlines import Deadline, expected_completion, is_overdue, load_holidays, parse_holidays

D = dt.date


def test_package_data_this_test_relies_on():
    # chinesecalendar 1.11.0: 春节 2026-02-15..2026-02-23 off, Saturdays 2026-02-14 and 2026-02-28 worked
    assert all(chinese_calendar.is_holiday(D(2026, 2, d)) for d in range(15, 24))
    assert chinese_calendar.is_workday(D(2026, 2, 14)) and D(2026, 2, 14).weekday() == 5
    assert chinese_calendar.is_workday(D(2026, 2, 28)) and D(2026, 2, 28).weekday() == 5
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


def test_working_days_across_the_spring_festival():
    # submitted Friday 13 Feb: day 1 = Sat 14 Feb (调休上班), then 24, 25, 26, 27 Feb
    deadline = expected_completion(D(2026, 2, 13), "working_days", 5)
    assert deadline == Deadline(D(2026, 2, 27), False, deadline.basis_text)
    assert "工作日" in deadline.basis_text


def test_adjusted_workday_counts():
    assert expected_completion(D(2026, 2, 12), "working_days", 2).date == D(2026, 2, 14)  # a Saturday
    # Fri 27 Feb + 1 working day = Sat 28 Feb (调休上班), not Mon 2 Mar
    assert expected_completion(D(2026, 2, 27), "working_days", 1).date == D(2026, 2, 28)


def test_submission_day_does_not_count_and_weekends_are_skipped():
    assert expected_completion(D(2026, 11, 20), "working_days", 1).date == D(2026, 11, 23)  # Fri → Mon
    assert expected_completion(D(2026, 11, 21), "working_days", 1).date == D(2026, 11, 23)  # Sat → Mon
    assert expected_completion(D(2026, 9, 30), "working_days", 1).date == D(2026, 10, 8)  # 国庆


def test_natural_days_and_immediate():
    assert expected_completion(D(2026, 2, 13), "natural_days", 30) == Deadline(
        D(2026, 3, 15), False, "30个自然日（自提交次日起算）"
    )
    assert expected_completion(D(2026, 2, 16), "immediate", None).date == D(2026, 2, 16)


@pytest.mark.parametrize("unit,days", [("other", None), (None, None), ("working_days", None)])
def test_unknown_unit_gives_no_date(unit, days):
    deadline = expected_completion(D(2026, 5, 6), unit, days)
    assert deadline.date is None and not deadline.is_estimate


def test_2027_without_data_is_a_weekends_only_estimate():
    deadline = expected_completion(D(2026, 12, 28), "working_days", 5, holidays={})
    # 29, 30, 31 Dec 2026 (official), then Fri 1 Jan 2027 and Mon 4 Jan 2027 on weekends only
    assert deadline.date == D(2027, 1, 4)
    assert deadline.is_estimate and "2027年" in deadline.basis_text and "预计" in deadline.basis_text
    assert not expected_completion(D(2026, 12, 20), "working_days", 5, holidays={}).is_estimate


def test_holidays_file_fills_a_year_the_package_lacks(tmp_path):
    path = tmp_path / "holidays.yml"
    path.write_text(
        "2027:\n  holidays: [2027-01-01]\n  workdays: [2027-01-09]\n"
        "2028:\n",  # an uncommented, empty template year stays unknown
        encoding="utf-8",
    )
    table = load_holidays(path)
    assert set(table) == {2027}
    deadline = expected_completion(D(2026, 12, 30), "working_days", 3, holidays=table)
    assert deadline == Deadline(D(2027, 1, 5), False, deadline.basis_text)  # 31 Dec, (1 Jan off) 4, 5 Jan
    assert expected_completion(D(2027, 1, 8), "working_days", 1, holidays=table).date == D(2027, 1, 9)
    assert expected_completion(D(2028, 1, 3), "working_days", 1, holidays=table).is_estimate


def test_holidays_file_never_overrides_the_package():
    table = parse_holidays({2026: {"holidays": ["2026-11-23"]}})
    assert expected_completion(D(2026, 11, 20), "working_days", 1, holidays=table).date == D(2026, 11, 23)


def test_shipped_holidays_file_is_a_valid_template():
    text = deadlines.HOLIDAYS_FILE.read_text(encoding="utf-8")
    assert "2027" in text and "11月" in text and "国务院" in text
    assert parse_holidays(yaml.safe_load(text)) == {}


def test_is_overdue():
    deadline = Deadline(D(2026, 2, 27), False, "")
    assert not is_overdue(deadline, D(2026, 2, 27))
    assert is_overdue(deadline, D(2026, 3, 2))
    assert not is_overdue(Deadline(None, False, ""), D(2030, 1, 1))
