"""The demo as a seller actually receives it: platform back-office exports, ERP files and
marketing reports, in the encodings and file types those tools write, with a sprinkling of
the real-world mess, so that ``make demo`` exercises the same path as real data.

Layout written by :func:`write_exports` (``ecom demo-data``)::

    orders/     ExportOrderList_<shop>.csv (GBK) + ExportOrderDetailList_<shop>.xlsx  (Tmall)
                jd_order_export_<shop>.csv (UTF-8 with BOM, totals row, blank rows)   (JD)
                pdd_orders_<shop>.csv (ids as ="...")                                  (Pinduoduo)
                douyin_order_export_<shop>.csv (tab-prefixed ids, ¥ amounts), plus an
                overlapping re-export cut off mid-row (a half-written download)         (Douyin)
                ecom.yaml (which shop each export belongs to: the exports do not say)
    erp/        商品资料 (xlsx, title row, notes sheet), SKU mapping, 库存 (GBK), 采购单
    marketing/  流量来源 and 推广报表 exports
    canonical/  shops, other costs, FX rates (no platform export exists for them), and JD's
                after-sales cases (JD's order export has no refund columns)
    README.md   what was planted, and what ingest must quarantine

Planted problems (each must end in quarantine with a reason, never in the warehouse):
one Excel-mangled order id (1.23457E+18 style) per Tmall shop, one JD line whose quantity
reads 两件, one Pinduoduo order paid on 2025-02-30, and the half-written Douyin row.
Everything else is good data: loading the folder twice adds nothing.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import demo
from .sources import douyin, erp, jd, marketing, pdd, taobao

WRITERS = {"tmall": taobao, "jd": jd, "pdd": pdd, "douyin": douyin}
XLSX_MAX_ROWS = 60_000   # above this, workbook writing gets slow: CSV instead


def _csv(frame: pd.DataFrame, path: Path, encoding: str = "utf-8", trailer: str = "") -> Path:
    text = frame.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes((text + trailer).encode(encoding))
    return path


def _xlsx(sheets: dict[str, pd.DataFrame], path: Path, title: str | None = None,
          notes: list[str] | None = None) -> Path:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    for name, frame in sheets.items():
        ws = wb.create_sheet(name)
        if title:
            ws.append([title])
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append(list(row))
    if notes:
        ws = wb.create_sheet("说明")
        for line in notes:
            ws.append([line])
    wb.save(path)
    return path


def _yuan_mark(s: pd.Series) -> pd.Series:
    """'1234.50' -> '¥1,234.50' (how some back offices show money)."""
    def fmt(v: str) -> str:
        if not v:
            return v
        whole, _, frac = v.partition(".")
        return f"¥{int(whole):,}.{frac or '00'}"
    return s.map(fmt)


def write_exports(out_dir, config: demo.DemoConfig = demo.DemoConfig(),
                  progress: bool = False) -> dict[str, Path]:
    """Generate the demo and write it as export files (see the module docstring).
    Returns file label -> path."""
    out = Path(out_dir)
    tables = demo.generate(config, progress=progress)
    people = demo.buyers(tables, seed=config.seed)
    dirs = {k: out / k for k in ("orders", "erp", "marketing", "canonical")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    planted: list[str] = []
    shop_patterns: dict[str, str] = {}
    small = len(tables["order_lines"]) <= 4 * XLSX_MAX_ROWS

    for shop in tables["shops"].itertuples(index=False):
        mod = WRITERS[shop.platform]
        frames = mod.to_export(tables, shop.shop_id, people)
        if shop.platform == "tmall":
            (o_name, orders), (i_name, items) = frames.items()
            bad = orders.iloc[[0]].copy()
            bad["订单编号"] = f"{int(str(orders['订单编号'].iloc[0])[:6]) / 1e5:.5f}E+18"
            orders = pd.concat([orders, bad], ignore_index=True)
            written[o_name] = _csv(orders, dirs["orders"] / f"{o_name}.csv", "gb18030")
            planted.append(f"{o_name}.csv row {len(orders) + 1}: 订单编号 {bad['订单编号'].iloc[0]} "
                           f"(Excel scientific notation) -> quarantined")
            if small and len(items) <= XLSX_MAX_ROWS:
                written[i_name] = _xlsx({"订单明细": items}, dirs["orders"] / f"{i_name}.xlsx",
                                        title=f"宝贝报表 {shop.shop_name} 导出")
            else:
                written[i_name] = _csv(items, dirs["orders"] / f"{i_name}.csv", "utf-8-sig")
        elif shop.platform == "jd":
            (name, lines), = frames.items()
            bad = lines.iloc[[1 if len(lines) > 1 else 0]].copy()
            bad["订购数量"] = "两件"
            lines = pd.concat([lines, bad], ignore_index=True)
            total = "合计" + "," * (len(lines.columns) - 1) + "\r\n\r\n,\r\n"
            written[name] = _csv(lines, dirs["orders"] / f"{name}.csv", "utf-8-sig", trailer=total)
            planted.append(f"{name}.csv row {len(lines) + 1}: 订购数量 '两件' -> quarantined; "
                           f"a 合计 totals row and blank rows at the end -> skipped")
        elif shop.platform == "pdd":
            (name, rows), = frames.items()
            bad = rows.iloc[[0]].copy()
            bad["订单号"] = bad["订单号"] + "9"
            bad["支付时间"] = "2025-02-30 10:00:00"
            rows = pd.concat([rows, bad], ignore_index=True)
            rows["订单号"] = '="' + rows["订单号"] + '"'   # Excel-safe ids, as PDD writes them
            written[name] = _csv(rows, dirs["orders"] / f"{name}.csv")
            planted.append(f"{name}.csv row {len(rows) + 1}: 支付时间 2025-02-30 -> quarantined")
        else:  # douyin
            (name, rows), = frames.items()
            for c in ("主订单编号", "子订单编号"):
                rows[c] = "\t" + rows[c]          # 抖店 prefixes long ids with a tab
            for c in ("订单应付金额", "商品单价"):
                rows[c] = _yuan_mark(rows[c])
            written[name] = _csv(rows, dirs["orders"] / f"{name}.csv")
            # a second, overlapping download of the first rows, cut off mid-row
            part = rows.iloc[: min(300, len(rows))]
            text = part.to_csv(index=False, lineterminator="\r\n")
            cut = text.rstrip("\r\n").rsplit("\r\n", 1)
            half = cut[0] + "\r\n" + cut[1][: len(cut[1]) // 3]
            p2 = dirs["orders"] / f"{name}_again.csv"
            p2.write_bytes(half.encode("utf-8"))
            written[name + "_again"] = p2
            planted.append(f"{name}_again.csv: overlaps {name}.csv (its rows load as unchanged); "
                           f"its last row {len(part) + 1} is cut off mid-row -> quarantined")
        for n in frames:
            shop_patterns[f"{n}*"] = shop.shop_id

    (dirs["orders"] / "ecom.yaml").write_text(
        "# which shop each export belongs to (these exports carry no shop column)\nshops:\n"
        + "".join(f'  "{pat}": {sid}\n' for pat, sid in shop_patterns.items()), encoding="utf-8")

    e = erp.to_export(tables)
    for name, frame in e.items():
        if name == "erp_products":
            written[name] = _xlsx({"商品资料": frame}, dirs["erp"] / "商品资料.xlsx",
                                  title="商品资料 导出", notes=["金额单位: 元", "由ERP导出"])
        elif name == "erp_inventory":
            written[name] = _csv(frame, dirs["erp"] / "库存.csv", "gb18030")
        elif name == "erp_purchase_orders":
            written[name] = _csv(frame, dirs["erp"] / "采购单.csv", "utf-8-sig")
        else:
            written[name] = _csv(frame, dirs["erp"] / f"{name}.csv")
    m = marketing.to_export(tables)
    for name, frame in m.items():
        label = {"traffic_sources": "流量来源", "ad_report": "推广报表"}.get(name, name)
        written[name] = _csv(frame, dirs["marketing"] / f"{label}.csv", "utf-8-sig")
    for name in ("shops", "other_costs", "fx_rates"):
        written[name] = demo.write_table(tables[name], dirs["canonical"] / f"{name}.csv")
    # JD's order export carries no after-sales columns: its cases come from the ERP's
    # after-sales list, here in the canonical refunds format
    jd_shops = set(tables["shops"].loc[tables["shops"].platform == "jd", "shop_id"])
    r = tables["refunds"]
    written["refunds_jd"] = demo.write_table(r[r.shop_id.isin(jd_shops)],
                                             dirs["canonical"] / "refunds_jd.csv", "refunds")

    (out / "README.md").write_text(
        "# Demo exports (generated by `ecom demo-data`, seed "
        f"{config.seed})\n\nPlatform exports, ERP files and marketing reports as a seller "
        "downloads them. Planted problems, which `ecom ingest` must quarantine or skip:\n\n"
        + "".join(f"- {p}\n" for p in planted)
        + "\nBuyer names, phones and addresses in these files are made up; ingest replaces "
        "them with a salted member key and keeps only province and city.\n", encoding="utf-8")
    return written


def planted_quarantine_count(tables_shops: pd.DataFrame) -> int:
    """How many rows the planted problems put in quarantine (for tests and the README)."""
    per = {"tmall": 1, "jd": 1, "pdd": 1, "douyin": 1}
    return int(sum(per[p] for p in tables_shops.platform))


__all__ = ["write_exports", "planted_quarantine_count"]
