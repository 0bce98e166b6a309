"""What a forged document says: a report's figures, its mandated tables as cell grids, its body text,
and the tables of documents that are not annual reports (budgets, final accounts).

A table is a list of cells: dict(row, col, row_span, col_span, text, kind), kind "header", "label" or
"value". Figures are a flat dict under the product's figure keys (active.*, requests.<row>.<col>,
review.*, litigation_direct.*, litigation_after_review.*), so truth and export compare key by key.
This module is written apart from report on purpose: a second reading of the national formats.
"""

from __future__ import annotations

import random

FORMATS = ("2021", "2019")

APPLICANTS = [
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("nonprofit", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other", "其他"),
    ("total", "总计"),
]
COLS = [k for k, _ in APPLICANTS]

_REFUSE = [
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
]
_UNABLE = ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]
_IGNORE = [
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
]
_OTHER = [
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
]


def t3_rows(fmt: str) -> list[tuple[str, str, str | None]]:
    """(key, group label, item label or None) for every data row of table 三, top to bottom."""
    rows = [
        ("new", "一、本年新收政府信息公开申请数量", None),
        ("carried_in", "二、上年结转政府信息公开申请数量", None),
        ("open", "（一）予以公开", None),
        ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    ]
    rows += [(f"refuse_{i}", "（三）不予公开", t) for i, t in enumerate(_REFUSE, 1)]
    rows += [(f"unable_{i}", "（四）无法提供", t) for i, t in enumerate(_UNABLE, 1)]
    rows += [(f"ignore_{i}", "（五）不予处理", t) for i, t in enumerate(_IGNORE, 1)]
    if fmt == "2021":
        rows += [(f"other_{i}", "（六）其他处理", t) for i, t in enumerate(_OTHER, 1)]
    else:
        rows += [("other", "（六）其他处理", None)]
    return rows + [("total", "（七）总计", None), ("carried_out", "四、结转下年度继续办理", None)]


def result_keys(fmt: str) -> list[str]:
    """The rows that （七）总计 sums."""
    return [k for k, _, _ in t3_rows(fmt) if k not in ("new", "carried_in", "total", "carried_out")]


T4_GROUPS = ["review", "litigation_direct", "litigation_after_review"]
T4_COLS = ["upheld", "corrected", "other", "pending", "total"]
T4_HEAD = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

T2_KEYS = {
    "2021": [
        "active.rules.made",
        "active.rules.repealed",
        "active.rules.valid",
        "active.normative.made",
        "active.normative.repealed",
        "active.normative.valid",
        "active.licensing",
        "active.penalty",
        "active.coercion",
        "active.fees",
    ],
    "2019": [f"active.{p}.{k}" for p in ("rules", "normative") for k in ("created", "published", "published_total")]
    + [
        f"active.{p}{s}"
        for p in ("licensing", "other_services", "penalty", "coercion")
        for s in (".previous", ".change", "")
    ]
    + ["active.fee_items.previous", "active.fee_items.change", "active.procurement.items", "active.procurement.amount"],
}
AMOUNTS = {"active.fees", "active.procurement.amount"}  # decimals, 万元


def figure_keys(fmt: str) -> list[str]:
    return (
        T2_KEYS[fmt]
        + [f"requests.{k}.{c}" for k, _, _ in t3_rows(fmt) for c in COLS]
        + [f"{g}.{c}" for g in T4_GROUPS for c in T4_COLS]
    )


def fix_totals(v: dict, fmt: str) -> None:
    """Make every mandated sum hold: row totals, （七）总计, the balance 一+二 = 七+四, table 四's totals."""
    for k, _, _ in t3_rows(fmt):
        if k != "total":
            v[f"requests.{k}.total"] = sum(v[f"requests.{k}.{c}"] for c in COLS[:-1])
    for c in COLS:
        v[f"requests.total.{c}"] = sum(v[f"requests.{k}.{c}"] for k in result_keys(fmt))
        v[f"requests.carried_out.{c}"] = (
            v[f"requests.new.{c}"] + v[f"requests.carried_in.{c}"] - v[f"requests.total.{c}"]
        )
    for g in T4_GROUPS:
        v[f"{g}.total"] = sum(v[f"{g}.{c}"] for c in T4_COLS[:-1])


def zero_figures(fmt: str = "2021") -> dict:
    """A report with every figure 0 (an office that received nothing)."""
    v = {k: 0 for k in figure_keys(fmt)}
    v.update({k: 0.0 for k in AMOUNTS if k in v})
    return v


def random_figures(rng: random.Random, fmt: str = "2021", scale: str = "district") -> dict:
    """Plausible, consistent figures; scale (street, district, city) sets how busy the office is."""
    big = {"street": 3, "district": 40, "city": 600}[scale]
    v: dict = {k: 0 for k in figure_keys(fmt)}

    def small(p_zero: float, hi: int) -> int:
        return 0 if rng.random() < p_zero else rng.randint(1, max(1, hi))

    for k in T2_KEYS[fmt]:
        if k in AMOUNTS:
            v[k] = rng.choice([0.0, 0.0, rng.randint(0, 99) / 100, rng.randint(1, 99999) / 100])
        elif k.endswith(".change"):
            v[k] = rng.choice([0, 0, rng.randint(-5, 5)])
        elif k.endswith((".valid", ".published_total", ".previous")):
            v[k] = rng.randint(0, 200)
        else:
            v[k] = small(0.5, big * 5)
    results = result_keys(fmt)
    weights = [30, 12] + [1] * 8 + [20, 5, 3] + [4, 3, 1, 1, 1] + ([2, 1, 2] if fmt == "2021" else [4])
    for c in COLS[:-1]:
        n = rng.randint(0, big) if (c == "natural" or rng.random() < 0.3) else 0
        for _ in range(n):
            v[f"requests.{rng.choices(results, weights=weights)[0]}.{c}"] += 1
        handled = sum(v[f"requests.{k}.{c}"] for k in results)
        carried_out = rng.randint(0, max(0, handled // 8))
        carried_in = rng.randint(0, max(0, handled // 6))
        v[f"requests.carried_in.{c}"] = carried_in
        v[f"requests.new.{c}"] = handled + carried_out - carried_in
    for g in T4_GROUPS:
        for c in T4_COLS[:-1]:
            v[f"{g}.{c}"] = small(0.75, max(1, big // 10))
    fix_totals(v, fmt)
    return v


def break_a_sum(v: dict, fmt: str, rng: random.Random) -> dict:
    """Break one mandated sum the way a mistyped report does; returns what was broken."""
    kind = rng.choice(["row_total", "results_total", "balance", "review_total"])
    if kind == "row_total":
        k = rng.choice([k for k, _, _ in t3_rows(fmt) if k != "total"])
        v[f"requests.{k}.total"] += rng.choice([1, 2, 10])
        return {"rule": "applicant_total", "row": k}
    if kind == "results_total":
        c = rng.choice(COLS[:-1])
        v[f"requests.total.{c}"] += 1
        return {"rule": "results_total", "col": c}
    if kind == "balance":
        c = rng.choice(COLS[:-1])
        v[f"requests.new.{c}"] += rng.choice([1, 3])
        return {"rule": "balance", "col": c}
    g = rng.choice(T4_GROUPS)
    v[f"{g}.total"] += 1
    return {"rule": "review_litigation_total", "group": g}


def number_text(value) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def cell(r: int, c: int, text: str, kind: str = "label", rs: int = 1, cs: int = 1) -> dict:
    return {"row": r, "col": c, "row_span": rs, "col_span": cs, "text": text, "kind": kind}


def table_two(v: dict, fmt: str) -> list[dict]:
    """Section 二: blocks of 第二十条 items, 4 columns (the 2019 trial format counts differently)."""
    if fmt == "2021":
        blocks = [
            (
                "第二十条第（一）项",
                ["本年制发件数", "本年废止件数", "现行有效件数"],
                [("规章", T2_KEYS[fmt][0:3]), ("行政规范性文件", T2_KEYS[fmt][3:6])],
            ),
            ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", ["active.licensing"])]),
            (
                "第二十条第（六）项",
                ["本年处理决定数量"],
                [("行政处罚", ["active.penalty"]), ("行政强制", ["active.coercion"])],
            ),
            ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", ["active.fees"])]),
        ]
    else:
        dec = ["上一年项目数量", "本年增/减", "处理决定数量"]

        def decisions(p):
            return [f"active.{p}.previous", f"active.{p}.change", f"active.{p}"]

        blocks = [
            (
                "第二十条第（一）项",
                ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
                [("规章", T2_KEYS[fmt][0:3]), ("规范性文件", T2_KEYS[fmt][3:6])],
            ),
            (
                "第二十条第（五）项",
                dec,
                [("行政许可", decisions("licensing")), ("其他对外管理服务事项", decisions("other_services"))],
            ),
            ("第二十条第（六）项", dec, [("行政处罚", decisions("penalty")), ("行政强制", decisions("coercion"))]),
            (
                "第二十条第（八）项",
                dec[:2],
                [("行政事业性收费", ["active.fee_items.previous", "active.fee_items.change"])],
            ),
            (
                "第二十条第（九）项",
                ["采购项目数量", "采购总金额"],
                [("政府集中采购", ["active.procurement.items", "active.procurement.amount"])],
            ),
        ]
    cells, r = [], 0
    for title, heads, rows in blocks:
        cells.append(cell(r, 0, title, "header", cs=4))
        r += 1
        cells.append(cell(r, 0, "信息内容", "header"))
        spans = [3] if len(heads) == 1 else [1, 2] if len(heads) == 2 else [1, 1, 1]
        col = 1
        for h, s in zip(heads, spans):
            cells.append(cell(r, col, h, "header", cs=s))
            col += s
        r += 1
        for label, keys in rows:
            cells.append(cell(r, 0, label))
            col = 1
            for k, s in zip(keys, spans):
                cells.append(cell(r, col, number_text(v[k]), "value", cs=s))
                col += s
            r += 1
    return cells


def table_three(v: dict, fmt: str) -> list[dict]:
    """Section 三: requests received and handled; 10 columns, 3 header rows, merged group labels."""
    cells = [
        cell(0, 0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "header", rs=3, cs=3),
        cell(0, 3, "申请人情况", "header", cs=7),
        cell(1, 3, "自然人", "header", rs=2),
        cell(1, 4, "法人或其他组织", "header", cs=5),
        cell(1, 9, "总计", "header", rs=2),
    ]
    cells += [cell(2, 4 + i, t, "header") for i, (_, t) in enumerate(APPLICANTS[1:6])]
    rows = t3_rows(fmt)
    first = 3
    n_results = len(result_keys(fmt)) + 1  # the result rows and （七）总计
    cells.append(cell(first + 2, 0, "三、本年度办理结果", rs=n_results))
    seen = set()
    for r, (key, group, item) in enumerate(rows, first):
        if item is None:
            if key in ("new", "carried_in", "carried_out"):
                cells.append(cell(r, 0, group, cs=3))
            else:
                cells.append(cell(r, 1, group, cs=2))
        else:
            if group not in seen:
                seen.add(group)
                cells.append(cell(r, 1, group, rs=sum(1 for _, g, i in rows if g == group)))
            cells.append(cell(r, 2, item))
        cells += [cell(r, 3 + i, str(v[f"requests.{key}.{c}"]), "value") for i, c in enumerate(COLS)]
    return cells


def table_four(v: dict) -> list[dict]:
    """Section 四: administrative review and litigation; 15 columns, 3 header rows."""
    cells = [cell(0, 0, "行政复议", "header", cs=5), cell(0, 5, "行政诉讼", "header", cs=10)]
    cells += [cell(1, i, t, "header", rs=2) for i, t in enumerate(T4_HEAD)]
    cells += [cell(1, 5, "未经复议直接起诉", "header", cs=5), cell(1, 10, "复议后起诉", "header", cs=5)]
    cells += [cell(2, 5 + i, t, "header") for i, t in enumerate(T4_HEAD * 2)]
    cells += [
        cell(3, i, str(v[f"{g}.{c}"]), "value") for i, (g, c) in enumerate((g, c) for g in T4_GROUPS for c in T4_COLS)
    ]
    return cells


# Column widths as fractions of the table width.
WIDTHS = {"two": [0.31, 0.23, 0.23, 0.23], "three": [0.075, 0.12, 0.285] + [0.52 / 7] * 7, "four": [1 / 15] * 15}

# ---- body text --------------------------------------------------------------------------------

BODIES = [
    "东风区人民政府办公室",
    "青山县人民政府",
    "江北市自然资源和规划局",
    "南湖区教育局",
    "西城街道办事处",
    "河东市生态环境局",
    "北塘镇人民政府",
    "临江市市场监督管理局",
]


def narrative(v: dict, year: int, body: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Paragraphs before and after the tables. The figures stated agree with the tables."""
    received = v["requests.new.total"]
    completed = v["requests.total.total"]
    review = v["review.total"]
    litigation = v["litigation_direct.total"] + v["litigation_after_review.total"]
    before = [
        "一、总体情况",
        f"{year}年，{body}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开"
        "条例》，持续深化政务公开，积极回应社会关切，各项工作取得新成效。",
        "（一）主动公开。围绕中心工作及时发布权威信息，通过政府网站、政务新媒体等平台发布政务动态和政策文件，"
        "及时更新政府信息主动公开目录。",
        f"（二）依申请公开。规范申请受理、审查、答复等环节，全年共受理政府信息公开申请{received}件，"
        f"办结{completed}件，全年办理由政府信息公开申请引发的行政复议{review}件、行政诉讼{litigation}件。",
        "（三）政府信息管理。将公开属性认定融入公文办理流程，动态更新政策文件库，规范行政规范性文件管理。",
        "（四）平台建设。优化政府门户网站栏目设置，完善智能搜索和无障碍浏览功能，强化平台安全防护。",
        "（五）监督保障。召开政务公开业务培训会，加强对基层政务公开工作的指导和检查。",
    ]
    after = [
        "五、存在的主要问题及改进情况",
        "本年度政府信息公开工作仍存在公开内容不够全面、政策解读形式较为单一等问题。下一步将进一步加强培训，"
        "丰富解读形式，提升公开质量。",
        "六、其他需要报告的事项",
        rng.choice(
            [
                "本年度未收取信息处理费。",
                "本机关无其他需要报告的事项。",
                f"本年度依据《政府信息公开信息处理费管理办法》收取信息处理费{rng.randint(0, 3)}次。",
            ]
        ),
    ]
    return before, after


def report_title(year: int, body: str) -> str:
    return f"{body}{year}年政府信息公开工作年度报告"


# ---- documents that are not annual reports ------------------------------------------------------

_FUNCTIONS = [
    ("201", "一般公共服务支出"),
    ("20103", "政府办公厅（室）及相关机构事务"),
    ("2010301", "行政运行"),
    ("2010302", "一般行政管理事务"),
    ("2010350", "事业运行"),
    ("205", "教育支出"),
    ("20502", "普通教育"),
    ("2050201", "学前教育"),
    ("2050202", "小学教育"),
    ("208", "社会保障和就业支出"),
    ("20805", "行政事业单位养老支出"),
    ("2080505", "机关事业单位基本养老保险缴费支出"),
    ("2080506", "机关事业单位职业年金缴费支出"),
    ("210", "卫生健康支出"),
    ("21011", "行政事业单位医疗"),
    ("2101101", "行政单位医疗"),
    ("221", "住房保障支出"),
    ("22102", "住房改革支出"),
    ("2210201", "住房公积金"),
]


def amount(rng: random.Random, hi: float = 9999.99) -> str:
    """An amount as budgets print it: thousands separators, two decimals."""
    return f"{rng.uniform(0, hi):,.2f}"


def budget_table(rng: random.Random, rows: int = 12) -> list[dict]:
    """A department budget's 一般公共预算支出表: function codes, names, amounts with thousands separators."""
    cells = [
        cell(0, 0, "功能分类科目", "header", cs=2),
        cell(0, 2, "一般公共预算支出", "header", cs=3),
        cell(1, 0, "科目编码", "header"),
        cell(1, 1, "科目名称", "header"),
        cell(1, 2, "合计", "header"),
        cell(1, 3, "基本支出", "header"),
        cell(1, 4, "项目支出", "header"),
    ]
    picked = sorted(rng.sample(_FUNCTIONS, min(rows, len(_FUNCTIONS))), key=lambda f: f[0])
    for r, (code, name) in enumerate(picked, 2):
        basic, project = rng.uniform(0, 3000), rng.choice([0.0, rng.uniform(0, 2000)])
        cells += [
            cell(r, 0, code),
            cell(r, 1, name),
            cell(r, 2, f"{basic + project:,.2f}", "value"),
            cell(r, 3, f"{basic:,.2f}", "value"),
            cell(r, 4, f"{project:,.2f}", "value"),
        ]
    return cells


def final_account_table(rng: random.Random) -> list[dict]:
    """A final account's 收入支出决算总表: items, budget, final figures, a ratio column."""
    items = [
        "一、一般公共预算财政拨款收入",
        "二、政府性基金预算财政拨款收入",
        "三、事业收入",
        "四、经营收入",
        "五、其他收入",
        "本年收入合计",
        "一、一般公共服务支出",
        "二、教育支出",
        "三、社会保障和就业支出",
        "本年支出合计",
    ]
    cells = [
        cell(0, 0, "项目", "header"),
        cell(0, 1, "年初预算数", "header"),
        cell(0, 2, "决算数", "header"),
        cell(0, 3, "决算数为预算数的%", "header"),
    ]
    for r, item in enumerate(items, 1):
        budget = rng.uniform(10, 50000)
        final = budget * rng.uniform(0.8, 1.2)
        cells += [
            cell(r, 0, item),
            cell(r, 1, f"{budget:,.2f}", "value"),
            cell(r, 2, f"{final:,.2f}", "value"),
            cell(r, 3, f"{final / budget * 100:.1f}", "value"),
        ]
    return cells


OTHER_WIDTHS = {"budget": [0.16, 0.36, 0.16, 0.16, 0.16], "final_account": [0.4, 0.2, 0.2, 0.2]}
OTHER_TITLES = {
    "budget": ("{body}{year}年部门预算", "一般公共预算支出表", "单位：万元"),
    "final_account": ("{body}{year}年度部门决算", "收入支出决算总表", "单位：万元"),
}
