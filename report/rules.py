"""The report's rules as data (id, severity, descriptions, the figures involved, the check) and the one
evaluator that runs them.

A check comes out PASS, FAIL, UNCERTAIN (a figure it needs is missing, not reported, unreadable or read
below the review threshold) or STRUCTURE_ERROR (the table lacks rows or columns the format has).
Every non-PASS check becomes an Issue: an error when the report is wrong (or its numbers as read do not
add up), a warning when it cannot be decided or when the rule itself is only a warning (the body text,
the year, other years' reports). A consistent, well-read report yields no error.
"""

from __future__ import annotations

from dataclasses import dataclass

from report.model import (
    ERROR,
    FAIL,
    PASS,
    STRUCTURE_ERROR,
    UNCERTAIN,
    WARNING,
    CheckResult,
    Evaluation,
    FigureCell,
    Issue,
    Number,
    Severity,
)
from report.narrative import Statement, find_statements
from report.templates import (
    AMOUNT,
    APPLICANT_COLS,
    SIGNED,
    T3_ROWS,
    T4_COLS,
    T4_GROUPS,
    TABLE_NAMES_ZH,
    TABLES,
    figure_keys,
    figure_kind,
    t3_result_keys,
)
from report.title import TitleFacts, read_title
from report.values import NOT_REPORTED, UNREADABLE

# ---- check kinds: plain data, read by evaluate() ------------------------------------------------


@dataclass(frozen=True)
class Sum:
    """sum(left) == sum(right); a key written "-key" is subtracted."""

    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True)
class Valid:
    """Every figure is a number of its kind: whole ≥ 0 (count), whole (signed), decimal ≥ 0 (amount)."""

    keys: tuple[str, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Present:
    """The table was found and has a cell for every figure of its format, and nothing left over."""

    table: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Stated:
    """A number the body text states equals the table's: the sum of one of the alternatives."""

    statement: str  # narrative.PATTERNS id
    alternatives: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class SameYear:
    """The title's year is the year the 总体情况 opens with."""


Check = Sum | Valid | Present | Stated | SameYear


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description_zh: str
    description_en: str
    check: Check

    @property
    def figures(self) -> list[str]:
        c = self.check
        if isinstance(c, Sum):
            return [k.lstrip("-") for k in c.left + c.right]
        if isinstance(c, (Valid, Present)):
            return list(c.keys)
        if isinstance(c, Stated):
            return list(dict.fromkeys(k for alt in c.alternatives for k in alt))
        return []


# ---- the rule set -------------------------------------------------------------------------------

APPLICANT_EN = {
    "natural": "natural persons",
    "business": "commercial enterprises",
    "research": "research institutions",
    "nonprofit": "social welfare organisations",
    "legal": "legal service institutions",
    "other": "others",
    "total": "total",
}
GROUP_EN = {
    "review": "administrative review",
    "litigation_direct": "litigation without review",
    "litigation_after_review": "litigation after review",
}
APPLICANTS_ZH = dict(APPLICANT_COLS)


def _req(row: str, col: str) -> str:
    return f"requests.{row}.{col}"


def table_rules(fmt: str) -> list[Rule]:
    """The rules that hold within one report of format fmt ("2021" or "2019")."""
    rules: list[Rule] = []
    for t in TABLES:
        keys = tuple(figure_keys(fmt, t))
        rules.append(
            Rule(
                f"structure.{t}",
                ERROR,
                f"表{TABLE_NAMES_ZH[t]}应有{fmt}年格式的全部行和列",
                f"table {t} has every row and column of the {fmt} format",
                Present(t, keys),
            )
        )
        rules.append(
            Rule(
                f"format.{t}",
                ERROR,
                f"表{TABLE_NAMES_ZH[t]}：件数为不小于0的整数，收费金额为不小于0的数",
                f"table {t}: counts are whole numbers ≥ 0, amounts are decimals ≥ 0",
                Valid(keys, tuple(figure_kind(fmt, k) for k in keys)),
            )
        )
    results = t3_result_keys(fmt)
    for col, zh in APPLICANT_COLS:
        en = APPLICANT_EN[col]
        rules.append(
            Rule(
                f"balance.{col}",
                ERROR,
                f"表三“{zh}”列：一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理",
                f"table 三, {en}: received + carried in = total handled + carried forward",
                Sum((_req("new", col), _req("carried_in", col)), (_req("total", col), _req("carried_out", col))),
            )
        )
        rules.append(
            Rule(
                f"results_total.{col}",
                ERROR,
                f"表三“{zh}”列：（七）总计 = （一）至（六）各项之和",
                f"table 三, {en}: total handled = sum of the results (一) to (六)",
                Sum((_req("total", col),), tuple(_req(r, col) for r in results)),
            )
        )
    for spec in T3_ROWS[fmt]:
        rules.append(
            Rule(
                f"applicant_total.{spec.key}",
                ERROR,
                f"表三“{spec.group}{spec.item}”行：总计 = 六类申请人之和",
                f"table 三, row {spec.key}: total = sum of the six kinds of applicant",
                Sum((_req(spec.key, "total"),), tuple(_req(spec.key, c) for c, _ in APPLICANT_COLS[:-1])),
            )
        )
    for g, zh in T4_GROUPS:
        rules.append(
            Rule(
                f"review_litigation_total.{g}",
                ERROR,
                f"表四“{zh}”：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
                f"table 四, {GROUP_EN[g]}: total = upheld + corrected + other + pending",
                Sum((f"{g}.total",), tuple(f"{g}.{c}" for c, _ in T4_COLS[:-1])),
            )
        )
    rules += text_rules()
    return rules


def text_rules() -> list[Rule]:
    """The body text against the tables, and the year; warnings (the text is often careless)."""
    new, carried_in = _req("new", "total"), _req("carried_in", "total")
    lawsuits = ("litigation_direct.total", "litigation_after_review.total")

    def stated(sid, zh, en, *alternatives):
        return Rule(f"text.{sid}", WARNING, zh, en, Stated(sid, tuple(alternatives)))

    return [
        stated(
            "received",
            "正文所述收到/受理申请件数与表三一致",
            "requests received per the text match table 三",
            (new,),
            (new, carried_in),
        ),
        stated(
            "completed",
            "正文所述办结件数与表三（七）总计一致",
            "requests completed per the text match table 三 (七)",
            (_req("total", "total"),),
        ),
        stated(
            "carried_out",
            "正文所述结转下年度件数与表三一致",
            "requests carried forward per the text match table 三",
            (_req("carried_out", "total"),),
        ),
        stated(
            "carried_in",
            "正文所述上年结转件数与表三一致",
            "requests carried in per the text match table 三",
            (carried_in,),
        ),
        stated(
            "review",
            "正文所述行政复议件数与表四一致",
            "administrative reviews per the text match table 四",
            ("review.total",),
        ),
        stated("litigation", "正文所述行政诉讼件数与表四一致", "lawsuits per the text match table 四", lawsuits),
        stated(
            "no_requests", "正文称未收到申请，表三本年新收应为0", "the text says no requests: table 三 new = 0", (new,)
        ),
        stated(
            "no_review",
            "正文称无行政复议，表四行政复议总计应为0",
            "the text says no review: table 四 review = 0",
            ("review.total",),
        ),
        stated(
            "no_litigation",
            "正文称无行政诉讼，表四行政诉讼总计应为0",
            "the text says no lawsuit: table 四 = 0",
            lawsuits,
        ),
        Rule(
            "year.opening",
            WARNING,
            "标题年份与总体情况开头所述年份一致",
            "the title's year is the year the 总体情况 opens with",
            SameYear(),
        ),
    ]


def cross_report_rules(fmt: str = "2021") -> list[Rule]:
    """This year's report against last year's of the same body; last year's keys are prefixed "last:"."""
    rules = [
        Rule(
            f"cross.carried_in.{col}",
            WARNING,
            f"表三“{zh}”列：本年“上年结转” = 上年报告“结转下年度继续办理”",
            f"table 三, {APPLICANT_EN[col]}: carried in = last year's carried forward",
            Sum((_req("carried_in", col),), (f"last:{_req('carried_out', col)}",)),
        )
        for col, zh in APPLICANT_COLS
    ]
    for kind, zh in (("rules", "规章"), ("normative", "行政规范性文件" if fmt == "2021" else "规范性文件")):
        p = f"active.{kind}"
        if fmt == "2021":
            rules.append(
                Rule(
                    f"cross.valid.{kind}",
                    WARNING,
                    f"{zh}：现行有效件数 = 上年现行有效 + 本年制发 − 本年废止",
                    f"{kind}: in force = last year's in force + made − repealed",
                    Sum((f"{p}.valid",), (f"last:{p}.valid", f"{p}.made", f"-{p}.repealed")),
                )
            )
        else:
            rules.append(
                Rule(
                    f"cross.published_total.{kind}",
                    WARNING,
                    f"{zh}：对外公开总数量 = 上年对外公开总数量 + 本年新公开数量",
                    f"{kind}: published in total = last year's total + published this year",
                    Sum((f"{p}.published_total",), (f"last:{p}.published_total", f"{p}.published")),
                )
            )
    return rules


# ---- the evaluator ------------------------------------------------------------------------------

MISSING, LOW = "missing", "low_confidence"
REASONS = {  # why a check is not PASS: (zh, en)
    MISSING: ("表中缺少该格", "the cell is not in the table"),
    NOT_REPORTED: ("未填报", "not reported"),
    UNREADABLE: ("无法识别", "unreadable"),
    LOW: ("识别置信度低", "read with low confidence"),
    "disagree": ("所读数值不相符", "the numbers as read do not agree"),
    "invalid": ("数值不合规", "not a valid number of its kind"),
    "structure": ("表格结构不符", "the table's structure does not fit"),
    "no_title_year": ("标题中未找到年份", "no year found in the title"),
}


@dataclass
class Context:
    figures: dict[str, Number | None]
    sources: dict[str, FigureCell] | None  # None: figures given by hand, every one trusted
    review_threshold: float
    problems: dict[str, list[str]]
    statements: list[Statement]
    title: TitleFacts | None  # None: no body text

    def state(self, key: str) -> str:
        """ok | missing | not_reported | unreadable | low_confidence"""
        if key not in self.figures:
            return MISSING
        cell = self.sources.get(key) if self.sources is not None else None
        if self.sources is not None and cell is None and not key.startswith("last:"):
            return MISSING
        if self.figures[key] is None:
            return cell.state if cell is not None and cell.state == UNREADABLE else NOT_REPORTED
        if cell is not None and cell.confidence < self.review_threshold:
            return LOW
        return "ok"


def _fmt(v: Number | None) -> str | None:
    if v is None:
        return None
    v = round(float(v), 6)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def _total(ctx: Context, keys: tuple[str, ...]) -> float:
    return sum((-_figure(ctx, k[1:]) if k.startswith("-") else _figure(ctx, k) for k in keys), 0.0)


def _figure(ctx: Context, key: str) -> float:
    value = ctx.figures[key]
    assert value is not None, key  # callers total only figures that were read
    return float(value)


def evaluate(rule: Rule, ctx: Context) -> CheckResult | None:
    """Run one rule. None when it does not apply (the text states nothing it checks)."""
    c = rule.check

    def result(status, severity=rule.severity, expected=None, found=None, attention=(), note=""):
        return CheckResult(rule.id, status, severity, expected, found, rule.figures, list(attention), note)

    if isinstance(c, Sum):
        keys = rule.figures
        states = {k: ctx.state(k) for k in keys}
        unknown = [k for k in keys if states[k] in (MISSING, NOT_REPORTED, UNREADABLE)]
        if unknown:
            return result(UNCERTAIN, WARNING, attention=unknown, note=_note(states, unknown))
        left, right = _total(ctx, c.left), _total(ctx, c.right)
        low = [k for k in keys if states[k] == LOW]
        expected, found = _fmt(right), _fmt(left)
        if abs(left - right) < 1e-6:
            return (
                result(PASS, expected=expected, found=found)
                if not low
                else result(UNCERTAIN, WARNING, expected, found, low, _note(states, low))
            )
        if low:  # either misread or wrong: a person must look, and the report is flagged
            return result(UNCERTAIN, rule.severity, expected, found, keys, "disagree " + _note(states, low))
        return result(FAIL, expected=expected, found=found, attention=keys)

    if isinstance(c, Valid):
        bad = [k for k, kind in zip(c.keys, c.kinds) if not _valid(ctx.figures.get(k), kind)]
        if bad:
            found = ", ".join(f"{k}={_fmt(ctx.figures[k])}" for k in bad[:3]) + (" …" if len(bad) > 3 else "")
            return result(FAIL, expected="whole numbers ≥ 0 / amounts ≥ 0", found=found, attention=bad, note="invalid")
        unreadable = [k for k in c.keys if ctx.state(k) == UNREADABLE]
        if unreadable:
            return result(UNCERTAIN, WARNING, attention=unreadable, note=_note({}, unreadable, UNREADABLE))
        return result(PASS)

    if isinstance(c, Present):
        missing = [k for k in c.keys if ctx.state(k) == MISSING]
        problems = ctx.problems.get(c.table, [])
        if problems or missing:
            note = "; ".join(problems) or "missing " + ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            return result(
                STRUCTURE_ERROR,
                ERROR,
                expected=f"{len(c.keys)} figures",
                found=f"{len(c.keys) - len(missing)} figures",
                note=note,
            )
        return result(PASS)

    if isinstance(c, Stated):
        said = [s for s in ctx.statements if s.id == c.statement]
        if not said:
            return None
        known: list[float] = []
        unsure: list[str] = []
        for alt in c.alternatives:
            states = {k: ctx.state(k) for k in alt}
            bad = [k for k in alt if states[k] not in ("ok", LOW)]
            if bad:
                unsure += bad
            else:
                known.append(_total(ctx, alt))
        found = "；".join(dict.fromkeys(s.text for s in said))
        expected = "/".join(dict.fromkeys(str(_fmt(v)) for v in known)) or None
        if known and all(any(abs(s.value - v) < 1e-6 for v in known) for s in said):
            return result(PASS, expected=expected, found=found)
        if unsure:
            return result(UNCERTAIN, WARNING, expected, found, unsure, _note({}, unsure, NOT_REPORTED))
        return result(FAIL, expected=expected, found=found, attention=list(c.alternatives[0]))

    if isinstance(c, SameYear):
        t = ctx.title
        if t is None or (t.year is not None and t.opening_year is None):
            return None
        if t.year is None:
            return result(UNCERTAIN, WARNING, found=t.title, note="no_title_year")
        if t.year == t.opening_year:
            return result(PASS, expected=str(t.year), found=str(t.opening_year))
        return result(FAIL, expected=str(t.year), found=t.opening_text)

    raise TypeError(f"unknown check {c!r}")


def _valid(v: Number | None, kind: str) -> bool:
    if v is None:
        return True  # not reported is allowed here; the sums that need it say UNCERTAIN
    if kind == AMOUNT:
        return v >= 0
    if not float(v).is_integer():
        return False
    return kind == SIGNED or v >= 0


def _note(states: dict[str, str], keys: list[str], default: str = MISSING) -> str:
    return ", ".join(f"{k}: {states.get(k, default)}" for k in keys)


def _issue(rule: Rule, r: CheckResult, sources: dict[str, FigureCell] | None) -> Issue:
    zh, en = _reason(r)
    if r.status == FAIL:
        mzh = f"{rule.description_zh}：应为 {r.expected}，实为 {r.found}"
        men = f"{rule.description_en}: expected {r.expected}, found {r.found}"
    elif r.status == STRUCTURE_ERROR:
        mzh = f"{rule.description_zh}：{zh}，应有 {r.expected}，实有 {r.found}（{r.note}）"
        men = f"{rule.description_en}: {en}, expected {r.expected}, found {r.found} ({r.note})"
    else:
        detail = f"应为 {r.expected}，实为 {r.found}；" if r.expected is not None else ""
        mzh = f"{rule.description_zh}：无法确认，{detail}{zh}：{', '.join(r.attention)}"
        men = (
            f"{rule.description_en}: cannot be confirmed"
            + (f", expected {r.expected}, found {r.found}" if r.expected is not None else "")
            + f"; {en}: {', '.join(r.attention)}"
        )
    cells = [sources[k] for k in r.attention if sources and k in sources]
    return Issue(rule.id, r.severity, r.status, mzh, men, r.expected, r.found, list(r.attention), cells)


def _reason(r: CheckResult) -> tuple[str, str]:
    if r.status == STRUCTURE_ERROR:
        return REASONS["structure"]
    if r.note.startswith("disagree"):
        return REASONS["disagree"]
    for code in (MISSING, UNREADABLE, NOT_REPORTED, LOW, "invalid", "no_title_year"):
        if code in r.note:
            return REASONS[code]
    return "", ""


def run(rules: list[Rule], ctx: Context) -> Evaluation:
    """Evaluate every rule; every non-PASS check becomes an error or a warning by its severity."""
    checks: list[CheckResult] = []
    errors: list[Issue] = []
    warnings: list[Issue] = []
    for rule in rules:
        r = evaluate(rule, ctx)
        if r is None:
            continue
        checks.append(r)
        if r.status != PASS:
            (errors if r.severity == ERROR else warnings).append(_issue(rule, r, ctx.sources))
    return Evaluation(checks, errors, warnings)


def evaluate_rules(
    figures: dict[str, Number | None],
    *,
    fmt: str = "2021",
    sources: dict[str, FigureCell] | None = None,
    review_threshold: float = 0.0,
    page_text: str = "",
    problems: dict[str, list[str]] | None = None,
) -> Evaluation:
    """Check one report's figures (for instance after a person corrected some).

    figures: every figure of the format (None = not reported); a key left out counts as missing.
    sources: the cell of each figure, for confidences and to tell unreadable from not reported; leave it
    out for figures a person has confirmed. page_text: the body text, for the text and year rules.
    problems: structure problems per table ("two"/"three"/"four") found while mapping the grid.
    """
    ctx = Context(
        figures,
        sources,
        review_threshold,
        problems or {},
        find_statements(page_text),
        read_title(page_text) if page_text.strip() else None,
    )
    return run(table_rules(fmt), ctx)


def cross_report_checks(
    this_year: dict[str, Number | None], last_year: dict[str, Number | None], fmt: str = "2021"
) -> Evaluation:
    """This year's report against last year's of the same body (warnings): 上年结转 = last year's 结转下年度,
    现行有效 = last year's 现行有效 + 制发 − 废止."""
    figures = {**this_year, **{f"last:{k}": v for k, v in last_year.items()}}
    ctx = Context(figures, None, 0.0, {}, [], None)
    return run(cross_report_rules(fmt), ctx)
