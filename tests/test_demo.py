"""Tests for ecomlib.demo: determinism, canonical CSVs, and the structure analyses rely on."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import demo, schema

CFG = demo.DemoConfig(members=800, skus=60)
KEY = ["platform", "shop_id", "order_id"]


@pytest.fixture(scope="module")
def frames():
    return demo.generate(CFG)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return demo.write_demo(tmp_path_factory.mktemp("demo"), CFG)


@pytest.fixture(scope="module")
def paid_lines(frames):
    o, lines = frames["orders"], frames["order_lines"]
    out = lines.merge(o[KEY + ["created_at", "paid_at", "status", "member_key"]], on=KEY, validate="m:1")
    out["day"] = out["created_at"].dt.normalize()
    return out[out["paid_at"].notna()]


# ---------------------------------------------------------------------------- API and files
def test_public_api_and_sizes():
    assert demo.DemoConfig() == demo.DemoConfig(6000, 240, "2024-01-01", "2025-12-31", 20240618)
    assert demo.SIZES["small"] == demo.DemoConfig()
    assert demo.SIZES["medium"].members == 60_000
    assert (demo.SIZES["large"].members, demo.SIZES["large"].skus) == (400_000, 600)
    assert set(demo.TABLE_ORDER) == set(schema.TABLES)


def test_generate_is_deterministic(frames):
    again = demo.generate(CFG)
    assert list(again) == list(demo.TABLE_ORDER)
    for name in demo.TABLE_ORDER:
        pd.testing.assert_frame_equal(frames[name], again[name], obj=name)


def test_another_seed_gives_other_data(frames):
    other = demo.generate(replace(CFG, seed=CFG.seed + 1))
    assert len(other["orders"]) != len(frames["orders"])
    assert other["order_lines"]["paid_fen"].sum() != frames["order_lines"]["paid_fen"].sum()
    # the product catalogue is also drawn from the seed
    assert not other["products"]["list_price_fen"].equals(frames["products"]["list_price_fen"])


def test_frames_have_schema_columns_and_dtypes(frames):
    for name, f in frames.items():
        expected = schema.empty_frame(name)
        assert list(f.columns) == list(expected.columns), name
        assert f.dtypes.astype(str).to_dict() == expected.dtypes.astype(str).to_dict(), name


def test_write_demo_files(written):
    assert list(written) == list(demo.TABLE_ORDER)
    for name, path in written.items():
        assert path.name == f"{name}.csv"
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header == ",".join(schema.table(name).column_names)


def test_every_csv_validates_and_round_trips(written, frames):
    for name, path in written.items():
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        res = schema.validate(name, raw)
        assert len(res.quarantine) == 0, (name, res.quarantine.head(3).to_dict("records"))
        assert len(res.good) == len(raw) == len(frames[name]), name
        assert not res.good.duplicated(list(schema.table(name).key)).any(), name
        # the file holds exactly the in-memory frame
        pd.testing.assert_frame_equal(res.good, frames[name], obj=name)


def test_csv_text_formats(written):
    o = pd.read_csv(written["orders"], dtype=str, keep_default_na=False)
    assert o["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert o["created_at"].min() >= "2024-01-01 00:00:00" and o["created_at"].max() <= "2025-12-31 23:59:59"
    cancelled = o[o["status"] == "cancelled"]
    assert len(cancelled) > 0 and (cancelled["paid_at"] == "").all()
    lines = pd.read_csv(written["order_lines"], dtype=str, keep_default_na=False)
    assert lines["paid_fen"].str.fullmatch(r"\d+").all()
    inv = pd.read_csv(written["inventory_snapshots"], dtype=str, keep_default_na=False)
    assert inv["snapshot_date"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert re.fullmatch(r"[0-9a-f]{16}", o["member_key"].iloc[0])


def test_default_size_and_member_keys():
    f = demo.generate()
    assert 25_000 <= len(f["orders"]) <= 40_000
    assert 40_000 <= len(f["order_lines"]) <= 70_000
    assert len(f["products"]) == 240
    from ecomlib.privacy import member_key
    keys = {member_key(f"demo-buyer-{i}", b"ecomlib-demo-salt") for i in range(6000)}
    assert set(f["orders"]["member_key"]) <= keys


# ---------------------------------------------------------------------------- shops, products
def test_shops_and_products(frames):
    shops = frames["shops"]
    assert set(shops["platform"]) == {"tmall", "jd", "pdd", "douyin"}
    assert (shops["currency"] == "CNY").all() and "tmall_flagship" in set(shops["shop_id"])
    p = frames["products"]
    assert len(p) == CFG.skus and p["sku"].is_unique
    assert p["category"].nunique() == 6
    assert p.groupby("spu").size().between(1, 4).all()
    assert (p["unit_cost_fen"] < p["list_price_fen"]).all()
    margin = 1 - p["unit_cost_fen"] / p["list_price_fen"]
    by_cat = margin.groupby(p["category"]).mean()
    assert by_cat["护肤"] > by_cat["零食"] + 0.2          # skin care earns far more than snacks
    assert p["supplier_id"].str.fullmatch(r"SUP0[1-8]").all() and p["supplier_id"].nunique() >= 5
    assert (p["launched_on"] >= "2024-01-01").sum() >= 3  # some launched during the window
    # every food-shop line is food
    lines = frames["order_lines"].merge(p[["sku", "category"]], on="sku")
    assert set(lines.loc[lines["shop_id"] == "tmall_food", "category"]) <= {"零食", "茶饮"}


def test_popularity_is_skewed(paid_lines, frames):
    units = paid_lines.groupby("sku")["quantity"].sum().reindex(frames["products"]["sku"], fill_value=0)
    units = units.sort_values(ascending=False)
    assert units.iloc[:6].sum() > 0.3 * units.sum()    # top 10 % of SKUs sell > 30 % of units
    assert (units <= 3).sum() >= 3                      # slow movers barely sell


def test_list_prices_change_for_some_skus(frames):
    lines = frames["order_lines"]
    distinct = lines.groupby("sku")["list_price_fen"].nunique()
    assert (distinct >= 2).sum() >= 3
    moves = lines.groupby("sku")["list_price_fen"].agg(lambda s: s.max() / s.min())
    assert moves[distinct >= 2].between(1.02, 1.30).all()


# ---------------------------------------------------------------------------- orders
def test_campaign_peaks_and_dips(paid_lines):
    daily = paid_lines.groupby("day")["paid_fen"].sum()
    days = pd.date_range("2024-01-01", "2025-12-31")
    daily = daily.reindex(days, fill_value=0)
    median = daily.median()
    for peak in ("2024-11-11", "2025-06-18"):
        assert daily[peak] > 2.5 * median, peak
    for peak in ("2025-11-11", "2024-06-18"):   # (few orders a day at this size: looser)
        assert daily[peak] > 1.5 * median, peak
    for y in (2024, 2025):
        run_up = daily[f"{y}-11-01":f"{y}-11-10"].mean()
        dip = daily[f"{y}-11-12":f"{y}-11-20"].mean()
        assert dip < 0.8 * run_up
    assert daily["2024-02-05":"2024-02-15"].mean() < 0.8 * median     # Chinese New Year


def test_weekly_and_hourly_pattern(frames):
    o = frames["orders"]
    dow = o.groupby(o["created_at"].dt.day_of_week).size()
    assert dow[[5, 6]].mean() > 1.05 * dow[[0, 1, 2, 3]].mean()
    hour = o.groupby(o["created_at"].dt.hour).size().reindex(range(24), fill_value=0)
    assert hour[20:23].mean() > 2.5 * hour[3:6].mean()
    peak = o[o["created_at"].dt.strftime("%m-%d") == "11-11"]
    assert (peak["created_at"].dt.hour == 0).mean() > 0.15   # midnight rush on Double 11


def test_discounts_deeper_in_campaigns(frames):
    lines = frames["order_lines"].merge(frames["orders"][KEY + ["created_at"]], on=KEY)
    gross = lines["list_price_fen"] * lines["quantity"]
    assert (lines["paid_fen"] == gross - lines["shop_discount_fen"] - lines["platform_discount_fen"]).all()
    assert (lines["paid_fen"] >= 0).all() and (lines["paid_fen"] <= gross).all()
    rate = (lines["shop_discount_fen"] + lines["platform_discount_fen"]) / gross
    peak = lines["created_at"].dt.strftime("%m-%d").isin(["06-18", "11-11"])
    assert rate[peak].mean() > 2.5 * rate[~peak].mean()
    plat = lines.groupby("platform")["platform_discount_fen"].sum() / gross.groupby(lines["platform"]).sum()
    assert plat["pdd"] > 3 * plat["tmall"] and plat["jd"] > 2 * plat["tmall"]


def test_order_timeline_and_statuses(frames):
    o = frames["orders"]
    assert {"paid", "shipped", "finished", "cancelled", "refunded"} <= set(o["status"]) <= set(schema.ORDER_STATUSES)
    assert (o["paid_at"].isna() == o["status"].isin(["cancelled", "created"])).all()
    assert (o["shipped_at"] >= o["paid_at"]).where(o["shipped_at"].notna(), True).all()
    assert (o["finished_at"] > o["shipped_at"]).where(o["finished_at"].notna() & o["shipped_at"].notna(), True).all()
    assert o.loc[o["status"] == "finished", ["paid_at", "shipped_at", "finished_at"]].notna().all().all()
    open_ = o[o["status"].isin(["paid", "shipped"])]
    assert len(open_) > 0 and open_["created_at"].min() >= pd.Timestamp("2025-12-01")
    assert o.loc[o["status"] == "paid", "shipped_at"].isna().all()
    assert ((o["shipping_fee_fen"] == 0).mean()) > 0.8 and (o["shipping_fee_fen"] > 0).any()
    assert 0.02 < (o["status"] == "cancelled").mean() < 0.12


def test_gmv_exceeds_paid(frames, paid_lines):
    lines = frames["order_lines"]
    gmv = (lines["list_price_fen"] * lines["quantity"]).sum()
    assert gmv > 1.05 * paid_lines["paid_fen"].sum()
    assert lines["paid_fen"].sum() > paid_lines["paid_fen"].sum()   # unpaid orders add to GMV


def test_platform_mix_and_douyin_sources(frames):
    o = frames["orders"]
    share = o.groupby([o["created_at"].dt.year, "platform"]).size().unstack()
    share = share.div(share.sum(axis=1), axis=0)
    assert share.loc[2024].idxmax() == "tmall"
    assert share.loc[2025, "douyin"] > share.loc[2024, "douyin"] + 0.02
    dy = o[o["platform"] == "douyin"]
    assert set(dy["traffic_source"]) == {"直播", "短视频", "商品卡", "搜索"}
    assert dy.loc[dy["traffic_source"] == "直播", "streamer"].notna().all()
    assert dy.loc[dy["traffic_source"] != "直播", "streamer"].isna().all()
    assert dy["streamer"].nunique() >= 4
    other = o[(o["platform"] != "douyin") & (o["traffic_source"] != "直播")]
    assert other["traffic_source"].isna().all() and other["streamer"].isna().all()


def test_members_repeat_and_cross_platform(frames):
    o = frames["orders"]
    paid = o[o["paid_at"].notna()]
    per_member = paid.groupby("member_key").size()
    assert (per_member == 1).mean() > 0.25      # many one-off buyers
    assert (per_member >= 5).sum() > 0.1 * len(per_member)   # and a loyal core
    assert per_member.max() >= 20
    assert (paid.groupby("member_key")["platform"].nunique() >= 2).sum() > 10
    assert paid.groupby("member_key")["province"].nunique().max() == 1
    assert paid["province"].nunique() >= 12


# ---------------------------------------------------------------------------- refunds
def test_refunds_bounded_by_line_and_order(frames):
    r, lines = frames["refunds"], frames["order_lines"]
    line_cases = r[r["line_id"].notna()].merge(lines, on=KEY + ["line_id"], how="left",
                                               suffixes=("", "_line"), validate="m:1")
    assert line_cases["paid_fen"].notna().all()
    assert (line_cases["sku"] == line_cases["sku_line"]).all()
    assert (line_cases["refund_fen"] <= line_cases["paid_fen"]).all()
    assert (line_cases["units_returned"] <= line_cases["quantity"]).all()
    done = r[r["status"] == "refunded"]
    per_order = done.groupby(KEY)["refund_fen"].sum()
    order_paid = lines.groupby(KEY)["paid_fen"].sum()
    assert (per_order <= order_paid.reindex(per_order.index)).all()
    order_level = r[r["line_id"].isna()]
    assert len(order_level) > 0 and order_level["sku"].isna().all()
    assert (order_level["units_returned"] == 0).all()


def test_refund_timing_statuses_and_reasons(frames):
    r = frames["refunds"].merge(frames["orders"][KEY + ["paid_at", "status"]], on=KEY,
                                suffixes=("", "_order"))
    assert (r["requested_at"] >= r["paid_at"]).all()
    assert (r["refunded_at"].notna() == (r["status"] == "refunded")).all()
    assert (r["refunded_at"] > r["requested_at"]).where(r["refunded_at"].notna(), True).all()
    counts = r["status"].value_counts(normalize=True)
    assert counts["refunded"] > 0.75 and counts["rejected"] > 0.02 and counts["cancelled"] > 0.01
    assert {"七天无理由", "质量问题", "发错货", "不想要了", "物流太慢"} <= set(r["reason"])
    # partial refunds exist, and refund-only cases return no units
    lines = frames["order_lines"]
    lc = r[r["line_id"].notna()].merge(lines[KEY + ["line_id", "paid_fen"]], on=KEY + ["line_id"])
    assert ((lc["refund_fen"] < lc["paid_fen"]) & (lc["units_returned"] == 0)).sum() > 10
    assert (lc["refund_fen"] == lc["paid_fen"]).sum() > 10


def test_fully_refunded_orders_have_status_refunded(frames):
    r, lines, o = frames["refunds"], frames["order_lines"], frames["orders"]
    done = r[(r["status"] == "refunded") & r["line_id"].notna()]
    full = done.merge(lines, on=KEY + ["line_id"])
    full = full[full["refund_fen"] == full["paid_fen"]]
    n_full = full.groupby(KEY).size()
    n_lines = lines.groupby(KEY).size()
    all_refunded = n_full[n_full == n_lines.reindex(n_full.index)].index
    status = o.set_index(KEY)["status"]
    assert len(all_refunded) > 10
    assert (status.loc[all_refunded] == "refunded").all()
    assert (status == "refunded").sum() == len(all_refunded)


def test_refund_rates_by_category_and_platform(frames, paid_lines):
    p = frames["products"][["sku", "category"]]
    r = frames["refunds"]
    done = r[(r["status"] == "refunded") & r["sku"].notna()].merge(p, on="sku")
    paid = paid_lines.merge(p, on="sku")
    rate = done.groupby("category")["refund_fen"].sum() / paid.groupby("category")["paid_fen"].sum()
    assert rate.max() >= 2 * rate.min()
    assert rate["彩妆"] > 2 * rate["零食"]
    plat = (r[r["status"] == "refunded"].groupby("platform")["refund_fen"].sum()
            / paid_lines.groupby("platform")["paid_fen"].sum())
    assert plat["douyin"] > 1.3 * plat["tmall"]


# ---------------------------------------------------------------------------- stock
def _stock_flows(frames):
    inv = frames["inventory_snapshots"].copy()
    lines = frames["order_lines"].merge(frames["orders"][KEY + ["created_at", "paid_at"]], on=KEY)
    lines = lines[lines["paid_at"].notna()]
    out = lines.groupby([lines["created_at"].dt.normalize().rename("snapshot_date"), "sku"])["quantity"].sum()
    po = frames["purchase_orders"].dropna(subset=["received_on"])
    into = po.groupby([po["received_on"].rename("snapshot_date"), "sku"])["quantity_received"].sum()
    r = frames["refunds"]
    r = r[(r["status"] == "refunded") & (r["units_returned"] > 0)]
    back = r.groupby([r["refunded_at"].dt.normalize().rename("snapshot_date"), "sku"])["units_returned"].sum()
    inv = inv.set_index(["snapshot_date", "sku"])
    for name, s in (("out", out), ("in", into), ("back", back)):
        inv[name] = s.reindex(inv.index, fill_value=0).to_numpy()
    return inv.reset_index().sort_values(["sku", "snapshot_date"])


def test_stock_balances_day_by_day(frames):
    inv = _stock_flows(frames)
    prev = inv.groupby("sku")["on_hand_units"].shift()
    rows = prev.notna()
    change = inv["on_hand_units"] - prev
    assert (change[rows] == (inv["in"] - inv["out"] + inv["back"])[rows]).all()
    assert (inv["on_hand_units"] >= 0).all()
    # in transit = ordered and not yet received
    po = frames["purchase_orders"]
    end = pd.Timestamp("2025-12-31")
    last = inv[inv["snapshot_date"] == end].set_index("sku")["in_transit_units"]
    open_po = po[po["received_on"].isna()].groupby("sku")["quantity_ordered"].sum()
    assert (last.reindex(open_po.index) == open_po).all()
    assert (last.drop(open_po.index) == 0).all()


def test_stock_outs_and_dead_stock(frames):
    inv = frames["inventory_snapshots"].sort_values(["sku", "snapshot_date"])
    launched = frames["products"].set_index("sku")["launched_on"]
    on_sale = inv["snapshot_date"] >= launched.loc[inv["sku"]].to_numpy()
    out_days = ((inv["on_hand_units"] == 0) & on_sale).groupby(inv["sku"]).sum()
    assert (out_days > 0).sum() >= 3
    # a popular SKU runs out at least once
    lines = frames["order_lines"]
    top = lines.groupby("sku")["quantity"].sum().nlargest(10).index
    assert (out_days.reindex(top, fill_value=0) > 0).any()

    def longest_still_run(s: pd.Series) -> int:
        v = s.to_numpy()
        run = best = 1
        for a, b in zip(v[:-1], v[1:]):
            run = run + 1 if (a == b and b > 0) else 1
            best = max(best, run)
        return best
    still = inv.groupby("sku")["on_hand_units"].apply(longest_still_run)
    assert (still >= 90).sum() >= 2
    assert "WH_EAST" in set(inv["warehouse_id"]) and "WH_SOUTH" in set(inv["warehouse_id"])
    assert (inv.groupby("sku")["warehouse_id"].nunique() == 1).all()


def test_purchase_orders_and_suppliers(frames):
    po = frames["purchase_orders"]
    assert po["po_id"].str.fullmatch(r"PO\d{8}\d{3}").all()
    got = po.dropna(subset=["received_on"])
    assert (got["received_on"] > got["promised_on"]).mean() > 0.1         # some arrive late
    assert (got["quantity_received"] < got["quantity_ordered"]).any()      # partial fills
    assert (got["quantity_received"] <= got["quantity_ordered"]).all()
    late = (got["received_on"] > got["promised_on"]).groupby(got["supplier_id"]).mean()
    assert late.max() - late.min() > 0.2                                    # reliability differs
    assert po["received_on"].isna().any()
    assert (po.loc[po["received_on"].isna(), "ordered_on"] >= pd.Timestamp("2025-10-01")).all()
    p = frames["products"].set_index("sku")
    assert (po["supplier_id"] == p.loc[po["sku"], "supplier_id"].to_numpy()).all()


# ---------------------------------------------------------------------------- traffic, ads, costs
def test_traffic_consistent_with_orders(frames):
    t = frames["traffic"]
    o = frames["orders"]
    paid = o[o["paid_at"].notna()]
    buyers = paid.groupby([paid["paid_at"].dt.normalize(), "shop_id"])["member_key"].nunique().sum()
    assert 0.97 * buyers <= t["buyers"].sum() <= 1.1 * buyers
    cr = t.groupby("source")["buyers"].sum() / t.groupby("source")["visitors"].sum()
    assert cr["搜索"] > 2 * cr["推荐"]
    t = t.assign(peak=t["traffic_date"].dt.strftime("%m-%d").isin(["06-18", "11-11"]))
    by = t.groupby("peak")[["buyers", "visitors"]].sum()
    assert by.loc[True, "buyers"] / by.loc[True, "visitors"] > 1.3 * by.loc[False, "buyers"] / by.loc[False, "visitors"]
    assert set(t.loc[t["platform"] == "douyin", "source"]) == {"直播", "短视频", "商品卡", "搜索"}
    assert t.loc[t["shop_id"] == "tmall_food", "traffic_date"].min() == pd.Timestamp("2024-04-18")
    assert (t["page_views"] >= t["visitors"]).all() and (t["add_to_cart"] >= t["buyers"]).all()


def test_ad_spend_has_diminishing_returns(frames):
    ad = frames["ad_spend"]
    assert {"直通车", "引力魔方", "京东快车", "多多搜索", "巨量千川"} <= set(ad["channel"])
    assert {"日常推广", "2024年618大促", "2024年双11大促", "2025年双11大促"} <= set(ad["campaign"])
    assert ad.loc[ad["campaign"] == "2024年双11大促", "spend_date"].between("2024-10-24", "2024-11-11").all()
    daily = ad[(ad["campaign"] == "日常推广")].copy()
    daily["month"] = daily["spend_date"].dt.to_period("M")
    grp = daily.groupby(["shop_id", "channel", "month"])["spend_fen"]
    daily["high"] = daily["spend_fen"] > grp.transform("median")
    roas = daily.groupby("high")["attributed_paid_fen"].sum() / daily.groupby("high")["spend_fen"].sum()
    assert roas[True] < 0.85 * roas[False]
    total = ad["attributed_paid_fen"].sum() / ad["spend_fen"].sum()
    assert 2.0 < total < 5.0


def test_other_costs_and_fx(frames, paid_lines):
    c = frames["other_costs"]
    assert set(c["kind"]) == {"platform_fee", "streamer_commission", "logistics", "packaging", "rent", "salary"}
    company = c[c["platform"] == "ALL"]
    assert set(company["kind"]) == {"rent", "salary"} and (company["shop_id"] == "ALL").all()
    assert (company["cost_date"].dt.day == 1).all() and len(company) == 48
    fee = c[c["kind"] == "platform_fee"].groupby("shop_id")["amount_fen"].sum()
    paid = paid_lines.groupby("shop_id")["paid_fen"].sum()
    assert 0.04 < fee["tmall_flagship"] / paid["tmall_flagship"] <= 0.05
    assert fee["pdd_flagship"] / paid["pdd_flagship"] < 0.01
    assert set(c.loc[c["kind"] == "streamer_commission", "platform"]) == {"douyin"}
    fx = frames["fx_rates"]
    assert len(fx) == 48 and set(fx["currency"]) == {"USD", "HKD"}
    assert fx.loc[fx["currency"] == "USD", "cny_per_unit"].between(6.8, 7.4).all()
    assert fx.loc[fx["currency"] == "HKD", "cny_per_unit"].between(0.85, 0.96).all()


# ---------------------------------------------------------------------------- exports
def test_planted_stock_problems_are_real_movements(frames):
    """The two stock problems the exports plant are a receipt and a return the generated stock
    really has (so that leaving them out of the exports breaks the reconciliation by exactly
    their units), of two different SKUs, in 2025 between two snapshots."""
    from ecomlib.demo_exports import PLANTED_STOCK_FROM, planted_stock_problems
    p = planted_stock_problems(frames)
    miss, bare = p["missed_receipt"], p["return_without_units"]
    assert miss["sku"] != bare["sku"]
    po = frames["purchase_orders"].set_index(["po_id", "sku"]).loc[(miss["po_id"], miss["sku"])]
    assert (po.received_on, po.quantity_received, po.warehouse_id) == (
        miss["received_on"], miss["units"], miss["warehouse_id"])
    r = frames["refunds"].set_index(["platform", "shop_id", "refund_id"]).loc[
        (bare["platform"], bare["shop_id"], bare["refund_id"])]
    line = frames["order_lines"].set_index(KEY + ["line_id"]).loc[
        (bare["platform"], bare["shop_id"], bare["order_id"], bare["line_id"])]
    assert r.status == "refunded" and r.refund_fen == line.paid_fen and r.units_returned == bare["units"] > 0
    assert r.refunded_at.normalize() == bare["refunded_on"]
    for day in (miss["received_on"], bare["refunded_on"]):
        assert PLANTED_STOCK_FROM <= day < pd.Timestamp("2025-12-01")
    # the stock of those days moves by them (the generated stock balances day by day)
    inv = _stock_flows(frames).set_index(["snapshot_date", "sku"])
    assert inv.loc[(miss["received_on"], miss["sku"]), "in"] >= miss["units"]
    assert inv.loc[(bare["refunded_on"], bare["sku"]), "back"] >= bare["units"]


def test_exports_are_the_same_bytes_for_the_same_seed(tmp_path):
    a = demo.write_demo(tmp_path / "a", CFG, layout="exports")
    b = demo.write_demo(tmp_path / "b", CFG, layout="exports")
    assert [p.relative_to(tmp_path / "a") for p in a.values()] == [
        p.relative_to(tmp_path / "b") for p in b.values()]
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert any(f.suffix == ".xlsx" for f in files) and Path("README.md") in files
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    # every after-sales case is in the ERP's list; the order exports carry none
    refunds = pd.read_csv(a["refunds"], dtype=str, keep_default_na=False)
    assert len(refunds) == len(demo.generate(CFG)["refunds"])
    items = pd.read_excel(a["ExportOrderDetailList_tmall_flagship"], dtype=str, header=1,
                          engine="openpyxl")
    assert "退款状态" not in items.columns and "退款金额" not in items.columns
