"""Expected completion dates from a service item's time limit (工作日 / 自然日 / 即时办结).

Working days follow the official calendar: public holidays are skipped and adjusted workdays
(调休上班, e.g. the Saturday before the Spring Festival) count. Where that calendar comes from:

1. the ``chinesecalendar`` package (2004–2026 in 1.11.0);
2. for a year the package does not know (it raises ``NotImplementedError``), the schedule editors
   published through the reviewed workflow (``python -m knowledge holidays``, knowledge.editorial),
   else ``casework/holidays.yml``, both filled in from the State Council's notice each November;
3. otherwise weekends only, and the result is marked ``is_estimate`` so replies can say so.

Counting rule for working days: the day of submission does not count; day 1 is the first working
day after it, and the deadline is the N-th such day (5 working days from Friday 2026-02-13 end on
2026-02-27, across the Spring Festival). Natural days are the submission date plus N; "immediate"
means the submission date itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Mapping, Optional, Tuple

import chinese_calendar
import yaml

log = logging.getLogger(__name__)

#: The editor-maintained holiday schedules for years the package does not cover.
HOLIDAYS_FILE = Path(__file__).resolve().parent / "holidays.yml"

WORKING_DAYS = "working_days"
NATURAL_DAYS = "natural_days"
IMMEDIATE = "immediate"

#: Where a day's working/non-working status came from (most to least authoritative).
SOURCE_PACKAGE = "chinesecalendar"
SOURCE_FILE = "holidays.yml"
SOURCE_WEEKENDS = "weekends"


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule: days off and weekend days that are worked."""

    holidays: FrozenSet[dt.date] = field(default_factory=frozenset)
    workdays: FrozenSet[dt.date] = field(default_factory=frozenset)


HolidayTable = Mapping[int, YearSchedule]


@dataclass(frozen=True)
class Deadline:
    """An expected completion date.

    Attributes:
        date: the date, or None when the time limit has no computable unit.
        is_estimate: True when some counted day fell in a year without an official schedule
            (weekends only were skipped).
        basis_text: how the date was computed, in Chinese, for replies and staff.
    """

    date: Optional[dt.date]
    is_estimate: bool
    basis_text: str


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def parse_holidays(data: object) -> Dict[int, YearSchedule]:
    """The table held by a holidays.yml document (``{year: {holidays: [...], workdays: [...]}}``).

    A year whose entry is empty (a template left uncommented) is treated as absent.
    """
    table: Dict[int, YearSchedule] = {}
    if not isinstance(data, dict):
        return table
    for year, entry in data.items():
        if not entry:
            continue
        days_off = frozenset(_as_date(d) for d in (entry.get("holidays") or []))
        worked = frozenset(_as_date(d) for d in (entry.get("workdays") or []))
        table[int(year)] = YearSchedule(days_off, worked)
    return table


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Dict[int, YearSchedule]:
    return parse_holidays(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def load_holidays(path: Optional[Path] = None) -> Dict[int, YearSchedule]:
    """Read holidays.yml (re-read when the file changes, so editors need no restart), with the
    schedules editors published through the reviewed workflow (``python -m knowledge holidays``)
    over it: a published year wins over the file's."""
    path = path or HOLIDAYS_FILE
    table = dict(_load_cached(str(path), path.stat().st_mtime)) if path.exists() else {}
    table.update(published_schedules())
    return table


#: How often the published schedules are asked for again (a publication is live within this).
PUBLISHED_POLL_SECONDS = 1.0
_published: Dict[str, object] = {"at": -1e9, "version": None, "table": {}}


def published_schedules() -> Dict[int, YearSchedule]:
    """Years whose official schedule editors published (knowledge.editorial); none where the
    editorial database cannot be reached (the file and the package still answer)."""
    now = time.monotonic()
    if now - float(_published["at"]) < PUBLISHED_POLL_SECONDS:
        return _published["table"]  # type: ignore[return-value]
    _published["at"] = now
    try:
        from knowledge import editorial  # the workflow's store; casework only reads it

        engine = editorial.make_engine()
        current = editorial.version(engine)
        if current != _published["version"]:
            _published["table"] = parse_holidays(editorial.published_holidays(engine))
            _published["version"] = current
    except Exception:  # noqa: BLE001
        log.warning("published holiday schedules unavailable", exc_info=True)
    return _published["table"]  # type: ignore[return-value]


def day_status(day: dt.date, holidays: Optional[HolidayTable] = None) -> Tuple[bool, str]:
    """Whether ``day`` is a working day, and which source said so.

    Args:
        day: the date.
        holidays: the editor table (default: :func:`load_holidays`), consulted only for years
            the package does not know.

    Returns:
        (is_workday, source) with source one of SOURCE_PACKAGE / SOURCE_FILE / SOURCE_WEEKENDS.
    """
    try:
        return chinese_calendar.is_workday(day), SOURCE_PACKAGE
    except NotImplementedError:
        pass
    table = load_holidays() if holidays is None else holidays
    schedule = table.get(day.year)
    if schedule is not None:
        if day in schedule.workdays:
            return True, SOURCE_FILE
        if day in schedule.holidays:
            return False, SOURCE_FILE
        return day.weekday() < 5, SOURCE_FILE
    return day.weekday() < 5, SOURCE_WEEKENDS


def add_working_days(
    start: dt.date, days: int, holidays: Optional[HolidayTable] = None
) -> Tuple[dt.date, bool, FrozenSet[int]]:
    """The ``days``-th working day after ``start`` (``start`` itself never counts).

    Returns:
        (date, is_estimate, years counted on weekends only).
    """
    day = start
    counted = 0
    guessed = set()
    while counted < days:
        day += dt.timedelta(days=1)
        workday, source = day_status(day, holidays)
        if source == SOURCE_WEEKENDS:
            guessed.add(day.year)
        if workday:
            counted += 1
    return day, bool(guessed), frozenset(guessed)


def expected_completion(
    start: dt.date, unit: Optional[str], days: Optional[int], holidays: Optional[HolidayTable] = None
) -> Deadline:
    """When an application submitted on ``start`` should be finished.

    Args:
        start: the submission date.
        unit: ``working_days``, ``natural_days``, ``immediate``; anything else (``other``, None)
            means the time limit cannot be turned into a date.
        days: the number of days (ignored for ``immediate``).
        holidays: editor table for years the package lacks (default: casework/holidays.yml).

    Returns:
        A :class:`Deadline`; ``date`` is None when the unit is unknown.
    """
    if unit == IMMEDIATE:
        return Deadline(start, False, "即时办结（提交当日）")
    if unit == NATURAL_DAYS and days is not None:
        return Deadline(start + dt.timedelta(days=days), False, f"{days}个自然日（自提交次日起算）")
    if unit == WORKING_DAYS and days is not None:
        due, estimate, years = add_working_days(start, days, holidays)
        basis = f"{days}个工作日（自提交次日起算，已扣除法定节假日、计入调休上班日）"
        if estimate:
            listed = "、".join(f"{y}年" for y in sorted(years))
            basis = (
                f"{days}个工作日（自提交次日起算）；{listed}节假日安排尚未发布，"
                "该年仅按周末推算，日期为预计"
            )
        return Deadline(due, estimate, basis)
    return Deadline(None, False, "办理时限无法换算为具体日期")


def is_overdue(deadline: Deadline, today: dt.date) -> bool:
    """True when the deadline has a date and ``today`` is past it (the due day itself is on time)."""
    return deadline.date is not None and today > deadline.date
