"""Synthetic demo data for the case-work store: ``python -m casework demo [--persons 220] [--seed 7]``.

EVERYTHING HERE IS MADE UP. No real person's data, ever: names are random combinations of a
surname list and given-name characters, ID numbers are random birth dates and sequence numbers
under real area codes with the GB 11643 check digit computed by ``stdnum.cn.ric.calc_check_digit``
(so validation can be exercised), phone numbers are random 19x numbers, and employers are marked
示例. Do not load real records into a demo store.

What it makes (deterministic for a seed and an anchor date): persons in all five KB regions, one or
two enrollments each (every enrollment status), and applications for the region's KB items in every
status (申请/受理/审核/办结/不予受理/材料不全) with a history consistent with the status, the expected
completion date from the item's time limit, and some applications overdue.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from stdnum.cn import ric

from casework import deadlines
from casework.kb import KbItem, KbReader
from casework.privacy import hmac_of
from casework.schema import (
    APPLICATION_STATUSES,
    Application,
    ApplicationEvent,
    Enrollment,
    Person,
    create_schema,
    drop_schema,
)
from casework.store import CaseworkStore

log = logging.getLogger(__name__)

#: Area codes per KB region; several per region because stdnum only accepts a county code for birth
#: years in which it existed (431002 北湖区 from 1994, 432801 郴州市 before).
AREA_CODES: Dict[str, Tuple[str, ...]] = {
    "chenzhou": ("431002", "431003", "431081", "431021", "431022", "432801", "432802", "432821", "432822"),
    "hunan": ("430102", "430103", "430105", "430111", "430611", "430602", "430121"),
    "yunnan": ("530102", "530103", "530111", "530302", "530381", "530124"),
    "xianan": ("421202", "421221", "422301", "422321", "422322"),
    "guizhou": ("522701", "522722", "522723", "522725"),
}
#: Region letters in application numbers (YB + letters + yyyymmdd + 4 digits).
REGION_LETTERS = {"chenzhou": "CZ", "hunan": "HN", "yunnan": "YN", "xianan": "XA", "guizhou": "GZ"}
CITY = {"chenzhou": "郴州", "hunan": "长沙", "yunnan": "昆明", "xianan": "咸宁", "guizhou": "都匀"}

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "欧阳", "司马", "上官", "诸葛",
)
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "建", "文", "辉", "鹏",
    "宇", "晨", "欣", "怡", "子", "涵", "浩", "然", "思", "雨", "博", "俊", "嘉", "琪", "梓", "瑞",
)
UNIT_WORDS = ("恒泰", "宏达", "信和", "众诚", "鑫源", "华盛", "安康", "兴业")
UNIT_TRADES = ("商贸", "建材", "物流", "科技", "食品", "医药", "机械", "餐饮")
REFUSALS = (
    "不属于本经办机构受理范围",
    "申请人不符合该事项服务对象条件",
    "已在其他统筹区办理同一事项，不能重复办理",
    "申请事项已超过办理期限",
)
#: Personnel category → insurance type and birth-year range (so students are young, retirees old).
CATEGORIES: Dict[str, Tuple[str, int, int]] = {
    "在职职工": ("职工医保", 1966, 2004),
    "灵活就业人员": ("职工医保", 1966, 2004),
    "退休人员": ("职工医保", 1945, 1965),
    "城乡居民": ("城乡居民医保", 1945, 2020),
    "学生": ("城乡居民医保", 2003, 2020),
}
CHANNELS_ONLINE = {"窗口": False, "线上": True, "APP": True, "公众号": True}
#: Order in which statuses are dealt out per region, so every region gets every status early.
STATUS_CYCLE = ("受理", "办结", "申请", "审核", "材料不全", "不予受理", "办结", "受理", "审核")
IN_PROGRESS = ("申请", "受理", "审核")


@dataclass(frozen=True)
class DemoReport:
    """What ``demo`` created."""

    persons: int
    enrollments: int
    applications: int
    by_status: Dict[str, int]
    regions: Tuple[str, ...]
    overdue: int


class _Maker:
    """Builds the synthetic rows; one instance per run, all randomness from one seeded RNG."""

    def __init__(self, rng: random.Random, kb: KbReader, today: dt.date) -> None:
        self.rng = rng
        self.kb = kb
        self.today = today
        self.midnight = dt.datetime.combine(today, dt.time())  # history stays before today
        self.ids: Set[str] = set()
        self.phones: Set[str] = set()
        self.numbers: Set[str] = set()
        self.status_counter: Dict[str, int] = {}

    # -- persons -------------------------------------------------------------------------------

    def id_number(self, region: str, birth: dt.date) -> str:
        """A unique, fully stdnum-valid ID (the area code existed in the birth year)."""
        codes = list(AREA_CODES[region])
        for _ in range(200):
            code = self.rng.choice(codes)
            body = f"{code}{birth:%Y%m%d}{self.rng.randint(1, 999):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.ids and ric.is_valid(number):
                self.ids.add(number)
                return number
        raise RuntimeError(f"no valid area code for {region} in {birth.year}")  # AREA_CODES too thin

    def birth_date(self, first: int, last: int) -> dt.date:
        start = dt.date(first, 1, 1)
        end = min(dt.date(last, 12, 31), self.today - dt.timedelta(days=365))
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def phone(self) -> str:
        while True:
            number = f"19{self.rng.randint(0, 9)}{self.rng.randint(0, 99_999_999):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def month_before(self, day: dt.date, months: int) -> str:
        index = day.year * 12 + day.month - 1 - months
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    def person(self, index: int, region: str) -> Person:
        category = self.rng.choice(tuple(CATEGORIES))
        insurance, first, last = CATEGORIES[category]
        birth = self.birth_date(first, last)
        id_number = self.id_number(region, birth)
        name = self.name()
        phone = self.phone()
        person = Person(
            id_number=id_number,
            id_hmac=hmac_of(id_number),
            name=name,
            name_hmac=hmac_of(name),
            phone=phone,
            region_key=region,
            created_at=self.midnight - dt.timedelta(days=self.rng.randint(400, 4000)),
        )
        # index-based status: every region gets 参保中, 暂停 and 终止 within its first persons
        status = ("参保中", "参保中", "暂停", "参保中", "终止", "参保中", "参保中")[index % 7]
        since = max(
            birth + dt.timedelta(days=30),
            self.today - dt.timedelta(days=self.rng.randint(200, 6000)),
        )
        paid = {
            "参保中": self.month_before(self.today, self.rng.randint(0, 1)),
            "暂停": self.month_before(self.today, self.rng.randint(3, 10)),
            "终止": self.month_before(self.today, self.rng.randint(12, 30)),
        }[status]
        unit = None
        if category == "在职职工":
            unit = f"{CITY[region]}{self.rng.choice(UNIT_WORDS)}{self.rng.choice(UNIT_TRADES)}有限公司（示例）"
        person.enrollments.append(
            Enrollment(
                region_key=region,
                insurance_type=insurance,
                personnel_category=category,
                status=status,
                since=since,
                unit=unit,
                last_paid_month=max(paid, f"{since:%Y-%m}"),
            )
        )
        if index % 4 == 0 and category in ("在职职工", "灵活就业人员") and since.year - birth.year > 20:
            # an earlier resident enrollment, ended when employment began
            person.enrollments.append(
                Enrollment(
                    region_key=region,
                    insurance_type="城乡居民医保",
                    personnel_category="城乡居民",
                    status="终止",
                    since=since - dt.timedelta(days=self.rng.randint(400, 3000)),
                    unit=None,
                    last_paid_month=self.month_before(since, 1),
                )
            )
        return person

    # -- applications ------------------------------------------------------------------------------

    def pick_item(self, items: Sequence[KbItem], status: str, online: bool) -> Optional[KbItem]:
        personal = [i for i in items if "个人" in i.applicant_types] or list(items)
        pool = personal
        if status == "材料不全":
            pool = [i for i in personal if i.materials] or [i for i in items if i.materials]
        elif status in IN_PROGRESS:
            # items that take days, so an open application is not overdue by construction
            pool = [
                i for i in personal if (lim := i.limit(online)) is not None and lim.unit != "immediate"
            ] or personal
        return self.rng.choice(pool) if pool else None

    def number(self, region: str, day: dt.date) -> str:
        while True:
            number = f"YB{REGION_LETTERS[region]}{day:%Y%m%d}{self.rng.randint(0, 9999):04d}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def submitted_at(self, status: str) -> dt.datetime:
        if status in IN_PROGRESS + ("材料不全",):
            # mostly recent; about one in four old enough to be overdue
            days = self.rng.randint(16, 60) if self.rng.random() < 0.25 else self.rng.randint(1, 10)
        else:
            days = self.rng.randint(3, 120)
        day = self.today - dt.timedelta(days=days)
        while day.weekday() >= 5:  # windows and staff work on weekdays; online ones too, for simplicity
            day -= dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(minutes=self.rng.randint(0, 480))

    def later(self, prev: dt.datetime, low_minutes: int, high_minutes: int) -> dt.datetime:
        """A moment after ``prev`` and before today (the history never runs into the future)."""
        t = self.office_hours(prev + dt.timedelta(minutes=self.rng.randint(low_minutes, high_minutes)))
        if t >= self.midnight:  # the next office day is today or later: a few minutes after prev instead
            t = prev + dt.timedelta(minutes=self.rng.randint(5, 30))
        if t >= self.midnight:
            t = prev + (self.midnight - prev) / 2
        return t

    def office_hours(self, t: dt.datetime) -> dt.datetime:
        """``t``, or the next weekday morning when staff would not be at work (08:30–17:30)."""
        if t.weekday() < 5 and dt.time(8, 30) <= t.time() <= dt.time(17, 30):
            return t
        day = t.date() + dt.timedelta(days=0 if t.time() < dt.time(8, 30) else 1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=self.rng.randint(0, 300))

    def application(self, person: Person, region: str, items: Sequence[KbItem]) -> Optional[Application]:
        n = self.status_counter.get(region, 0)
        self.status_counter[region] = n + 1
        status = STATUS_CYCLE[n % len(STATUS_CYCLE)]
        channel = self.rng.choice(tuple(CHANNELS_ONLINE))
        item = self.pick_item(items, status, CHANNELS_ONLINE[channel])
        if item is None:
            return None
        submitted = self.submitted_at(status)
        limit = item.limit(CHANNELS_ONLINE[channel])
        deadline = deadlines.expected_completion(
            submitted.date(), limit.unit if limit else None, limit.days if limit else None
        )
        app = Application(
            number=self.number(region, submitted.date()),
            item_code=item.code,
            item_name=item.name,
            variant=item.variant,
            region_key=region,
            channel=channel,
            submitted_at=submitted,
            status=status,
            time_limit_text=item.time_limit_text,
            limit_unit=limit.unit if limit else None,
            limit_days=limit.days if limit else None,
            expected_completion=deadline.date,
            completion_is_estimate=deadline.is_estimate,
        )
        self.history(app, item, status, submitted)
        return app

    def history(self, app: Application, item: KbItem, status: str, submitted: dt.datetime) -> None:
        """Events from 申请 up to ``status``, each a plausible time after the one before."""
        events: List[Tuple[str, Optional[str], str]] = [("申请", f"通过{app.channel}提交", "applicant")]
        if status == "不予受理":
            if self.rng.random() < 0.5:
                events.append(("受理", None, "staff"))
            app.reason = self.rng.choice(REFUSALS)
            events.append(("不予受理", f"理由：{app.reason}", "staff"))
        elif status == "材料不全":
            events.append(("受理", None, "staff"))
            if self.rng.random() < 0.4:
                events.append(("审核", None, "staff"))
            k = min(len(item.materials), self.rng.choice((1, 1, 2)))
            missing = self.rng.sample(list(item.materials), k=k)
            app.missing_materials = missing
            events.append(("材料不全", "需补齐：" + "；".join(missing), "staff"))
        elif status != "申请":
            flow = ["受理", "审核", "办结"]
            steps = flow[: flow.index(status) + 1]
            if item.materials and status in ("审核", "办结") and self.rng.random() < 0.2:
                # the missing-materials loop: told once, handed in, accepted again
                gone = self.rng.choice(item.materials)
                steps = ["受理", "材料不全", "受理"] + steps[1:]
                notes = {1: f"需补齐：{gone}", 2: f"已补齐：{gone}"}
            else:
                notes = {}
            for i, step in enumerate(steps):
                events.append((step, notes.get(i), "staff"))
        at = submitted
        for i, (step, note, actor) in enumerate(events):
            if i:
                at = self.later(at, 20, 60 * 24 * 2)
            app.events.append(ApplicationEvent(at=at, status=step, note=note, actor=actor))


def fill(
    engine: Engine,
    kb: KbReader,
    persons: int = 220,
    seed: int = 7,
    today: Optional[dt.date] = None,
) -> DemoReport:
    """Fill the (empty) store with synthetic data; see the module docstring.

    Args:
        engine: the store's engine (tables are created when missing).
        kb: the KB reader for region items and their time limits and materials.
        persons: how many persons (spread evenly over the five regions).
        seed: the RNG seed; the same seed and ``today`` give the same data.
        today: the anchor date (default: today); submissions lie before it.

    Returns:
        A DemoReport with counts.
    """
    today = today or dt.date.today()
    create_schema(engine)
    maker = _Maker(random.Random(seed), kb, today)
    regions = tuple(REGION_LETTERS)
    items = {r: kb.distinct_items(r) for r in regions}
    rows: List[Person] = []
    for i in range(persons):
        region = regions[i % len(regions)]
        person = maker.person(i // len(regions), region)
        for _ in range(maker.rng.choice((0, 1, 1, 2, 2, 3))):
            app = maker.application(person, region, items[region])
            if app is not None:
                person.applications.append(app)
        rows.append(person)
    enrollments = sum(len(p.enrollments) for p in rows)
    used_regions = tuple(sorted({p.region_key for p in rows}))
    with Session(engine, future=True) as session:
        session.add_all(rows)
        session.commit()
    store = CaseworkStore(engine, kb.engine, today=lambda: today)
    listing = store.listing()
    by_status = {s: sum(1 for r in listing if r.application.status == s) for s in APPLICATION_STATUSES}
    report = DemoReport(
        persons=len(rows),
        enrollments=enrollments,
        applications=len(listing),
        by_status=by_status,
        regions=used_regions,
        overdue=sum(1 for r in listing if r.application.overdue),
    )
    log.info("demo data: %s persons, %s applications", report.persons, report.applications)
    return report


def reset(engine: Engine) -> None:
    """Drop and recreate the store's tables (``demo --reset``)."""
    drop_schema(engine)
    create_schema(engine)
