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
    canonical/  shops, other costs, FX rates (no platform export exists for them), and the
                ERP's after-sales list of every shop (refunds.csv: case ids, request and refund
                times, reasons and units returned, which no platform order export carries)
    README.md   what was planted, and what ingest must quarantine

After-sales cases come from the ERP's list only: the Tmall 宝贝报表, the Pinduoduo and the
Douyin order exports are downloaded without their after-sales columns (退款状态/售后状态,
退款金额), as a seller who loads the after-sales list does, so that no case counts twice
(docs/DECISIONLOG.md 15) and returned units reach the stock reconciliation.

Planted ingest problems (each must end in quarantine with a reason, never in the warehouse):
one Excel-mangled order id (1.23457E+18 style) per Tmall shop, one JD line whose quantity
reads 两件, one Pinduoduo order paid on 2025-02-30, and the half-written Douyin row.

Planted stock problems (well-formed rows that load; ``ecom quality`` must flag them, and they
are the only warehouse x SKU pairs the finance report's stock reconciliation cannot tie; see
:func:`planted_stock_problems`): one purchase-order line received in 2025 exported as not
received (a missed receipt: the goods are in the stock snapshots from that day), and one
return refunded in full exported without its units.
Everything else is good data: loading the folder twice adds nothing.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import demo
from .sources import douyin, erp, jd, marketing, pdd, taobao

WRITERS = {"tmall": taobao, "jd": jd, "pdd": pdd, "douyin": douyin}
XLSX_MAX_ROWS = 60_000   # above this, workbook writing gets slow: CSV instead
#: the after-sales columns of each platform's order export (Tmall: of its line file), left
#: out of the demo's downloads: the cases come from the ERP's after-sales list instead
AFTER_SALES_COLUMNS = {"tmall": ("退款状态", "退款金额"), "pdd": ("售后状态", "退款金额(元)"),
                       "douyin": ("售后状态", "退款金额"), "jd": ()}
#: the planted stock problems happen on or after this day (inside the finance report's year,
#: with stock snapshots before and after)
PLANTED_STOCK_FROM = pd.Timestamp("2025-03-01")


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
    _save_fixed_time(wb, path)
    return path


#: the time written into the demo's workbooks (their created/modified properties and the
#: zip entries), where openpyxl writes the current time: the same seed gives the same bytes
XLSX_TIME = (2026, 1, 1, 0, 0, 0)


def _save_fixed_time(wb, path: Path) -> None:
    """``wb.save(path)`` with :data:`XLSX_TIME` for every time it would stamp (openpyxl's own
    writer, given a zip file whose entries carry that time)."""
    import datetime as dt
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    class FixedTimeZip(zipfile.ZipFile):
        def writestr(self, name, data, compress_type=None, compresslevel=None):
            if isinstance(name, str):
                name = zipfile.ZipInfo(name, date_time=XLSX_TIME)
                name.compress_type = self.compression
                name.external_attr = 0o600 << 16
            super().writestr(name, data, compress_type, compresslevel)

        def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
            with open(filename, "rb") as fh:  # a write-only sheet, streamed to a temp file
                self.writestr(arcname or Path(filename).name, fh.read(), compress_type,
                              compresslevel)

    wb.properties.created = wb.properties.modified = dt.datetime(*XLSX_TIME)
    ExcelWriter(wb, FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()


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
        drop = AFTER_SALES_COLUMNS[shop.platform]
        frames = {n: f.drop(columns=[c for c in drop if c in f.columns])
                  if shop.platform != "tmall" or n.startswith("ExportOrderDetailList") else f
                  for n, f in frames.items()}
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

    stock = planted_stock_problems(tables)
    po = tables["purchase_orders"]
    miss = stock.get("missed_receipt")
    if miss:  # received, in the snapshots from that day, but the receipt was never booked
        po = po.copy()
        hit = (po.po_id == miss["po_id"]) & (po.sku == miss["sku"])
        po.loc[hit, "received_on"] = pd.NaT
        po.loc[hit, "quantity_received"] = 0
        planted.append(
            f"erp/采购单.csv: {miss['po_id']} {miss['sku']} ({miss['warehouse_id']}) arrived on "
            f"{miss['received_on']:%Y-%m-%d} with {_units(miss['units'])} (库存.csv has them from "
            f"that day) but is exported as not received (入库日期 empty, 入库数量 0): a missed "
            f"receipt -> loaded; `ecom quality` flags inventory_snapshots.stock_continuity for "
            f"{miss['warehouse_id']}/{miss['sku']}/{miss['received_on']:%Y-%m-%d} "
            f"(+{_units(miss['units'])}) and the finance stock reconciliation shows "
            f"{miss['sku']} {_units(miss['units'])} over")
    e = erp.to_export({**tables, "purchase_orders": po})
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
    # every shop's after-sales cases come from the ERP's after-sales list (canonical refunds
    # format): the order exports above carry no after-sales columns
    r = tables["refunds"]
    bare = stock.get("return_without_units")
    if bare:  # the goods came back (the snapshots have them) but no unit count was exported
        r = r.copy()
        hit = ((r.platform == bare["platform"]) & (r.shop_id == bare["shop_id"])
               & (r.refund_id == bare["refund_id"]))
        r.loc[hit, "units_returned"] = pd.NA
        planted.append(
            f"canonical/refunds.csv: case {bare['refund_id']} ({bare['platform']} order "
            f"{bare['order_id']} line {bare['line_id']}, {bare['sku']}, refunded in full on "
            f"{bare['refunded_on']:%Y-%m-%d}): {_units(bare['units'])} came back but the case is "
            f"exported without units -> loaded; `ecom quality` flags "
            f"refunds.return_without_units for it and inventory_snapshots.stock_continuity for "
            f"{bare['warehouse_id']}/{bare['sku']}/{bare['refunded_on']:%Y-%m-%d} "
            f"(+{_units(bare['units'])}); the finance stock reconciliation shows {bare['sku']} "
            f"{_units(bare['units'])} over")
    written["refunds"] = demo.write_table(_jd_line_keys(r, tables), dirs["canonical"] / "refunds.csv",
                                          "refunds")
    # an older version wrote JD's cases alone here; left beside refunds.csv it would load too
    (dirs["canonical"] / "refunds_jd.csv").unlink(missing_ok=True)

    (out / "README.md").write_text(
        "# Demo exports (generated by `ecom demo-data`, seed "
        f"{config.seed})\n\nPlatform exports, ERP files and marketing reports as a seller "
        "downloads them. After-sales cases, with the units returned, come from the ERP's "
        "after-sales list (canonical/refunds.csv); the platform order exports are downloaded "
        "without their after-sales columns, so that no case counts twice.\n\n"
        "Planted ingest problems, which `ecom ingest` must quarantine or skip:\n\n"
        + "".join(f"- {p}\n" for p in planted if "-> loaded" not in p)
        + "\nPlanted stock problems, which load (the rows are well-formed) and `ecom quality` "
        "must flag; every other warehouse x SKU ties in the finance report's stock "
        "reconciliation:\n\n"
        + "".join(f"- {p}\n" for p in planted if "-> loaded" in p)
        + "\nBuyer names, phones and addresses in these files are made up; ingest replaces "
        "them with a salted member key and keeps only province and city.\n", encoding="utf-8")
    return written


def _units(n: int) -> str:
    return f"{n} unit" + ("" if n == 1 else "s")


def _jd_line_keys(refunds: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """JD's order export has no line id: ingest names a JD line by its content
    (``jd.content_line_ids``: SKU@price#k, k counting the same SKU and price within the order
    in file order), so the after-sales list names JD lines the same way."""
    jd_r = refunds.platform.eq("jd") & refunds.line_id.notna()
    if not jd_r.any():
        return refunds
    key = ["platform", "shop_id", "order_id", "line_id"]
    li = tables["order_lines"]
    # k depends only on the lines of the same order: the orders with a JD line case suffice
    li = li[(li.platform == "jd") & li.order_id.isin(refunds.loc[jd_r, "order_id"])][
        key + ["sku", "list_price_fen"]]
    li = li.assign(_n=pd.to_numeric(li.line_id, errors="coerce")).sort_values(
        ["shop_id", "order_id", "_n", "line_id"])
    li = li.assign(_key=jd.content_line_ids(li.assign(order_id=li.shop_id + "\0" + li.order_id),
                                            "sku", "list_price_fen").to_numpy())
    got = refunds.loc[jd_r, key].merge(li[key + ["_key"]], on=key, how="left")["_key"]
    out = refunds.copy()
    out.loc[jd_r, "line_id"] = got.fillna(refunds.loc[jd_r, "line_id"].reset_index(drop=True)).to_numpy()
    return out


def planted_quarantine_count(tables_shops: pd.DataFrame) -> int:
    """How many rows the planted problems put in quarantine (for tests and the README)."""
    per = {"tmall": 1, "jd": 1, "pdd": 1, "douyin": 1}
    return int(sum(per[p] for p in tables_shops.platform))


def planted_stock_problems(tables: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """The stock problems :func:`write_exports` plants, chosen from the generated (canonical)
    tables; an entry is missing when the data has no candidate (a tiny demo).

    * ``missed_receipt``: the first purchase-order line (by received_on, po_id, sku) received
      on or after :data:`PLANTED_STOCK_FROM` and before the last month of the window,
      exported as not received: po_id, sku, warehouse_id, received_on, units;
    * ``return_without_units``: the first case (by refunded_at, refund_id) in that time that
      refunds a shipped line in full with units back, of another SKU, exported without its
      units: platform, shop_id, refund_id, order_id, line_id, sku, warehouse_id (the SKU's
      stock), refunded_on (the day), units.
    """
    out: dict[str, dict] = {}
    po = tables["purchase_orders"]
    end = pd.Timestamp(tables["orders"]["created_at"].max()).to_period("M").to_timestamp()
    got = po[(po.received_on >= PLANTED_STOCK_FROM) & (po.received_on < end)
             & (po.quantity_received > 0)].sort_values(["received_on", "po_id", "sku"])
    if len(got):
        m = got.iloc[0]
        out["missed_receipt"] = {"po_id": m.po_id, "sku": m.sku, "warehouse_id": m.warehouse_id,
                                 "received_on": pd.Timestamp(m.received_on),
                                 "units": int(m.quantity_received)}
    key = ["platform", "shop_id", "order_id"]
    r = tables["refunds"]
    r = r[(r.status == "refunded") & r.line_id.notna() & (r.units_returned > 0)
          & (r.refunded_at >= PLANTED_STOCK_FROM) & (r.refunded_at < end)]
    lines, orders = tables["order_lines"], tables["orders"]
    r = r.merge(lines.loc[lines.order_id.isin(r.order_id), key + ["line_id", "paid_fen"]],
                on=key + ["line_id"])
    r = r.merge(orders.loc[orders.order_id.isin(r.order_id), key + ["shipped_at"]], on=key)
    r = r[(r.refund_fen >= r.paid_fen) & (r.shipped_at < r.requested_at)]
    if "missed_receipt" in out:
        r = r[r.sku != out["missed_receipt"]["sku"]]
    r = r.sort_values(["refunded_at", "refund_id"])
    if len(r):
        c = r.iloc[0]
        home = tables["inventory_snapshots"].groupby("sku")["warehouse_id"].min()
        out["return_without_units"] = {
            "platform": c.platform, "shop_id": c.shop_id, "refund_id": c.refund_id,
            "order_id": c.order_id, "line_id": c.line_id, "sku": c.sku,
            "warehouse_id": home.get(c.sku, "?"),
            "refunded_on": pd.Timestamp(c.refunded_at).normalize(),
            "units": int(c.units_returned)}
    return out


__all__ = ["write_exports", "planted_quarantine_count", "planted_stock_problems"]
