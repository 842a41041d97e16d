"""ecomlib.quality.record_checks / recorded_fails: the build records whether each rule fails,
the overview's badge reads the record while it holds, and the record says what asking every
rule now says (after a full build, an incremental one and a build with nothing to do).

The warehouse is tests/data/mini (orders o1..o4 of two shops; products A and B). The loads
after the first build are worked by hand:

* a new line ``tmall/s1/o1/3`` of SKU ``Z`` (no sku_map row, not a product):
  order_lines.sku_unknown fails (it passed before), on the loaded order only;
* nothing else of the order rules changes (o1's line 3 is paid at its list price).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ecomlib import quality
from ecomlib.metrics import overview_report as rep
from ecomlib.warehouse import Warehouse

MINI = Path(__file__).parent / "data" / "mini"

NEW_LINE = """platform,shop_id,order_id,line_id,sku,platform_sku_id,quantity,list_price_fen,shop_discount_fen,platform_discount_fen,paid_fen
tmall,s1,o1,3,Z,tm-9999,1,300,0,0,300
"""


def _mini(tmp_path, extra_lines: str | None = None) -> Path:
    """A copy of tests/data/mini, with ``extra_lines`` (order lines CSV) as one more file."""
    src = tmp_path / "mini"
    shutil.copytree(MINI, src)
    if extra_lines is not None:
        (src / "order_lines_extra.csv").write_text(extra_lines, encoding="utf-8")
    return src


def _asked(wh) -> dict[str, bool | None]:
    """Every rule asked now (what the badge asks without a record)."""
    return {r.id: quality.rule_fails(wh.con, r) for r in quality.RULES.values()}


def _how(wh) -> dict[str, str]:
    return dict(wh.con.execute(f"SELECT rule_id, how FROM {quality.CHECKS_TABLE}").fetchall())


def test_the_build_records_what_asking_each_rule_says(tmp_path):
    src = _mini(tmp_path)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([src], progress=False)
        assert quality.recorded_fails(wh.con) == {}  # no build yet: the badge asks the rules
        first = wh.build()
        assert first.kind == "full"
        assert first.checks["full"] == len(quality.RULES) and "quality rules" in first.summary()
        before = quality.recorded_fails(wh.con)
        assert before == _asked(wh) and before["order_lines.sku_unknown"] is False
        # a load since the build: the record no longer holds
        (tmp_path / "day").mkdir()
        (tmp_path / "day" / "order_lines.csv").write_text(NEW_LINE, encoding="utf-8")
        wh.ingest([tmp_path / "day" / "order_lines.csv"], progress=False)
        assert quality.recorded_fails(wh.con) == {}
        second = wh.build()
        assert second.kind == "incremental"
        after = quality.recorded_fails(wh.con)
        assert after == _asked(wh)
        assert after["order_lines.sku_unknown"] is True
        how = _how(wh)
        # passed before, only order lines loaded: asked about the loaded order only
        assert how["order_lines.sku_unknown"] == how["orders.no_lines"] == "scoped"
        # reads no loaded table: kept (orders were not loaded); reads order lines through
        # mart_stock_moves: asked about the stock steps of the days the loaded order was
        # placed on (it passed: no step failed elsewhere)
        assert how["products.cost_above_price"] == how["orders.missing_days"] == "kept"
        assert how["inventory_snapshots.stock_continuity"] == "scoped"
        assert second.checks["scoped"] == sum(v == "scoped" for v in how.values()) > 0
        # nothing to build: every answer kept, and still what asking says
        third = wh.build()
        assert third.kind == "nothing" and third.checks["kept"] == len(quality.RULES)
        assert quality.recorded_fails(wh.con) == _asked(wh)
        # the badge: the recorded answers, as asking every rule gives them
        assert rep.rule_failures(wh).equals(_badge_asked(wh))


def _badge_asked(wh):
    import pandas as pd
    rows = [{"rule_id": r.id, "severity": r.severity,
             "count_failing": None if (f := quality.rule_fails(wh.con, r)) is None else int(f)}
            for r in quality.RULES.values()]
    out = pd.DataFrame(rows, columns=["rule_id", "severity", "count_failing"])
    out["count_failing"] = out["count_failing"].astype("Int64")
    return out


def test_a_failing_rule_and_a_changed_rule_are_asked_again(tmp_path, monkeypatch):
    """A rule that failed is asked again after a load of its tables (its failing rows may be
    gone; here its row still fails); a rule whose SQL differs from the recorded one is not
    read from the record."""
    import dataclasses
    src = _mini(tmp_path, NEW_LINE)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([src], progress=False)
        wh.build()
        assert quality.recorded_fails(wh.con)["order_lines.sku_unknown"] is True
        (tmp_path / "day").mkdir()
        (tmp_path / "day" / "order_lines.csv").write_text(
            NEW_LINE.replace(",300\n", ",200\n"), encoding="utf-8")  # paid less: still Z
        wh.ingest([tmp_path / "day" / "order_lines.csv"], progress=False)
        wh.build()
        assert _how(wh)["order_lines.sku_unknown"] == "witness"
        assert quality.recorded_fails(wh.con) == _asked(wh)
        r = quality.RULES["products.cost_above_price"]
        rules = dict(quality.RULES)
        rules[r.id] = dataclasses.replace(r, sql=r.sql + " AND 1 = 1")
        monkeypatch.setattr(quality, "RULES", rules)
        assert r.id not in quality.recorded_fails(wh.con)
        assert len(quality.recorded_fails(wh.con)) == len(rules) - 1


def test_a_rule_that_failed_is_answered_by_its_failing_row(tmp_path):
    """After a load, a rule that failed is asked first whether the row it failed on (kept by
    key) still fails; when that row was fixed the rule is asked about the loaded orders (every
    row that failed after the last build is recorded: here only that one), or in full when
    the failing rows are not known."""
    src = _mini(tmp_path, NEW_LINE)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([src], progress=False)
        wh.build()
        witness = wh.con.execute(f"SELECT witness FROM {quality.CHECKS_TABLE} WHERE rule_id = "
                                 "'order_lines.sku_unknown'").fetchone()[0]
        assert witness == '["tmall", "s1", "o1", "3"]'
        # another order loaded: o1 line 3 still fails
        (tmp_path / "day").mkdir()
        (tmp_path / "day" / "orders.csv").write_text(
            (MINI / "orders.csv").read_text(encoding="utf-8").replace(",0,CNY,,\n", ",100,CNY,,\n", 1),
            encoding="utf-8")
        shutil.copy(src / "order_lines_extra.csv", tmp_path / "day" / "order_lines.csv")
        wh.ingest([tmp_path / "day" / "orders.csv"], progress=False)
        wh.build()
        how = _how(wh)
        assert quality.recorded_fails(wh.con) == _asked(wh)
        assert how["order_lines.sku_unknown"] in ("witness", "kept")
        assert _failing(wh, "order_lines.sku_unknown") == [
            ["tmall", "s1", "o1", "3", "tmall", "s1", "o1"]]
        # the line re-exported with a known SKU: its row passes; no other row failed, so the
        # rule is asked about the loaded order only, and passes (an incremental build)
        wh.ingest([_write(tmp_path / "fix" / "order_lines.csv",
                          NEW_LINE.replace("Z,tm-9999", "A,tm-1001"))], progress=False)
        assert wh.build().kind == "incremental"
        assert _how(wh)["order_lines.sku_unknown"] == "scoped"
        assert quality.recorded_fails(wh.con)["order_lines.sku_unknown"] is False
        assert quality.recorded_fails(wh.con) == _asked(wh)
        assert _failing(wh, "order_lines.sku_unknown") is None
        # Z again, and its failing rows not recorded (a record of an earlier version): the
        # row fixed once more is asked in full
        wh.ingest([_write(tmp_path / "again" / "order_lines.csv", NEW_LINE)], progress=False)
        wh.build()
        wh.con.execute(f"DELETE FROM {quality.FAILING_TABLE}")
        wh.ingest([_write(tmp_path / "fix2" / "order_lines.csv",
                          NEW_LINE.replace("Z,tm-9999", "A,tm-1001"))], progress=False)
        wh.build()
        assert _how(wh)["order_lines.sku_unknown"] == "full"
        assert quality.recorded_fails(wh.con) == _asked(wh)


def test_rows_that_failed_outside_the_loaded_orders_still_fail(tmp_path):
    """Two lines of unknown SKUs in two orders; the witness's line is fixed by a load: the
    other order was not loaded, its line still fails, so the rule fails without being asked
    in full (its new witness is the other line); then that one is fixed too."""
    two = NEW_LINE + "jd,j1,o3,2,Y,jd-9999,1,100,0,0,100\n"
    src = _mini(tmp_path, two)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([src], progress=False)
        wh.build()
        rule = "order_lines.sku_unknown"
        assert sorted(_failing(wh, rule)) == [["jd", "j1", "o3", "2", "jd", "j1", "o3"],
                                              ["tmall", "s1", "o1", "3", "tmall", "s1", "o1"]]
        witness = _witness(wh, rule)
        fixed = {'["tmall", "s1", "o1", "3"]': NEW_LINE.replace("Z,tm-9999", "A,tm-1001"),
                 '["jd", "j1", "o3", "2"]': "platform,shop_id,order_id,line_id,sku,"
                 "platform_sku_id,quantity,list_price_fen,shop_discount_fen,"
                 "platform_discount_fen,paid_fen\njd,j1,o3,2,B,jd-77,1,100,0,0,100\n"}
        other = next(w for w in fixed if w != witness)
        wh.ingest([_write(tmp_path / "fix" / "order_lines.csv", fixed[witness])], progress=False)
        wh.build()
        assert _how(wh)[rule] == "scoped" and _witness(wh, rule) == other
        assert quality.recorded_fails(wh.con) == _asked(wh)
        assert quality.recorded_fails(wh.con)[rule] is True
        assert len(_failing(wh, rule)) == 1
        wh.ingest([_write(tmp_path / "fix2" / "order_lines.csv", fixed[other])], progress=False)
        wh.build()
        assert _how(wh)[rule] == "scoped" and quality.recorded_fails(wh.con)[rule] is False
        assert quality.recorded_fails(wh.con) == _asked(wh)


def _witness(wh, rule_id: str) -> str | None:
    return wh.con.execute(f"SELECT witness FROM {quality.CHECKS_TABLE} WHERE rule_id = ?",
                          [rule_id]).fetchone()[0]


def _failing(wh, rule_id: str) -> list | None:
    """The failing rows the last build recorded for a rule (None: none recorded)."""
    import json
    row = wh.con.execute(f"SELECT failing_rows FROM {quality.FAILING_TABLE} WHERE rule_id = ?",
                         [rule_id]).fetchone()
    return None if row is None else json.loads(row[0])


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_finance_health_reads_recorded_passes_and_counts_failures_live(tmp_path, monkeypatch):
    """Finance's badge rules: a rule the build recorded as passing is 0 without asking; a
    failing one (an orphan line: order o9 does not exist) is counted from the rows the build
    recorded, without asking its SQL, as run_checks counts it (its examples too); with a
    load since the build every rule is counted live."""
    from ecomlib.metrics import finance_queries as FQ
    src = _mini(tmp_path, NEW_LINE.replace("o1,3,Z,tm-9999", "o9,1,A,tm-1001"))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([src], progress=False)
        wh.build()
        full = quality.run_checks(wh, rules=FQ.HEALTH_RULES)
        assert _failing(wh, "order_lines.orphan") is not None
        asked = []
        real = quality.run_checks
        monkeypatch.setattr(quality, "run_checks",
                            lambda w, **kw: asked.append(kw.get("rules")) or real(w, **kw))
        got = FQ.health_checks(wh)
        assert asked == []  # every rule read from the record
        assert list(got["rule_id"]) == list(FQ.HEALTH_RULES)
        assert list(got["count_failing"]) == list(full["count_failing"])
        orphan = got.set_index("rule_id").loc["order_lines.orphan"]
        want = full.set_index("rule_id").loc["order_lines.orphan"]
        assert orphan["count_failing"] == 1 and orphan["count_checked"] == want["count_checked"]
        assert orphan["examples"] == want["examples"] == "tmall/s1/o9/1"
        assert orphan["failing_rate"] == want["failing_rate"]
        # recorded passes were not asked: no rows-checked count
        assert got.set_index("rule_id").loc["refunds.orphan", "count_checked"] is __import__("pandas").NA
        monkeypatch.setattr(quality, "run_checks", real)
        (tmp_path / "day").mkdir()
        (tmp_path / "day" / "order_lines.csv").write_text(NEW_LINE, encoding="utf-8")
        wh.ingest([tmp_path / "day" / "order_lines.csv"], progress=False)
        pd_eq = FQ.health_checks(wh).drop(columns="description")
        assert pd_eq.equals(quality.run_checks(wh, rules=FQ.HEALTH_RULES).drop(columns="description"))


def test_finance_health_counts_live_a_failing_rule_without_its_rows(tmp_path, monkeypatch):
    """A failing rule whose rows the build did not keep (more than FAILING_KEPT: here 0) is
    counted live; what the badge gets is what run_checks gives."""
    from ecomlib.metrics import finance_queries as FQ
    monkeypatch.setattr(quality, "FAILING_KEPT", 0)
    src = _mini(tmp_path, NEW_LINE.replace("o1,3,Z,tm-9999", "o9,1,A,tm-1001"))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([src], progress=False)
        wh.build()
        assert _failing(wh, "order_lines.orphan") is None
        assert quality.recorded_fails(wh.con)["order_lines.orphan"] is True
        got = FQ.health_checks(wh).set_index("rule_id").loc["order_lines.orphan"]
        want = quality.run_checks(wh, rules=["order_lines.orphan"]).iloc[0]
        assert got["count_failing"] == want["count_failing"] == 1
        assert got["examples"] == want["examples"]
