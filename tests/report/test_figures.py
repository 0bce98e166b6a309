"""Which table is which, and every cell mapped to its named figure."""

import random

import pytest
from report_builders import find, report_tables, seed_figures, t3_col, t3_row, typo, value_cell

from report import analyse_report, figure_keys, stitch, stitched_origin
from report.values import UNREADABLE, read_value
from schemas.results import CellResult, TableResult
from tests.forge import content as C


def random_report(seed: int, scale: str = "city", fmt: str = "2021") -> dict:
    return C.random_figures(random.Random(seed), fmt, scale)


def assert_exact(analysis, truth: dict) -> None:
    assert set(analysis.figures) == set(truth)
    wrong = {k: (analysis.figures[k], v) for k, v in truth.items() if analysis.figures[k] != v}
    assert not wrong


@pytest.mark.parametrize("seed", range(6))
def test_forged_report_in_any_order_maps_every_figure_exactly(seed):
    v = random_report(seed, ["street", "district", "city"][seed % 3])
    tables = report_tables(v)
    order = [2, 0, 1] if seed % 2 else [1, 2, 0]
    a = analyse_report([tables[i] for i in order], "", 0.8)
    assert [a.tables[k].template for k in range(3)] == [["two", "three", "four"][i] for i in order]
    assert all(t.format == "2021" and t.score > 90 and t.label for t in a.tables)
    assert_exact(a, v)
    assert a.format == "2021"


@pytest.mark.parametrize("name", ["000", "001", "002", "003", "004"])
def test_seed_figures_are_mapped_exactly(name):
    v = seed_figures(name)
    assert_exact(analyse_report(report_tables(v), "", 0.8), v)


def test_each_figure_names_the_cell_it_came_from():
    v = random_report(1)
    two, three, four = report_tables(v)
    a = analyse_report([four, two, three], "", 0.8)
    src = a.sources["requests.unable_1.natural"]
    assert (src.table, src.row, src.col) == (2, t3_row("unable_1"), t3_col("natural"))
    assert src.text == str(v["requests.unable_1.natural"]) and src.confidence == pytest.approx(0.95)
    src = a.sources["litigation_direct.pending"]
    assert (src.table, src.row, src.col) == (0, 3, 8)
    src = a.sources["active.fees"]
    assert (src.table, src.row, src.col) == (1, 13, 1)


@pytest.mark.parametrize("rate", [0.2, 0.4])
def test_labels_misread_by_ocr_still_map(rate):
    rng = random.Random(int(rate * 100))
    for seed in range(5):
        v = random_report(100 + seed)
        tables = report_tables(v)
        for t in tables:
            for c in t:
                if read_value(c.text).state == UNREADABLE:
                    c.text = typo(c.text, rng, rate)
        a = analyse_report(tables, "", 0.8)
        assert_exact(a, v)
        assert not a.errors


def test_numbers_with_ocr_noise_are_read():
    v = random_report(7)
    v["requests.new.natural"] += 1000
    v["requests.carried_out.natural"] += 1000
    v["review.upheld"] = 12  # two digits to space apart
    C.fix_totals(v, "2021")
    v["active.fees"] = 12.5
    two, three, four = report_tables(v)
    value_cell(three, t3_row("new"), t3_col("natural")).text = f"{v['requests.new.natural']:,}"  # 1,0xx
    value_cell(three, t3_row("carried_in"), t3_col("natural")).text = str(v["requests.carried_in.natural"]).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    value_cell(four, 3, 0).text = " ".join(str(v["review.upheld"]))
    key, c = next((k, c) for k in C.result_keys("2021") for c in C.COLS[:-1] if v[f"requests.{k}.{c}"] == 0)
    value_cell(three, t3_row(key), t3_col(c)).text = "O"  # letter O for 0
    a = analyse_report([two, three, four], "", 0.8)
    assert_exact(a, v)
    assert a.figures["active.fees"] == 12.5 and isinstance(a.figures["active.fees"], float)
    assert not a.errors


def test_a_table_that_is_no_template_is_returned_as_a_plain_grid():
    other = [
        CellResult(0, 0, 1, 1, (0, 0, 0, 0), text="序号"),
        CellResult(0, 1, 1, 1, (0, 0, 0, 0), text="名称"),
        CellResult(1, 0, 1, 1, (0, 0, 0, 0), text="1"),
        CellResult(1, 1, 1, 1, (0, 0, 0, 0), text="会议纪要"),
    ]
    v = random_report(3)
    a = analyse_report([other, *report_tables(v)], "", 0.8)
    assert a.tables[0].template is None and a.tables[0].grid == [["序号", "名称"], ["1", "会议纪要"]]
    assert [t.template for t in a.tables[1:]] == ["two", "three", "four"]
    assert_exact(a, v)


def test_header_rows_drawn_differently_do_not_matter():
    """A scan whose grid lost table 三's top header row and table 四's group row still maps."""
    v = random_report(11)
    two, three, four = report_tables(v)
    three = [CellResult(**{**c.__dict__, "row": c.row - 1}) for c in three if c.text != "申请人情况"]
    four = [CellResult(**{**c.__dict__, "row": c.row - 1}) for c in four if c.row > 0]
    a = analyse_report([two, three, four], "", 0.8)
    assert_exact(a, v)
    assert not a.errors


def test_stitched_table_with_a_repeated_header_maps_and_points_back_to_its_part():
    v = random_report(5)
    two, three, four = report_tables(v)
    cut = t3_row("ignore_1")  # the second part starts with （五）1.

    def part(rows, offset, with_header):
        out = [CellResult(**{**c.__dict__, "row": c.row - offset}) for c in three if c.row in rows]
        if with_header:
            out = [CellResult(**c.__dict__) for c in three if c.row < 3] + [
                CellResult(**{**c.__dict__, "row": c.row + 3}) for c in out
            ]
        return out

    first = [CellResult(**{**c.__dict__, "row_span": min(c.row_span, cut - c.row)}) for c in three if c.row < cut]
    second = part(range(cut, 100), cut, with_header=True)
    parts = [TableResult(0, (0, 0, 0, 0), cut, 10, first), TableResult(0, (0, 0, 0, 0), 3 + 28 - cut, 10, second)]
    stitched = stitch(parts)
    assert max(c.row for c in stitched) == 27  # the repeated 3 header rows are gone
    a = analyse_report([two, stitched, four], "", 0.8)
    assert_exact(a, v)
    src = a.sources["requests.ignore_2.natural"]
    part_index, row = stitched_origin(parts, src.row)
    assert (part_index, row) == (1, 3 + 1)
    assert next(c for c in parts[1].cells if c.row == row and c.col == src.col).text == src.text


def test_stitched_table_that_still_carries_its_repeated_header_maps_too():
    v = random_report(6)
    two, three, four = report_tables(v)
    cut = t3_row("refuse_5")
    header = [c for c in three if c.row < 3]
    moved = [CellResult(**{**c.__dict__, "row": c.row + 3}) for c in three if c.row >= cut]
    repeated = [CellResult(**{**c.__dict__, "row": c.row + cut}) for c in header]
    kept = [c for c in three if c.row < cut]
    a = analyse_report([two, kept + repeated + moved, four], "", 0.8)
    assert_exact(a, v)


def test_2019_format_is_detected_and_mapped():
    v = random_report(21, fmt="2019")
    two = {
        "active.rules.created": 2,
        "active.rules.published": 2,
        "active.rules.published_total": 31,
        "active.normative.created": 5,
        "active.normative.published": 4,
        "active.normative.published_total": 120,
        "active.licensing.previous": 40,
        "active.licensing.change": -3,
        "active.licensing": 812,
        "active.other_services.previous": 12,
        "active.other_services.change": 0,
        "active.other_services": 55,
        "active.penalty.previous": 9,
        "active.penalty.change": 1,
        "active.penalty": 77,
        "active.coercion.previous": 2,
        "active.coercion.change": 0,
        "active.coercion": 4,
        "active.fee_items.previous": 3,
        "active.fee_items.change": -1,
        "active.procurement.items": 6,
        "active.procurement.amount": 153.25,
    }
    v.update(two)
    assert any(v[f"requests.other.{c}"] for c in C.COLS)  # the single （六）其他处理 row carries figures
    a = analyse_report(report_tables(v, "2019"), "", 0.8)
    assert a.format == "2019" and all(t.format == "2019" for t in a.tables)
    assert list(a.figures) == figure_keys("2019")
    for k, want in two.items():
        assert a.figures[k] == want and type(a.figures[k]) is type(want), k
    assert_exact(a, v)
    assert "requests.other_1.natural" not in a.figures and "active.fees" not in a.figures
    assert not a.errors and not a.warnings  # 本年增/减 may be negative


def test_2021_table_is_not_taken_for_2019_when_its_labels_are_damaged():
    rng = random.Random(9)
    tables = report_tables(random_report(9))
    for c in tables[1]:
        if read_value(c.text).state == UNREADABLE:
            c.text = typo(c.text, rng, 0.35)
    assert analyse_report(tables, "", 0.8).format == "2021"


def test_not_reported_cells_give_none_not_zero():
    v = random_report(4)
    two, three, four = report_tables(v)
    value_cell(four, 3, 2).text = "/"
    find(three, str(v["requests.carried_out.total"]), t3_row("carried_out")).text = "—"
    value_cell(two, 13, 1).text = "不适用"
    a = analyse_report([two, three, four], "", 0.8)
    assert a.figures["review.other"] is None
    assert a.figures["requests.carried_out.total"] is None
    assert a.figures["active.fees"] is None
    assert a.sources["review.other"].state == "not_reported"


def test_a_figure_read_through_lookalikes_is_used_and_sent_to_review():
    """The look-alike rule (report.values): "l2" is 12 to the report too, never confident."""
    v = random_report(1)
    v["requests.unable_1.natural"] = 12
    two, three, four = report_tables(v)
    cell = value_cell(three, t3_row("unable_1"), t3_col("natural"))
    cell.text = "l2"
    a = analyse_report([two, three, four], "", 0.8)
    src = a.sources["requests.unable_1.natural"]
    assert a.figures["requests.unable_1.natural"] == 12 and src.confidence < 0.8
    assert any(rc.figure == "requests.unable_1.natural" and "low_confidence" in rc.reasons for rc in a.review_cells)
