"""How the report words things: the text rules every sentence the toolkit writes obeys, in one place.

Rules (GB/T 15834 标点符号用法 and the practice of 情况汇报 sent to a superior):

* Chinese text uses full-width brackets, quotes and punctuation: ``村（社区）``, ``“三张清单”``;
  no arrows in body text (``收集、交办、办结、回访、销号``, not ``收集→交办→…``);
* percentages without a trailing ``.0`` (``100%``, ``50%``; ``69.6%`` keeps its decimal);
* zero counts are left out of enumerations, and a sentence that would state nothing is dropped
  (no ``已完成0项``);
* each object has its measure word (:data:`MEASURES`, one table): 个问题, 项任务, 次走访, 家企业,
  企业13家次, 困难群众6户次, 居民群众13人次 …;
* 个别 only for one or two (at most a third); else 部分 / 多数 by share (:func:`share`) or the count;
* the same value is not said twice: ``甲、乙均走访12次`` instead of ``分别走访12次、12次``; a
  task several units share is named once, with its units after it;
* ranking words (位居前列, 较高, 领先) only for units that stand out — at most three, fewer
  than half of the units, and never a unit the report names among the problems;
* an overdue item is never to be "按期完成" (nor 按期销号): it is 限期完成 / 尽快办结;
* a count after a list agrees with it: ``“甲”（A、B）、“乙”（C）3项`` — a task name several units
  share is several tasks;
* staff-written paragraphs get their closing punctuation when they have none;
* a change against an earlier period is said plainly — 增加／减少X次, 提高／下降X个百分点 —, an
  equal value is 与上季度持平 (never ``增加0次``).

:func:`finish` applies the character-level rules to a finished paragraph; the other helpers
build the words. ``toolkit.report.lint`` checks a finished document against the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from .numbers import fmt_int, fmt_number, fmt_rate, to_number

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_ARROWS = "→⇒⟶➝➔➜➞->"
_ARROW_RE = re.compile(r"\s*(?:→|⇒|⟶|➝|➔|➜|➞|->)\s*")
# ASCII punctuation next to Chinese text, and the full-width form it takes
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_HALF_PUNCT = re.compile(rf"(?<=[{_CJK}”’）])\s*([,;:?!])\s*|\s*([,;:?!])\s*(?=[{_CJK}“‘（])")
_POINT_ZERO = re.compile(r"(\d+)\.0%")
END_MARKS = "。！？；：…"
_CLOSERS = "”’）》」』】"

#: measure words (量词) of what the report counts: the figures' objects, and each 对象类型 of a
#: visit (the measure of one object; a visit to it is counted in :func:`visit_measure`'s 家次, 人次 …)
MEASURES = {
    "problems": "个", "tasks": "项", "visits": "次", "participants": "人次", "units": "个",
    "企业": "家", "村（社区）": "个", "居民群众": "人", "困难群众": "户", "老党员老干部": "名",
    "学校": "所", "项目": "个", "基层站所": "个", "两代表一委员": "名",
}
_PEOPLE = ("人", "名")  # a visit to a person is 人次 (名次 means a ranking)


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text or ""))


def full_width(text: str) -> str:
    """Brackets, quotes and punctuation of Chinese text in their full-width forms (GB/T 15834)."""
    if not has_cjk(text):
        return text
    out = text.replace("(", "（").replace(")", "）")
    out = _HALF_PUNCT.sub(lambda m: _FULL[m.group(1) or m.group(2)], out)
    if '"' in out:  # straight double quotes: open, close, open, close …
        parts = out.split('"')
        out = parts[0]
        for i, part in enumerate(parts[1:]):
            out += ("“" if i % 2 == 0 else "”") + part
    if "'" in out and has_cjk(out):
        parts = out.split("'")
        if len(parts) % 2 == 1:  # balanced single quotes only (an apostrophe in a name stays)
            out = parts[0]
            for i, part in enumerate(parts[1:]):
                out += ("‘" if i % 2 == 0 else "’") + part
    return out


def measure(what: str, default: str = "个") -> str:
    """The 量词 of ``what`` (a figures object or a 对象类型): ``项`` for tasks, ``家`` for 企业."""
    return MEASURES.get(full_width(str(what or "").strip()), default)


def visit_measure(object_type: str) -> str:
    """The 量词 of visits to an 对象类型: 企业 → 家次, 困难群众 → 户次, people → 人次, 其他 → 次."""
    base = MEASURES.get(full_width(str(object_type or "").strip()))
    if base is None:
        return "次"
    return "人次" if base in _PEOPLE else f"{base}次"


def share(part: int, whole: int) -> str:
    """How many of ``whole`` (units, items) a sentence is about, said by share: ``个别`` (one or two,
    at most a third), ``部分``, ``多数`` (more than half); ``""`` for all of them (the caller says
    各单位均 / 普遍) or none."""
    if part <= 0 or whole <= 0 or part >= whole:
        return ""
    if part <= 2 and part * 3 <= whole:
        return "个别"
    return "多数" if part * 2 > whole else "部分"


def no_arrows(text: str) -> str:
    """``收集→交办→办结`` → ``收集、交办、办结``."""
    return _ARROW_RE.sub("、", text)


def percent(value: Any, missing: str = "") -> str:
    """A rate the 公文 way: ``100%``, ``50%``, ``69.6%`` (one decimal only where it carries information)."""
    text = fmt_rate(value, missing=missing)
    return _POINT_ZERO.sub(r"\1%", text)


def close(sentence: str) -> str:
    """``sentence`` ending in its punctuation (a closing quote or bracket after 。 counts)."""
    s = sentence.strip()
    if not s:
        return ""
    core = s.rstrip(_CLOSERS)
    if core and core[-1] in END_MARKS + ".!?;":
        if core[-1] in ".!?;":  # an ASCII stop in a Chinese document
            return core[:-1] + {".": "。", "!": "！", "?": "？", ";": "；"}[core[-1]] + s[len(core):]
        return s
    return s + "。"


def finish(paragraph: str) -> str:
    """The character-level rules applied to a finished paragraph (generated or staff-written)."""
    if not paragraph:
        return ""
    text = " ".join(str(paragraph).split()) if "\n" not in paragraph else str(paragraph).strip()
    text = full_width(no_arrows(text))
    text = _POINT_ZERO.sub(r"\1%", text)
    return close(text)


def count(value: Any, measure: str, noun: str = "") -> str:
    """``12个问题`` / ``12个``; an empty string for zero or a missing value (left out, never ``0个``)."""
    n = to_number(value)
    if n is None or round(n) == 0:
        return ""
    return f"{fmt_int(n)}{measure}{noun}"


def join(parts: Iterable[str], sep: str = "、") -> str:
    """Non-empty parts joined (zero counts already dropped)."""
    return sep.join(p for p in parts if p)


def enumerate_counts(items: Sequence[tuple[str, Any, str]], *, other: str = "其他") -> str:
    """``企业13家次、学校3所次``: (name, count, measure) with zeros left out; an "其他" item last."""
    regular = [(n, c, m) for n, c, m in items if n != other]
    rest = [(n, c, m) for n, c, m in items if n == other]
    shown = [f"{name}{fmt_int(c)}{m}" for name, c, m in regular if (to_number(c) or 0) > 0]
    shown += [f"其他{fmt_int(c)}{m}" for _n, c, m in rest if (to_number(c) or 0) > 0]
    return "、".join(shown)


def names(items: Sequence[str], cap: int = 6, measure: str = "个单位") -> str:
    """``办公室、财务科等8个单位`` / ``办公室、财务科2个单位`` / ``办公室``; duplicates named once."""
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    shown = "、".join(seen[:cap])
    if len(seen) > cap:
        return f"{shown}等{len(seen)}{measure}"
    if len(seen) > 1:
        return f"{shown}{len(seen)}{measure}"
    return shown


def each(pairs: Sequence[tuple[str, str]], verb: str) -> str:
    """Units with their values, the same value said once:
    ``甲、乙均走访12次`` / ``甲、乙分别走访12次、9次`` / ``甲走访12次``."""
    pairs = [(n, v) for n, v in pairs if n and v]
    if not pairs:
        return ""
    if len(pairs) == 1:
        return f"{pairs[0][0]}{verb}{pairs[0][1]}"
    units = "、".join(n for n, _ in pairs)
    values = [v for _, v in pairs]
    if len(set(values)) == 1:
        return f"{units}均{verb}{values[0]}"
    return f"{units}分别{verb}{'、'.join(values)}"


def standouts(units: Sequence[dict], key: str, *, exclude: Iterable[str] = (), base: tuple[str, int] | None = None,
              margin: float = 0.2, points: float | None = None, cap: int = 3) -> list[dict]:
    """The units that stand out on ``key`` — the only ones a ranking word may be used for.

    A unit stands out when its value is above the median of the units by ``margin`` (a share of
    the median) or by ``points`` (rates, in percentage points); at most ``cap`` units, fewer than
    half of the units with a value, never one of ``exclude`` (the units the report names among its
    problems), ``base`` = (key, minimum) skips units with too little to compare (a 100% of 1)."""
    pool = [u for u in units if to_number(u.get(key)) is not None]
    if base is not None:
        pool = [u for u in pool if (to_number(u.get(base[0])) or 0) >= base[1]]
    if len(pool) < 3:
        return []
    values = sorted(to_number(u.get(key)) or 0.0 for u in pool)
    mid = len(values) // 2
    median = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
    bar = median + points if points is not None else median * (1 + margin)
    excluded = set(exclude)
    out = sorted((u for u in pool if (to_number(u.get(key)) or 0) > bar and (to_number(u.get(key)) or 0) > 0),
                 key=lambda u: -(to_number(u.get(key)) or 0))
    out = [u for u in out if u.get("name") not in excluded][:cap]
    if len(out) * 2 >= len(pool):
        return []
    return out


def deadline_phrase(deadline: str, overdue: bool) -> str:
    """When an item is due, worded for what it is: ``6月30日前完成`` / ``原定3月23日完成，已逾期``."""
    if not deadline:
        return ""
    return f"原定{deadline}完成，已逾期" if overdue else f"{deadline}前完成"


def resolve(overdue: bool) -> str:
    """How a plan sentence closes: overdue items are not promised "按期"."""
    return "限期完成" if overdue else "确保按期完成"


def moved(delta: Any, measure: str, *, rate: bool = False) -> str | None:
    """A change said plainly: ``增加2次`` / ``减少2次``; a rate's in points: ``提高3.2个百分点`` /
    ``下降5个百分点``; ``""`` when equal (the caller says 持平 or nothing), None when unknown."""
    d = to_number(delta)
    if d is None:
        return None
    if rate:
        if abs(d) < 0.05:
            return ""
        return f"{'提高' if d > 0 else '下降'}{fmt_number(round(abs(d), 1))}个百分点"
    if round(d) == 0:
        return ""
    return f"{'增加' if d > 0 else '减少'}{fmt_int(abs(d))}{measure}"


def versus(delta: Any, measure: str, against: str, *, rate: bool = False) -> str:
    """``较上季度增加2次`` / ``与上季度持平`` / ``""`` (no value to compare, or nothing to compare with)."""
    if not against:
        return ""
    said = moved(delta, measure, rate=rate)
    if said is None:
        return ""
    return f"较{against}{said}" if said else f"与{against}持平"
