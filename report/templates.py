"""The mandated tables of a 政府信息公开工作年度报告, as labels and figure keys.

Two national formats exist:
  2021  国办公开办函〔2021〕30号 (current).
  2019  国办公开办函〔2019〕60号 (trial): section 二 counts documents made/published and has a
        （九）政府集中采购 block; section 三's （六）其他处理 is a single row.

Figure keys (the export's and the test forge's) for 2021 (active.*, requests.<row>.<col>,
review.*, litigation_direct.*, litigation_after_review.*); the 2019 format reuses a key wherever
the meaning is the same and has keys of its own otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("2021", "2019")

# ---- Table 三: requests received and handled -------------------------------------------------

# Applicant columns, left to right: (key, header label).
APPLICANT_COLS: list[tuple[str, str]] = [
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("nonprofit", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other", "其他"),
    ("total", "总计"),
]
APPLICANT_KEYS = [k for k, _ in APPLICANT_COLS]


@dataclass(frozen=True)
class RowSpec:
    key: str  # requests.<key>.<col>
    group: str  # the label of the row (or of its group of rows)
    item: str = ""  # the item label inside a group, "" for a row that is its own group


_REFUSE = "（三）不予公开"
_UNABLE = "（四）无法提供"
_IGNORE = "（五）不予处理"
_OTHER = "（六）其他处理"

_T3_HEAD = [
    RowSpec("new", "一、本年新收政府信息公开申请数量"),
    RowSpec("carried_in", "二、上年结转政府信息公开申请数量"),
    RowSpec("open", "（一）予以公开"),
    RowSpec("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    *[
        RowSpec(f"refuse_{i}", _REFUSE, item)
        for i, item in enumerate(
            [
                "1.属于国家秘密",
                "2.其他法律行政法规禁止公开",
                "3.危及“三安全一稳定”",
                "4.保护第三方合法权益",
                "5.属于三类内部事务信息",
                "6.属于四类过程性信息",
                "7.属于行政执法案卷",
                "8.属于行政查询事项",
            ],
            1,
        )
    ],
    *[
        RowSpec(f"unable_{i}", _UNABLE, item)
        for i, item in enumerate(
            ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"], 1
        )
    ],
    *[
        RowSpec(f"ignore_{i}", _IGNORE, item)
        for i, item in enumerate(
            [
                "1.信访举报投诉类申请",
                "2.重复申请",
                "3.要求提供公开出版物",
                "4.无正当理由大量反复申请",
                "5.要求行政机关确认或重新出具已获取信息",
            ],
            1,
        )
    ],
]
_T3_TAIL = [RowSpec("total", "（七）总计"), RowSpec("carried_out", "四、结转下年度继续办理")]

T3_ROWS: dict[str, list[RowSpec]] = {
    "2021": _T3_HEAD
    + [
        RowSpec("other_1", _OTHER, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        RowSpec("other_2", _OTHER, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        RowSpec("other_3", _OTHER, "3.其他"),
    ]
    + _T3_TAIL,
    "2019": _T3_HEAD + [RowSpec("other", _OTHER)] + _T3_TAIL,
}
# Rows that are not handling results: （七）总计 sums every other row between 二 and （七）.
NOT_RESULTS = ("new", "carried_in", "total", "carried_out")


def t3_row_keys(fmt: str) -> list[str]:
    return [r.key for r in T3_ROWS[fmt]]


def t3_result_keys(fmt: str) -> list[str]:
    return [k for k in t3_row_keys(fmt) if k not in NOT_RESULTS]


# ---- Table 四: administrative review and litigation (same in both formats) -------------------

T4_GROUPS: list[tuple[str, str]] = [
    ("review", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after_review", "复议后起诉"),
]
T4_COLS: list[tuple[str, str]] = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
]
T4_KEYS = [f"{g}.{c}" for g, _ in T4_GROUPS for c, _ in T4_COLS]

# ---- Table 二: documents and decisions published on the organ's own initiative ---------------

COUNT, SIGNED, AMOUNT = "count", "signed", "amount"  # whole ≥ 0 | whole, any sign | decimal ≥ 0


@dataclass(frozen=True)
class ColSpec:
    key: str  # the figure key
    header: str  # the column's header label
    kind: str = COUNT


@dataclass(frozen=True)
class T2Row:
    label: str
    cols: tuple[ColSpec, ...]


def _made(prefix: str) -> tuple[ColSpec, ...]:
    return (
        ColSpec(f"{prefix}.made", "本年制发件数"),
        ColSpec(f"{prefix}.repealed", "本年废止件数"),
        ColSpec(f"{prefix}.valid", "现行有效件数"),
    )


def _published(prefix: str) -> tuple[ColSpec, ...]:
    return (
        ColSpec(f"{prefix}.created", "本年新制作数量"),
        ColSpec(f"{prefix}.published", "本年新公开数量"),
        ColSpec(f"{prefix}.published_total", "对外公开总数量"),
    )


def _decisions(key: str) -> tuple[ColSpec, ...]:
    return (
        ColSpec(f"{key}.previous", "上一年项目数量"),
        ColSpec(f"{key}.change", "本年增/减", SIGNED),
        ColSpec(key, "处理决定数量"),
    )


T2_ROWS: dict[str, list[T2Row]] = {
    "2021": [
        T2Row("规章", _made("active.rules")),
        T2Row("行政规范性文件", _made("active.normative")),
        T2Row("行政许可", (ColSpec("active.licensing", "本年处理决定数量"),)),
        T2Row("行政处罚", (ColSpec("active.penalty", "本年处理决定数量"),)),
        T2Row("行政强制", (ColSpec("active.coercion", "本年处理决定数量"),)),
        T2Row("行政事业性收费", (ColSpec("active.fees", "本年收费金额（单位：万元）", AMOUNT),)),
    ],
    "2019": [
        T2Row("规章", _published("active.rules")),
        T2Row("规范性文件", _published("active.normative")),
        T2Row("行政许可", _decisions("active.licensing")),
        T2Row("其他对外管理服务事项", _decisions("active.other_services")),
        T2Row("行政处罚", _decisions("active.penalty")),
        T2Row("行政强制", _decisions("active.coercion")),
        T2Row(
            "行政事业性收费",
            (
                ColSpec("active.fee_items.previous", "上一年项目数量"),
                ColSpec("active.fee_items.change", "本年增/减", SIGNED),
            ),
        ),
        T2Row(
            "政府集中采购",
            (
                ColSpec("active.procurement.items", "采购项目数量"),
                ColSpec("active.procurement.amount", "采购总金额", AMOUNT),
            ),
        ),
    ],
}
# Labels only the 2019 table 二 has.
T2_2019_MARKERS = [
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "其他对外管理服务事项",
    "政府集中采购",
    "采购项目数量",
    "采购总金额",
]
# Labels only the 2021 table 二 has.
T2_2021_MARKERS = ["本年制发件数", "本年废止件数", "现行有效件数", "行政规范性文件", "本年收费金额（单位：万元）"]

# ---- Every figure of a report, and what kind of number it is ---------------------------------


def figure_keys(fmt: str, table: str | None = None) -> list[str]:
    """Every figure key of one table ("two", "three", "four") or of the whole report, in order."""
    if table is None:
        return [k for t in TABLES for k in figure_keys(fmt, t)]
    if table == "two":
        return [c.key for row in T2_ROWS[fmt] for c in row.cols]
    if table == "three":
        return [f"requests.{r}.{c}" for r in t3_row_keys(fmt) for c in APPLICANT_KEYS]
    if table == "four":
        return list(T4_KEYS)
    raise ValueError(f"unknown table {table!r}")


def figure_kind(fmt: str, key: str) -> str:
    """COUNT, SIGNED or AMOUNT."""
    for row in T2_ROWS[fmt]:
        for c in row.cols:
            if c.key == key:
                return c.kind
    return COUNT


# ---- What identifies each table: labels that a table of that kind carries --------------------

TABLES = ("two", "three", "four")
TABLE_NAMES_ZH = {
    "two": "二、主动公开政府信息情况",
    "three": "三、收到和处理政府信息公开申请情况",
    "four": "四、政府信息公开行政复议、行政诉讼情况",
}

ANCHORS: dict[str, list[str]] = {
    "two": [
        "第二十条第（一）项",
        "信息内容",
        "规章",
        "第二十条第（五）项",
        "行政许可",
        "第二十条第（六）项",
        "行政处罚",
        "行政强制",
        "第二十条第（八）项",
        "行政事业性收费",
    ],
    "three": [
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
        "三、本年度办理结果",
        "（一）予以公开",
        "（三）不予公开",
        "（四）无法提供",
        "（五）不予处理",
        "（六）其他处理",
        "（七）总计",
        "四、结转下年度继续办理",
    ],
    "four": ["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果", "尚未审结"],
}
