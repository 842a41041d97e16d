"""Data-quality rules on the warehouse, and the quality report.

A rule is a question asked of the warehouse in SQL: *which rows break this fact?* Every
rule (:class:`Rule`) has an id (``<table>.<what>``), the table it is about, a severity
(``error``: a number in a report is wrong or missing because of it; ``warning``: worth a
look, may be legitimate), a description in Chinese and English, the formula a good row
satisfies, the SQL that returns the offending rows (their key columns first, then the
values that show the problem) and the SQL that counts the rows it inspected. All rules run
inside DuckDB: only counts and a few example keys come back to Python, so the checks stay
fast on a warehouse with millions of order lines.

Several rules repeat a check the loader already applies to every row it loads (keys unique,
``paid_fen <= list_price_fen x quantity``, ``paid_at >= created_at`` ...). They prove the
stored data (written by an older version, by hand, or by another tool) rather than trust
the loader; on a warehouse filled only by ``ecom ingest`` they report 0.

API:

* :func:`run_checks` -> one row per rule: ``rule_id, table, severity, description,
  count_failing, count_checked, failing_rate, examples`` (up to 5 keys as a short string);
* :func:`examples` -> the offending rows of one rule (keys and the values that show why);
* :func:`unmapped_skus` -> order-line SKUs unknown to ``products``, with lines and money;
* :func:`quarantine_summary` -> quarantined rows by table, column and kind of reason;
* :func:`quality_trend` -> per load: rows in, quarantined, quarantine rate, top reason;
* :func:`write_report` -> a self-contained HTML quality report (zh by default, or en);
* :func:`record_checks` (run by ``ecom build``) stores whether each rule fails in
  ``quality_rule_checks``; :func:`recorded_fails` reads what still holds (the overview's
  data-health badge), :func:`rule_fails` asks one rule.

The rules and their formulas are listed at the end of this docstring (generated from
:data:`RULES`, so the list cannot drift from the code).
"""
from __future__ import annotations

import datetime as dt
import html as _html
import math
import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Iterable, Sequence

import pandas as pd

from . import fmt, i18n, schema

__all__ = ["Rule", "RULES", "SEVERITIES", "rule", "run_checks", "examples", "unmapped_skus",
           "quarantine_summary", "quality_trend", "write_report", "failing_at_or_above",
           "sort_checks", "console_table", "status_lines",
           "MIN_EXPECTED_ORDERS", "OVER_DELIVERY_TOLERANCE", "STOCK_TOLERANCE_UNITS",
           "STOCK_CONTINUITY_SQL", "rule_fails", "record_checks", "recorded_fails",
           "ORDER_SCOPED", "CHECKS_TABLE"]

#: severities, most serious first
SEVERITIES = ("error", "warning")
#: purchase orders may deliver up to 10 % more than ordered before it counts as over-delivery
OVER_DELIVERY_TOLERANCE = 0.10
#: a run of zero-order days is a suspected missing export when the shop's surrounding days
#: say at least this many orders were to be expected in it (Poisson chance of seeing none
#: below e^-10 = 0.005 %)
MIN_EXPECTED_ORDERS = 10
#: days before and after a gap whose order counts give the expectation
GAP_NEIGHBOUR_DAYS = 7
#: a step of stock from one snapshot to the next ties when |difference| is at most this many
#: units. Units are whole and every movement is counted whole, so the default is 0: one unit
#: off is a movement missing on one side (raise it for an ERP that books small corrections
#: the exports do not show)
STOCK_TOLERANCE_UNITS = 0
#: how many example keys ``run_checks`` puts in its ``examples`` column
N_EXAMPLES = 5


@dataclass(frozen=True)
class Rule:
    """One data-quality rule.

    ``sql`` selects the offending rows: the ``keys`` columns first (they identify the row,
    or the group for rules on groups), then columns that show the problem.
    ``checked_sql`` counts the rows (or groups) the rule inspected, the denominator of
    ``failing_rate``. ``formula`` states what a good row satisfies.
    """

    id: str
    table: str
    severity: str
    zh: str
    en: str
    formula: str
    sql: str
    keys: tuple[str, ...]
    checked_sql: str

    def description(self, lang: str = "zh") -> str:
        return i18n.text(self.zh, self.en, lang)


RULES: dict[str, Rule] = {}


def _add(r: Rule) -> Rule:
    assert r.severity in SEVERITIES, r
    assert r.table in schema.TABLES, r
    assert r.id not in RULES, r.id
    RULES[r.id] = r
    return r


def rule(rule_id: str) -> Rule:
    """The rule called ``rule_id`` (a clear error naming the known ids if there is none)."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown quality rule {rule_id!r}; rules are: {', '.join(RULES)}") from None


def _count(table: str, where: str = "") -> str:
    return f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else "")


_ORDER_KEY = ("platform", "shop_id", "order_id")
_LINE_KEY = ("platform", "shop_id", "order_id", "line_id")


def _on(a: str, b: str, cols: Sequence[str] = _ORDER_KEY) -> str:
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in cols)


# -- keys unique, one rule per canonical table -------------------------------------------------
for _t in schema.TABLES.values():
    _k = ", ".join(_t.key)
    _add(Rule(
        f"{_t.name}.key_unique", _t.name, "error",
        f"{i18n.label(_t.name)}的主键 ({_k}) 唯一：同一主键只有一行",
        f"{i18n.label(_t.name, 'en')}: the natural key ({_k}) is unique",
        f"COUNT(*) = 1 per ({_k}); the failing count is the number of keys held by 2+ rows",
        # the keys are grouped first by their hash (one integer: several times faster than
        # the key's text columns at millions of rows), then exactly, only where hashes repeat
        f"WITH repeated AS (SELECT hash({_k}) AS h FROM {_t.name} GROUP BY 1 HAVING COUNT(*) > 1) "
        f"SELECT {_k}, COUNT(*) AS count_rows FROM {_t.name} "
        f"WHERE hash({_k}) IN (SELECT h FROM repeated) GROUP BY {_k} HAVING COUNT(*) > 1",
        tuple(_t.key), _count(_t.name)))

# -- order lines -------------------------------------------------------------------------------
_add(Rule(
    "order_lines.paid_le_list", "order_lines", "error",
    "订单明细实付金额不超过吊牌价 × 数量",
    "A line's paid amount is at most list price x quantity",
    "paid_fen <= list_price_fen x quantity",
    "SELECT platform, shop_id, order_id, line_id, quantity, list_price_fen, paid_fen "
    "FROM order_lines WHERE paid_fen > list_price_fen * quantity",
    _LINE_KEY, _count("order_lines")))

_add(Rule(
    "order_lines.orphan", "order_lines", "error",
    "订单明细的订单存在于订单表（孤儿明细不进入任何汇总）",
    "Every order line's order exists in orders (orphan lines are left out of every rollup)",
    "(platform, shop_id, order_id) of the line is in orders",
    "SELECT l.platform, l.shop_id, l.order_id, l.line_id, l.sku, l.paid_fen FROM order_lines l "
    f"WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE {_on('o', 'l')})",
    _LINE_KEY, _count("order_lines")))

_add(Rule(
    "order_lines.sku_unknown", "order_lines", "warning",
    "订单明细的SKU在商品表中存在（未映射SKU没有成本和类目）",
    "Every order line's SKU is in products (unmapped SKUs have no cost and no category)",
    "the line's SKU, resolved through sku_map (the model int_line_skus), is in products.sku; "
    "see the unmapped-SKU list for SKUs, lines and amounts",
    # int_line_skus carries the line's columns (no join back to order_lines); the anti-join
    # is a LEFT JOIN (a correlated NOT EXISTS copies every column of 5M lines first)
    "SELECT r.platform, r.shop_id, r.order_id, r.line_id, r.exported_sku AS sku, "
    "r.platform_sku_id, r.quantity, r.paid_fen FROM int_line_skus r "
    "LEFT JOIN products p ON p.sku = r.sku WHERE p.sku IS NULL",
    _LINE_KEY, _count("order_lines")))

# -- orders ------------------------------------------------------------------------------------
_add(Rule(
    "orders.paid_le_list", "orders", "error",
    "订单实付（明细实付之和 + 运费）不超过明细吊牌金额之和 + 运费",
    "An order's paid amount (its lines' paid + shipping) is at most its lines' list value "
    "+ shipping",
    "SUM(lines.paid_fen) + shipping_fee_fen <= SUM(lines.list_price_fen x quantity) + "
    "shipping_fee_fen, over the order's lines (orders without lines are not checked; the "
    "canonical order has no paid column of its own, so this is the line rule at order grain)",
    # only orders with a line over its list value (or an empty amount) can fail: the sums
    # of lines that each pass pass, so only those orders' lines are added up
    "WITH suspect AS ("
    " SELECT DISTINCT platform, shop_id, order_id FROM order_lines"
    " WHERE NOT (paid_fen <= list_price_fen * quantity) OR paid_fen IS NULL"
    " OR list_price_fen IS NULL OR quantity IS NULL), line_totals AS ("
    " SELECT l.platform, l.shop_id, l.order_id, SUM(l.paid_fen) AS lines_paid_fen,"
    " SUM(l.list_price_fen * l.quantity) AS lines_list_fen"
    f" FROM order_lines l SEMI JOIN suspect s ON {_on('s', 'l')}"
    " GROUP BY l.platform, l.shop_id, l.order_id) "
    "SELECT o.platform, o.shop_id, o.order_id,"
    " t.lines_paid_fen + COALESCE(o.shipping_fee_fen, 0) AS order_paid_fen,"
    " t.lines_list_fen + COALESCE(o.shipping_fee_fen, 0) AS order_list_fen, o.shipping_fee_fen "
    f"FROM orders o JOIN line_totals t ON {_on('t', 'o')} "
    "WHERE t.lines_paid_fen + COALESCE(o.shipping_fee_fen, 0)"
    " > t.lines_list_fen + COALESCE(o.shipping_fee_fen, 0)",
    _ORDER_KEY,
    f"SELECT COUNT(*) FROM orders o WHERE EXISTS (SELECT 1 FROM order_lines l WHERE {_on('l', 'o')})"))

_add(Rule(
    "orders.time_order", "orders", "error",
    "订单时间先后正确：下单 ≤ 付款 ≤ 发货 ≤ 完成",
    "Order times are in order: created <= paid <= shipped <= finished",
    "created_at <= paid_at <= shipped_at <= finished_at, for every pair of times present "
    "(empty times are skipped)",
    "SELECT platform, shop_id, order_id, created_at, paid_at, shipped_at, finished_at "
    "FROM orders WHERE paid_at < created_at OR shipped_at < created_at "
    "OR finished_at < created_at OR shipped_at < paid_at OR finished_at < paid_at "
    "OR finished_at < shipped_at",
    _ORDER_KEY, _count("orders")))

_add(Rule(
    "orders.status_times", "orders", "error",
    "订单状态与时间一致（如已完成却无付款时间）",
    "Order status agrees with its times (e.g. finished without paid_at)",
    "paid/shipped/finished => paid_at set; shipped/finished => shipped_at set; "
    "finished => finished_at set; created (unpaid) => no paid/shipped/finished time; "
    "paid => not yet shipped or finished; shipped => not yet finished",
    "SELECT platform, shop_id, order_id, status, paid_at, shipped_at, finished_at, problem "
    "FROM (SELECT *, CASE"
    " WHEN status IN ('paid', 'shipped', 'finished') AND paid_at IS NULL"
    "  THEN status || ' without paid_at'"
    " WHEN status IN ('shipped', 'finished') AND shipped_at IS NULL"
    "  THEN status || ' without shipped_at'"
    " WHEN status = 'finished' AND finished_at IS NULL THEN 'finished without finished_at'"
    " WHEN status = 'created' AND COALESCE(paid_at, shipped_at, finished_at) IS NOT NULL"
    "  THEN 'created (unpaid) with a paid/shipped/finished time'"
    " WHEN status = 'paid' AND COALESCE(shipped_at, finished_at) IS NOT NULL"
    "  THEN 'paid with a shipped/finished time'"
    " WHEN status = 'shipped' AND finished_at IS NOT NULL THEN 'shipped with finished_at'"
    " END AS problem FROM orders) x WHERE problem IS NOT NULL",
    _ORDER_KEY, _count("orders")))

_add(Rule(
    "orders.no_lines", "orders", "error",
    "订单至少有一行明细（无明细的订单金额缺失）",
    "Every order has at least one line (an order without lines has no amounts)",
    "(platform, shop_id, order_id) of the order is in order_lines",
    "SELECT o.platform, o.shop_id, o.order_id, o.status, o.created_at FROM orders o "
    f"WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE {_on('l', 'o')})",
    _ORDER_KEY, _count("orders")))

_add(Rule(
    "orders.missing_days", "orders", "warning",
    "店铺日订单无缺口：按前后7天的日均订单量，应有至少10单的连续零订单日疑为漏导出",
    "No gaps in a shop's daily orders: a run of zero-order days in which the shop's "
    "surrounding days predict 10+ orders suggests a missing export",
    f"per shop and Beijing day from the shop's first order day to the last order day in the "
    f"warehouse: a run of consecutive days with 0 orders fails when run length x average "
    f"daily orders over the {GAP_NEIGHBOUR_DAYS} days before and after the run >= "
    f"{MIN_EXPECTED_ORDERS} (Poisson chance of no order below e^-{MIN_EXPECTED_ORDERS}) and "
    f"at least {GAP_NEIGHBOUR_DAYS} of those surrounding days are in the shop's range (a shop "
    f"that sells nearly every day, judged on enough days); one failing row per missing day",
    f"""WITH daily AS (
    SELECT platform, shop_id, CAST(created_at AS DATE) AS order_date, COUNT(*) AS count_orders
    FROM orders GROUP BY platform, shop_id, CAST(created_at AS DATE)
), shops AS (
    SELECT platform, shop_id, MIN(order_date) AS first_date FROM daily GROUP BY platform, shop_id
), spine AS (
    SELECT s.platform, s.shop_id, CAST(r.range AS DATE) AS order_date
    FROM shops s, range(s.first_date, (SELECT MAX(order_date) FROM daily) + 1, INTERVAL 1 DAY) r
), filled AS (
    SELECT sp.platform, sp.shop_id, sp.order_date, COALESCE(d.count_orders, 0) AS count_orders
    FROM spine sp LEFT JOIN daily d ON d.platform = sp.platform AND d.shop_id = sp.shop_id
         AND d.order_date = sp.order_date
), zero_days AS (
    SELECT platform, shop_id, order_date,
           order_date - CAST(ROW_NUMBER() OVER (PARTITION BY platform, shop_id
                                                ORDER BY order_date) AS INTEGER) AS run_id
    FROM filled WHERE count_orders = 0
), runs AS (
    SELECT platform, shop_id, run_id, MIN(order_date) AS gap_start, MAX(order_date) AS gap_end,
           COUNT(*) AS gap_days
    FROM zero_days GROUP BY platform, shop_id, run_id
), around AS (
    SELECT r.platform, r.shop_id, r.run_id, r.gap_start, r.gap_end, r.gap_days,
           AVG(f.count_orders) AS avg_orders_around, COUNT(*) AS neighbour_days
    FROM runs r JOIN filled f ON f.platform = r.platform AND f.shop_id = r.shop_id
         AND ((f.order_date >= r.gap_start - {GAP_NEIGHBOUR_DAYS} AND f.order_date < r.gap_start)
              OR (f.order_date > r.gap_end AND f.order_date <= r.gap_end + {GAP_NEIGHBOUR_DAYS}))
    GROUP BY r.platform, r.shop_id, r.run_id, r.gap_start, r.gap_end, r.gap_days
)
SELECT z.platform, z.shop_id, z.order_date, a.gap_start, a.gap_end, a.gap_days,
       ROUND(a.avg_orders_around, 1) AS avg_orders_around,
       ROUND(a.gap_days * a.avg_orders_around, 1) AS expected_orders
FROM zero_days z JOIN around a ON a.platform = z.platform AND a.shop_id = z.shop_id
     AND a.run_id = z.run_id
WHERE a.gap_days * a.avg_orders_around >= {MIN_EXPECTED_ORDERS}
  AND a.neighbour_days >= {GAP_NEIGHBOUR_DAYS}""",
    ("platform", "shop_id", "order_date"),
    """WITH daily AS (SELECT platform, shop_id, CAST(created_at AS DATE) AS d FROM orders)
SELECT COALESCE(SUM(date_diff('day', f, (SELECT MAX(d) FROM daily)) + 1), 0)
FROM (SELECT MIN(d) AS f FROM daily GROUP BY platform, shop_id) s"""))

# -- refunds -----------------------------------------------------------------------------------
_add(Rule(
    "refunds.amount_le_paid", "refunds", "error",
    "已退款金额不超过实付：单行售后之和 ≤ 该行实付；含整单售后的订单，全部售后之和 ≤ 订单实付 + 运费",
    "Refunded money is at most what was paid: a line's cases sum to at most its paid "
    "amount; for orders with order-level cases, all cases sum to at most the order's paid "
    "amount + shipping",
    "over cases with status refunded: SUM(refund_fen) per line <= order_lines.paid_fen; per "
    "order with an order-level case (empty line_id): SUM(refund_fen) of all its cases <= "
    "SUM(lines.paid_fen) + shipping_fee_fen",
    f"""WITH done AS (
    SELECT * FROM refunds WHERE status = 'refunded'
), per_line AS (
    SELECT platform, shop_id, order_id, line_id, SUM(refund_fen) AS refund_fen,
           string_agg(refund_id, ',' ORDER BY refund_id) AS refund_ids
    FROM done WHERE line_id IS NOT NULL GROUP BY platform, shop_id, order_id, line_id
), per_order AS (
    SELECT platform, shop_id, order_id, SUM(refund_fen) AS refund_fen,
           string_agg(refund_id, ',' ORDER BY refund_id) AS refund_ids
    FROM done GROUP BY platform, shop_id, order_id
    HAVING COUNT(*) FILTER (WHERE line_id IS NULL) > 0
), order_paid AS (
    SELECT o.platform, o.shop_id, o.order_id,
           COALESCE(SUM(l.paid_fen), 0) + COALESCE(MAX(o.shipping_fee_fen), 0) AS paid_fen
    FROM orders o
    JOIN per_order po ON {_on('po', 'o')}
    LEFT JOIN order_lines l ON {_on('l', 'o')}
    GROUP BY o.platform, o.shop_id, o.order_id
)
SELECT c.platform, c.shop_id, c.order_id, c.line_id, c.refund_ids, c.refund_fen, l.paid_fen
FROM per_line c JOIN order_lines l ON {_on('l', 'c', _LINE_KEY)}
WHERE c.refund_fen > l.paid_fen
UNION ALL
SELECT c.platform, c.shop_id, c.order_id, NULL AS line_id, c.refund_ids, c.refund_fen, p.paid_fen
FROM per_order c JOIN order_paid p ON {_on('p', 'c')}
WHERE c.refund_fen > p.paid_fen""",
    _LINE_KEY,
    """SELECT (SELECT COUNT(*) FROM (SELECT DISTINCT platform, shop_id, order_id, line_id
                                  FROM refunds WHERE status = 'refunded' AND line_id IS NOT NULL))
        + (SELECT COUNT(*) FROM (SELECT DISTINCT platform, shop_id, order_id
                                  FROM refunds WHERE status = 'refunded' AND line_id IS NULL))"""))

_add(Rule(
    "refunds.units_le_quantity", "refunds", "warning",
    "退货件数不超过该行购买数量（汇总按购买数量封顶）",
    "Units returned on a line are at most the units bought (the model layer caps them)",
    "over cases with status refunded that name a line: SUM(units_returned) per line <= "
    "order_lines.quantity",
    f"""WITH per_line AS (
    SELECT platform, shop_id, order_id, line_id, SUM(units_returned) AS units_returned,
           string_agg(refund_id, ',' ORDER BY refund_id) AS refund_ids
    FROM refunds WHERE status = 'refunded' AND line_id IS NOT NULL
    GROUP BY platform, shop_id, order_id, line_id
)
SELECT c.platform, c.shop_id, c.order_id, c.line_id, c.refund_ids, c.units_returned, l.quantity
FROM per_line c JOIN order_lines l ON {_on('l', 'c', _LINE_KEY)}
WHERE c.units_returned > l.quantity""",
    _LINE_KEY,
    "SELECT COUNT(*) FROM (SELECT DISTINCT platform, shop_id, order_id, line_id FROM refunds "
    "WHERE status = 'refunded' AND line_id IS NOT NULL)"))

_add(Rule(
    "refunds.return_without_units", "refunds", "warning",
    "整行退款的售后记录了退货件数（否则退回的货不进库存对账，成本按已售计算）",
    "A line refunded in full records the units that came back (otherwise the goods are "
    "missing from the stock reconciliation and their cost counts as sold)",
    "over cases with status refunded that name a line: SUM(refund_fen) per line >= "
    "order_lines.paid_fen > 0 (the whole line's money back: the goods came back, or never "
    "left) => SUM(units_returned) > 0, an empty count read as 0. A full refund where the "
    "buyer keeps the goods is legitimate; order exports carry no units at all, so every full "
    "refund loaded from them shows here (load the after-sales export, DECISIONLOG 15)",
    f"""WITH per_line AS (
    SELECT platform, shop_id, order_id, line_id, SUM(refund_fen) AS refund_fen,
           SUM(COALESCE(units_returned, 0)) AS units_returned,
           string_agg(refund_id, ',' ORDER BY refund_id) AS refund_ids,
           MAX(refunded_at) AS refunded_at
    FROM refunds WHERE status = 'refunded' AND line_id IS NOT NULL
    GROUP BY platform, shop_id, order_id, line_id
)
SELECT c.platform, c.shop_id, c.order_id, c.line_id, c.refund_ids, r.sku, l.quantity,
       l.paid_fen, c.refund_fen, c.units_returned, c.refunded_at
FROM per_line c
JOIN order_lines l ON {_on('l', 'c', _LINE_KEY)}
JOIN int_line_skus r ON {_on('r', 'c', _LINE_KEY)}
WHERE c.refund_fen >= l.paid_fen AND l.paid_fen > 0 AND c.units_returned = 0""",
    _LINE_KEY,
    "SELECT COUNT(*) FROM (SELECT DISTINCT platform, shop_id, order_id, line_id FROM refunds "
    "WHERE status = 'refunded' AND line_id IS NOT NULL)"))

_add(Rule(
    "refunds.orphan", "refunds", "error",
    "售后单的订单（及指定的明细行）存在（否则退款不进入汇总）",
    "Every refund's order exists (and its line, when it names one); otherwise the refund is "
    "left out of every rollup",
    "(platform, shop_id, order_id) is in orders; when line_id is set, (platform, shop_id, "
    "order_id, line_id) is in order_lines",
    f"""SELECT r.platform, r.shop_id, r.refund_id, r.order_id, r.line_id, r.refund_fen,
       CASE WHEN o.order_id IS NULL THEN 'order missing' ELSE 'line missing' END AS problem
FROM refunds r
LEFT JOIN orders o ON {_on('o', 'r')}
WHERE o.order_id IS NULL
   OR (r.line_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM order_lines l WHERE {_on('l', 'r', _LINE_KEY)}))""",
    ("platform", "shop_id", "refund_id"), _count("refunds")))

_add(Rule(
    "refunds.time_order", "refunds", "error",
    "退款时间不早于申请时间",
    "A refund is paid out no earlier than it was requested",
    "refunded_at >= requested_at (when refunded_at is set)",
    "SELECT platform, shop_id, refund_id, requested_at, refunded_at FROM refunds "
    "WHERE refunded_at < requested_at",
    ("platform", "shop_id", "refund_id"), _count("refunds")))

_add(Rule(
    "refunds.status_times", "refunds", "warning",
    "售后状态与退款时间一致：仅“已退款”有退款时间",
    "After-sales status agrees with refunded_at: only refunded cases carry it",
    "status = refunded <=> refunded_at is set",
    "SELECT platform, shop_id, refund_id, status, refunded_at FROM refunds "
    "WHERE (status = 'refunded') <> (refunded_at IS NOT NULL)",
    ("platform", "shop_id", "refund_id"), _count("refunds")))

_add(Rule(
    "refunds.before_order", "refunds", "warning",
    "售后申请不早于下单时间",
    "An after-sales case is opened no earlier than its order was placed",
    "refunds.requested_at >= orders.created_at of its order",
    "SELECT r.platform, r.shop_id, r.refund_id, r.order_id, r.requested_at, o.created_at "
    f"FROM refunds r JOIN orders o ON {_on('o', 'r')} WHERE r.requested_at < o.created_at",
    ("platform", "shop_id", "refund_id"), _count("refunds")))

# -- inventory -----------------------------------------------------------------------------------
_SNAP_KEY = ("snapshot_date", "warehouse_id", "sku")
_add(Rule(
    "inventory_snapshots.negative_on_hand", "inventory_snapshots", "warning",
    "库存数量不为负（负库存表示超卖或漏记入库）",
    "Units on hand are not negative (negative stock means overselling or a missed receipt)",
    "on_hand_units >= 0",
    "SELECT snapshot_date, warehouse_id, sku, on_hand_units FROM inventory_snapshots "
    "WHERE on_hand_units < 0",
    _SNAP_KEY, _count("inventory_snapshots")))

_add(Rule(
    "inventory_snapshots.sku_unknown", "inventory_snapshots", "warning",
    "库存快照的SKU在商品表中存在（否则无法计算库存金额）",
    "Every stocked SKU is in products (otherwise stock cannot be valued)",
    "inventory_snapshots.sku is in products.sku; one failing row per warehouse and SKU",
    "SELECT warehouse_id, sku, COUNT(*) AS count_days, MIN(snapshot_date) AS first_date, "
    "MAX(snapshot_date) AS last_date FROM inventory_snapshots s "
    "WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = s.sku) GROUP BY warehouse_id, sku",
    ("warehouse_id", "sku"),
    "SELECT COUNT(*) FROM (SELECT DISTINCT warehouse_id, sku FROM inventory_snapshots)"))

#: every step from one stock snapshot of a warehouse x SKU to its next: opening (the earlier
#: snapshot) + inbound - outbound + returned (the movements of mart_stock_moves on the days
#: after it, up to and including the later one) = expected_closing_units; difference_units =
#: the later snapshot - expected. A SKU first listed after its warehouse's first snapshot day
#: held 0 units on the warehouse's snapshot day before; a pair's first snapshot on its
#: warehouse's first day has no opening and is not checked. Snapshots missing in between are
#: skipped (their days' movements count in the next step), so the steps of a period add up
#: to the finance report's stock reconciliation of that period.
_STOCK_CHECKPOINTS = """WITH snaps AS (
    SELECT warehouse_id, sku, snapshot_date, CAST(SUM(on_hand_units) AS BIGINT) AS on_hand_units
    FROM inventory_snapshots
    GROUP BY warehouse_id, sku, snapshot_date
),
checkpoints AS (
    SELECT * FROM snaps
    UNION ALL
    SELECT f.warehouse_id, f.sku, MAX(w.snapshot_date) AS snapshot_date, 0 AS on_hand_units
    FROM (SELECT warehouse_id, sku, MIN(snapshot_date) AS first_date FROM snaps
          GROUP BY warehouse_id, sku) f
    JOIN (SELECT DISTINCT warehouse_id, snapshot_date FROM snaps) w
         ON w.warehouse_id = f.warehouse_id AND w.snapshot_date < f.first_date
    GROUP BY f.warehouse_id, f.sku
)"""
STOCK_CONTINUITY_SQL = _STOCK_CHECKPOINTS + """,
timeline AS (
    -- snapshots and movements of the pairs that have snapshots; on one day the movements
    -- come before the end-of-day snapshot
    SELECT warehouse_id, sku, snapshot_date AS d, 1 AS is_snapshot, on_hand_units,
           0 AS inbound_units, 0 AS outbound_units, 0 AS returned_units
    FROM checkpoints
    UNION ALL
    SELECT m.warehouse_id, m.sku, m.move_date, 0, NULL, m.inbound_units, m.outbound_units,
           m.returned_units
    FROM mart_stock_moves m
    WHERE EXISTS (SELECT 1 FROM snaps s WHERE s.warehouse_id = m.warehouse_id AND s.sku = m.sku)
),
running AS (
    -- the movements so far, at every row (a snapshot row adds none)
    SELECT warehouse_id, sku, d, is_snapshot, on_hand_units,
           SUM(inbound_units) OVER w AS in_so_far, SUM(outbound_units) OVER w AS out_so_far,
           SUM(returned_units) OVER w AS back_so_far
    FROM timeline
    WINDOW w AS (PARTITION BY warehouse_id, sku ORDER BY d, is_snapshot ROWS UNBOUNDED PRECEDING)
),
paired AS (
    -- each snapshot with the one before it and the movements in between
    SELECT warehouse_id, sku, d AS snapshot_date, LAG(d) OVER v AS previous_snapshot_date,
           LAG(on_hand_units) OVER v AS opening_units,
           CAST(in_so_far - LAG(in_so_far) OVER v AS BIGINT) AS inbound_units,
           CAST(out_so_far - LAG(out_so_far) OVER v AS BIGINT) AS outbound_units,
           CAST(back_so_far - LAG(back_so_far) OVER v AS BIGINT) AS returned_units,
           on_hand_units AS closing_units
    FROM running
    WHERE is_snapshot = 1
    WINDOW v AS (PARTITION BY warehouse_id, sku ORDER BY d)
)
SELECT warehouse_id, sku, snapshot_date, previous_snapshot_date, opening_units, inbound_units,
       outbound_units, returned_units,
       opening_units + inbound_units - outbound_units + returned_units AS expected_closing_units,
       closing_units,
       closing_units - (opening_units + inbound_units - outbound_units + returned_units)
           AS difference_units
FROM paired
WHERE previous_snapshot_date IS NOT NULL
"""

_add(Rule(
    "inventory_snapshots.stock_continuity", "inventory_snapshots", "warning",
    "库存前后衔接：上一快照 + 采购到货 − 销售出库 + 退货入库 = 本快照（每个仓库×SKU、每个快照日）",
    "Stock follows its movements: previous snapshot + received - sold + returned = this "
    "snapshot, per warehouse x SKU and snapshot day",
    f"per warehouse x SKU, from each snapshot to its next: |on_hand_units - (previous "
    f"on_hand_units + quantity_received of purchase orders received_on the days after it, up "
    f"to and including this one - quantity of paid lines of orders created_at those days + "
    f"units_returned of cases refunded_at those days)| <= {STOCK_TOLERANCE_UNITS} units. "
    f"Sales and returns move the SKU's home warehouse (the first by name that holds or "
    f"receives it); a SKU first listed after its warehouse's first snapshot day held 0 units "
    f"the snapshot day before (a warehouse's first snapshot has no opening); a missing "
    f"snapshot row is skipped (the next step covers its days); the same movements as the "
    f"finance report's stock "
    f"reconciliation (the model mart_stock_moves; the build must have run), whose period "
    f"difference is the sum of these steps",
    f"SELECT * FROM ({STOCK_CONTINUITY_SQL}) s "
    f"WHERE ABS(difference_units) > {STOCK_TOLERANCE_UNITS}",
    ("warehouse_id", "sku", "snapshot_date"),
    # every snapshot row is a step, except a pair's first row on its warehouse's first day
    """WITH snaps AS (
    SELECT DISTINCT warehouse_id, sku, snapshot_date FROM inventory_snapshots
), first_days AS (
    SELECT warehouse_id, MIN(snapshot_date) AS d FROM snaps GROUP BY warehouse_id
)
SELECT (SELECT COUNT(*) FROM snaps)
     - (SELECT COUNT(*) FROM snaps s JOIN first_days f ON f.warehouse_id = s.warehouse_id
        AND f.d = s.snapshot_date)"""))


#: the steps of the stock rule (STOCK_CONTINUITY_SQL's pairs of consecutive checkpoints,
#: with the earlier one's units as opening_units and the later one's as closing_units) that
#: hold a day of the temp table _quality_stock_days: for a pair and a day d, the first
#: checkpoint on or after d and the last one before it (a step's days are those after its
#: earlier checkpoint up to and including its later one). The movements are added by
#: :func:`_stock_failing`. tests/test_quality_stock.py: with every day asked, the failing
#: steps are the rule's.
_STOCK_STEPS_SQL = _STOCK_CHECKPOINTS + """,
bounds AS (
    SELECT c.warehouse_id, c.sku, x.d,
           MIN(c.snapshot_date) FILTER (WHERE c.snapshot_date >= x.d) AS snapshot_date,
           MAX(c.snapshot_date) FILTER (WHERE c.snapshot_date < x.d) AS previous_snapshot_date
    FROM checkpoints c CROSS JOIN _quality_stock_days x
    GROUP BY c.warehouse_id, c.sku, x.d
)
SELECT DISTINCT b.warehouse_id, b.sku, b.snapshot_date, b.previous_snapshot_date,
       o.on_hand_units AS opening_units, k.on_hand_units AS closing_units
FROM bounds b
JOIN checkpoints k ON k.warehouse_id = b.warehouse_id AND k.sku = b.sku
 AND k.snapshot_date = b.snapshot_date
JOIN checkpoints o ON o.warehouse_id = b.warehouse_id AND o.sku = b.sku
 AND o.snapshot_date = b.previous_snapshot_date"""


def _missing_days_sql(table: str, date_col: str, group: Sequence[str]) -> tuple[str, str]:
    """Days without any row, per group, from the group's first day to the later of the
    table's and the orders' last day (so a feed that stops early shows as a gap)."""
    g = ", ".join(group)
    gs = ", ".join(f"s.{c}" for c in group)
    base = f"""WITH have AS (
    SELECT DISTINCT {g}, CAST({date_col} AS DATE) AS d FROM {table}
), last_day AS (
    SELECT GREATEST((SELECT MAX(d) FROM have),
                    COALESCE((SELECT MAX(CAST(created_at AS DATE)) FROM orders),
                             (SELECT MAX(d) FROM have))) AS d
), groups AS (
    SELECT {g}, MIN(d) AS first_date FROM have GROUP BY {g}
), spine AS (
    SELECT {gs}, CAST(r.range AS DATE) AS d
    FROM groups s, range(s.first_date, (SELECT d FROM last_day) + 1, INTERVAL 1 DAY) r
)"""
    on = " AND ".join(f"h.{c} = sp.{c}" for c in group)
    failing = (base + f"\nSELECT {', '.join('sp.' + c for c in group)}, sp.d AS {date_col} "
               f"FROM spine sp WHERE NOT EXISTS (SELECT 1 FROM have h WHERE {on} AND h.d = sp.d)")
    checked = base + "\nSELECT COUNT(*) FROM spine"
    return failing, checked


_sql, _chk = _missing_days_sql("inventory_snapshots", "snapshot_date", ["warehouse_id"])
_add(Rule(
    "inventory_snapshots.missing_days", "inventory_snapshots", "warning",
    "每个仓库每天都有库存快照（缺的日子疑为漏导出）",
    "Every warehouse has a stock snapshot every day (a missing day suggests a missing export)",
    "per warehouse, every day from its first snapshot to the later of the last snapshot and "
    "the last order day has at least one snapshot row",
    _sql, ("warehouse_id", "snapshot_date"), _chk))

# -- purchase orders -------------------------------------------------------------------------------
_add(Rule(
    "purchase_orders.over_delivery", "purchase_orders", "warning",
    f"到货数量不超过采购数量的 {1 + OVER_DELIVERY_TOLERANCE:.1f} 倍（超量到货）",
    f"Units received are at most {1 + OVER_DELIVERY_TOLERANCE:.1f} x units ordered "
    f"(over-delivery)",
    f"quantity_received <= quantity_ordered x {1 + OVER_DELIVERY_TOLERANCE:.1f}",
    "SELECT po_id, sku, quantity_ordered, quantity_received FROM purchase_orders "
    f"WHERE quantity_received * 100 > quantity_ordered * {round(100 * (1 + OVER_DELIVERY_TOLERANCE))}",
    ("po_id", "sku"), _count("purchase_orders")))

_add(Rule(
    "purchase_orders.received_before_ordered", "purchase_orders", "error",
    "到货日期不早于下单日期",
    "Goods are received no earlier than they were ordered",
    "received_on >= ordered_on (when received_on is set)",
    "SELECT po_id, sku, ordered_on, received_on FROM purchase_orders WHERE received_on < ordered_on",
    ("po_id", "sku"), _count("purchase_orders")))

_add(Rule(
    "purchase_orders.sku_unknown", "purchase_orders", "warning",
    "采购单的SKU在商品表中存在",
    "Every purchased SKU is in products",
    "purchase_orders.sku is in products.sku",
    "SELECT po_id, sku, supplier_id, quantity_ordered FROM purchase_orders po "
    "WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = po.sku)",
    ("po_id", "sku"), _count("purchase_orders")))

# -- traffic ----------------------------------------------------------------------------------------
_TRAFFIC_KEY = ("traffic_date", "platform", "shop_id", "source")
_add(Rule(
    "traffic.buyers_le_visitors", "traffic", "error",
    "支付买家数不超过访客数",
    "Paying buyers are at most visitors",
    "buyers <= visitors",
    "SELECT traffic_date, platform, shop_id, source, visitors, buyers FROM traffic "
    "WHERE buyers > visitors",
    _TRAFFIC_KEY, _count("traffic")))

_add(Rule(
    "traffic.cart_le_visitors", "traffic", "warning",
    "加购人数不超过访客数（若导出的是加购件数会超出）",
    "Visitors who added to cart are at most visitors (an export of cart units instead of "
    "cart visitors exceeds it)",
    "add_to_cart <= visitors",
    "SELECT traffic_date, platform, shop_id, source, visitors, add_to_cart FROM traffic "
    "WHERE add_to_cart > visitors",
    _TRAFFIC_KEY, _count("traffic")))

_sql, _chk = _missing_days_sql("traffic", "traffic_date", ["platform", "shop_id"])
_add(Rule(
    "traffic.missing_days", "traffic", "warning",
    "每个店铺每天都有流量数据（缺的日子疑为漏导出）",
    "Every shop has traffic rows every day (a missing day suggests a missing export)",
    "per shop, every day from its first traffic day to the later of the last traffic day and "
    "the last order day has at least one traffic row",
    _sql, ("platform", "shop_id", "traffic_date"), _chk))

# -- ad spend -----------------------------------------------------------------------------------------
_AD_KEY = ("spend_date", "platform", "shop_id", "channel", "campaign")
_add(Rule(
    "ad_spend.clicks_le_impressions", "ad_spend", "error",
    "点击量不超过展现量",
    "Clicks are at most impressions",
    "clicks <= impressions",
    "SELECT spend_date, platform, shop_id, channel, campaign, impressions, clicks FROM ad_spend "
    "WHERE clicks > impressions",
    _AD_KEY, _count("ad_spend")))

_add(Rule(
    "ad_spend.spend_without_impressions", "ad_spend", "warning",
    "有花费的推广计划有展现（花费 > 0 而展现为 0 可疑）",
    "Spend comes with impressions (spend > 0 with 0 impressions is suspicious)",
    "NOT (spend_fen > 0 AND impressions = 0)",
    "SELECT spend_date, platform, shop_id, channel, campaign, spend_fen, impressions "
    "FROM ad_spend WHERE spend_fen > 0 AND impressions = 0",
    _AD_KEY, _count("ad_spend")))

# -- FX ---------------------------------------------------------------------------------------------------
#: money tables with a currency column, the day their money is converted on, and their key;
#: orders are read through the model int_order_dates (their sales day is its rule)
_FX_FROM = {"orders": "int_order_dates"}
_FX_TABLES = (
    ("orders", "sales_date", schema.TABLES["orders"].key),  # int_order_dates' day
    ("refunds", "CAST(requested_at AS DATE)", schema.TABLES["refunds"].key),
    ("purchase_orders", "ordered_on", schema.TABLES["purchase_orders"].key),
    ("ad_spend", "spend_date", schema.TABLES["ad_spend"].key),
    ("other_costs", "cost_date", schema.TABLES["other_costs"].key),
)
_fx_rows = " UNION ALL ".join(
    f"SELECT '{t}' AS table_name, concat_ws('/', {', '.join(f'CAST({k} AS VARCHAR)' for k in key)})"
    f" AS row_key, currency, CAST({d} AS DATE) AS money_date FROM {_FX_FROM.get(t, t)} "
    f"WHERE currency <> 'CNY'"
    for t, d, key in _FX_TABLES)
_add(Rule(
    "fx_rates.missing_rate", "fx_rates", "error",
    "非人民币金额在其日期有可用汇率（否则换算为空）",
    "Non-CNY money has an FX rate for its date (otherwise it converts to nothing)",
    "for every row of orders (sales day = paid_at or created_at), refunds (requested_at), "
    "purchase_orders (ordered_on), ad_spend (spend_date) and other_costs (cost_date) whose "
    "currency is not CNY: some fx_rates row has that currency and rate_date <= the row's day "
    "(a rate holds until the next one)",
    f"""WITH money AS ({_fx_rows})
SELECT table_name, row_key, currency, money_date FROM money m
WHERE NOT EXISTS (SELECT 1 FROM fx_rates f WHERE f.currency = m.currency
                  AND f.rate_date <= m.money_date)""",
    ("table_name", "row_key", "currency", "money_date"),
    f"SELECT COUNT(*) FROM ({_fx_rows})"))

# -- order-level amounts against the lines ------------------------------------------------------
_add(Rule(
    "orders.header_paid_ties_to_lines", "orders", "warning",
    "订单级实付（买家实际支付金额 / 应付金额）等于各行实付之和加运费",
    "An order's order-level paid amount (as exported) equals its lines' paid plus postage",
    "for paid orders with an order-level paid_total_fen and at least one line: paid_total_fen "
    "= SUM(order_lines.paid_fen) + shipping_fee_fen, to the fen",
    f"""WITH l AS (SELECT platform, shop_id, order_id, SUM(paid_fen) AS lines_paid_fen,
                      COUNT(*) AS count_lines FROM order_lines GROUP BY ALL)
SELECT o.platform, o.shop_id, o.order_id, o.paid_total_fen, l.lines_paid_fen,
       o.shipping_fee_fen, o.paid_total_fen - l.lines_paid_fen - o.shipping_fee_fen AS diff_fen
FROM orders o JOIN l ON {_on("o", "l")}
WHERE o.paid_at IS NOT NULL AND o.paid_total_fen IS NOT NULL
  AND o.paid_total_fen <> l.lines_paid_fen + o.shipping_fee_fen""",
    _ORDER_KEY,
    f"""SELECT COUNT(*) FROM orders o WHERE o.paid_at IS NOT NULL AND o.paid_total_fen IS NOT NULL
AND EXISTS (SELECT 1 FROM order_lines l WHERE {_on("o", "l")})"""))

_add(Rule(
    "orders.header_refund_ties_to_refunds", "orders", "warning",
    "订单级退款金额等于该订单已退款售后单之和",
    "An order's order-level refund (as exported) equals its refunded after-sales cases",
    "for orders with an order-level refund_total_fen and at least one refund case: "
    "refund_total_fen = SUM(refunds.refund_fen WHERE status = 'refunded'), to the fen",
    f"""WITH r AS (SELECT platform, shop_id, order_id,
                      SUM(refund_fen) FILTER (WHERE status = 'refunded') AS cases_refund_fen
               FROM refunds GROUP BY ALL)
SELECT o.platform, o.shop_id, o.order_id, o.refund_total_fen,
       COALESCE(r.cases_refund_fen, 0) AS cases_refund_fen,
       o.refund_total_fen - COALESCE(r.cases_refund_fen, 0) AS diff_fen
FROM orders o JOIN r ON {_on("o", "r")}
WHERE o.refund_total_fen IS NOT NULL AND o.refund_total_fen <> COALESCE(r.cases_refund_fen, 0)""",
    _ORDER_KEY,
    f"""SELECT COUNT(*) FROM orders o WHERE o.refund_total_fen IS NOT NULL
AND EXISTS (SELECT 1 FROM refunds r WHERE {_on("o", "r")})"""))

# -- master data ----------------------------------------------------------------------------------------
_add(Rule(
    "sku_map.sku_unknown", "sku_map", "warning",
    "SKU映射指向商品表中存在的SKU",
    "Every SKU mapping points to a SKU in products",
    "sku_map.sku is in products.sku",
    "SELECT platform, platform_sku_id, sku FROM sku_map m "
    "WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = m.sku)",
    ("platform", "platform_sku_id"), _count("sku_map")))

_add(Rule(
    "products.cost_above_price", "products", "warning",
    "商品单位成本不高于吊牌价（否则每卖一件都亏）",
    "A product's unit cost is at most its list price (otherwise every sale loses money)",
    "unit_cost_fen <= list_price_fen",
    "SELECT sku, product_name, unit_cost_fen, list_price_fen FROM products "
    "WHERE unit_cost_fen > list_price_fen",
    ("sku",), _count("products")))

del _t, _k, _sql, _chk


def _rules_doc() -> str:
    lines = ["", "Rules", "-----", ""]
    for r in RULES.values():
        lines.append(f"``{r.id}`` ({r.severity}): {r.en}. Formula: {r.formula}.")
        lines.append("")
    return "\n".join(lines)


__doc__ = (__doc__ or "") + _rules_doc()


# ----------------------------------------------------------------------------------------------
# running the rules
# ----------------------------------------------------------------------------------------------
def _select_rules(tables: Iterable[str] | None) -> list[Rule]:
    if tables is None:
        return list(RULES.values())
    if isinstance(tables, str):
        tables = [tables]
    tables = list(tables)
    unknown = [t for t in tables if t not in schema.TABLES]
    if unknown:
        raise ValueError(f"run_checks: unknown table(s) {unknown}; canonical tables are: "
                         f"{', '.join(schema.TABLES)}")
    return [r for r in RULES.values() if r.table in tables]


def _key_text(values) -> str:
    return "/".join("-" if fmt.is_missing(v) else str(v) for v in values)


def run_checks(wh, tables: Iterable[str] | None = None, lang: str = "zh",
               rules: Iterable[str] | None = None) -> pd.DataFrame:
    """Run every rule (or those of ``tables``, or the rules named in ``rules``) inside DuckDB.

    Returns one row per rule, in rule order: ``rule_id``, ``table``, ``severity``,
    ``description`` (in ``lang``), ``count_failing`` (offending rows or groups),
    ``count_checked`` (rows or groups inspected), ``failing_rate`` = count_failing /
    count_checked (0..1, NaN when nothing was checked) and ``examples`` (up to 5 offending
    keys, ``/``-joined key columns, ``; ``-separated). A rule whose SQL cannot run (e.g. a
    warehouse from an older schema) has empty counts and the error in ``examples``.
    """
    i18n.check_lang(lang)
    con = wh.con
    rows = []
    chosen = _select_rules(tables) if rules is None else [rule(i) for i in rules]
    for r in chosen:
        try:
            n_fail = int(con.execute(f"SELECT COUNT(*) FROM ({r.sql}) f").fetchone()[0])
            n_checked = int(con.execute(r.checked_sql).fetchone()[0] or 0)
            ex = ""
            if n_fail:
                keys = ", ".join(r.keys)
                got = con.execute(f"SELECT {keys} FROM ({r.sql}) f ORDER BY {keys} "
                                  f"LIMIT {N_EXAMPLES}").fetchall()
                ex = "; ".join(_key_text(k) for k in got)
        except Exception as e:  # noqa: BLE001 - reported in the row, other rules still run
            n_fail, n_checked, ex = None, None, f"not run: {type(e).__name__}: {e}"
        rows.append(check_row(r, lang, n_fail, n_checked, ex))
    return checks_frame(rows)


def check_row(r: Rule, lang: str, n_fail: int | None, n_checked: int | None,
              examples: str) -> dict:
    """One row of :func:`run_checks` for rule ``r``: failing_rate = n_fail / n_checked
    (NaN when either is unknown or nothing was checked)."""
    return {"rule_id": r.id, "table": r.table, "severity": r.severity,
            "description": r.description(lang),
            "count_failing": n_fail, "count_checked": n_checked,
            "failing_rate": (n_fail / n_checked) if n_fail is not None and n_checked
            else math.nan,
            "examples": examples}


def checks_frame(rows: list[dict]) -> pd.DataFrame:
    """:func:`check_row` rows as :func:`run_checks` returns them (nullable integer counts)."""
    out = pd.DataFrame(rows, columns=["rule_id", "table", "severity", "description",
                                      "count_failing", "count_checked", "failing_rate",
                                      "examples"])
    for c in ("count_failing", "count_checked"):
        out[c] = out[c].astype("Int64")
    out["failing_rate"] = out["failing_rate"].astype("float64")
    return out

# ----------------------------------------------------------------------------------------------
# whether each rule fails, recorded by the build
# ----------------------------------------------------------------------------------------------
#: rules whose offending rows of an order depend only on that order's rows of orders,
#: order_lines and refunds (and on products / sku_map): after a load they can be asked about
#: the orders the load touched only, when they passed before it
ORDER_SCOPED = frozenset({
    "orders.key_unique", "order_lines.key_unique", "order_lines.paid_le_list",
    "order_lines.orphan", "order_lines.sku_unknown", "orders.paid_le_list",
    "orders.time_order", "orders.status_times", "orders.no_lines", "refunds.amount_le_paid",
    "refunds.units_le_quantity", "refunds.return_without_units", "refunds.orphan",
    "refunds.time_order", "refunds.status_times", "refunds.before_order",
    "orders.header_paid_ties_to_lines", "orders.header_refund_ties_to_refunds"})
#: the relations an order-scoped rule is asked through, each cut to the touched orders, and
#: the relations it may read whole (master data)
_SCOPED_RELATIONS = ("orders", "order_lines", "refunds", "int_line_skus")
_WHOLE_RELATIONS = frozenset({"products", "sku_map", "shops"})
#: the table ``ecom build`` writes: per rule, whether any row failed after that build
CHECKS_TABLE = "quality_rule_checks"
_CHECKS_DDL = f"""CREATE TABLE IF NOT EXISTS {CHECKS_TABLE} (
    rule_id VARCHAR, sql_sha256 VARCHAR, models_sha256 VARCHAR, fails BOOLEAN,
    witness VARCHAR, checked_load_id BIGINT, build_id BIGINT, how VARCHAR, seconds DOUBLE)"""
#: beside it, for the rules whose failing rows are local (:func:`_local_answer`): every row
#: that failed after that build (its key columns and the columns of its order, a JSON list),
#: when there were at most FAILING_KEPT, so the next build can ask only what its loads changed
FAILING_TABLE = "quality_rule_failing"
FAILING_KEPT = 5000
_FAILING_DDL = f"""CREATE TABLE IF NOT EXISTS {FAILING_TABLE} (
    rule_id VARCHAR, sql_sha256 VARCHAR, checked_load_id BIGINT, failing_rows VARCHAR)"""
#: the stock rule, answered for the steps a build's orders changed (:func:`_local_answer`)
STOCK_RULE = "inventory_snapshots.stock_continuity"


def _sha(text: str) -> str:
    import hashlib
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rule_fails(con, r: Rule, prefix: str = "") -> bool | None:
    """Whether any row fails rule ``r`` (``SELECT EXISTS``: the query may stop at the first
    offending row); ``None`` when its SQL cannot run (as :func:`run_checks`' empty count).
    ``prefix``: a ``WITH`` clause put before the query (the order-scoped check)."""
    try:
        return bool(con.execute(f"{prefix}SELECT EXISTS (SELECT 1 FROM ({r.sql}) f)")
                    .fetchone()[0])
    except Exception:  # noqa: BLE001 - reported as not run, the other rules still run
        return None


def _named(sql: str, names: Iterable[str]) -> set[str]:
    """The relations of ``names`` that ``sql`` mentions (a whole-word match: may name more
    than it reads, never fewer)."""
    return {n for n in names if re.search(rf"\b{re.escape(n)}\b", sql, flags=re.I)}


def record_checks(con, build_id: int, kind: str, last_load_id: int, max_load_id: int,
                  models: dict, scope: str = "build_scope_orders") -> dict:
    """Store in ``quality_rule_checks`` whether each rule fails after build ``build_id``
    (called by :func:`ecomlib.modelling.build` once its transaction is committed), so the
    overview's data-health badge need not ask 44 rules of millions of rows
    (:func:`recorded_fails`). Each rule is answered the cheapest way that gives what asking
    it in full gives:

    * ``kept``: none of the tables it reads (directly or through models) was loaded since
      it was last asked, and neither its SQL nor a model it reads changed;
    * ``witness``: it failed, and the row recorded then (its key columns) still fails;
    * ``scoped``: a rule whose failing rows are local (:func:`_local_answer`: an
      :data:`ORDER_SCOPED` rule's rows of an order, the stock rule's steps), after loads of
      orders / order lines / refunds only, when every row that failed after the last build
      is known (``quality_rule_failing``; none when it passed): asked about the orders of
      the build only (``scope``: every order the loads since the last build touched), or
      the stock steps whose days saw a movement change; the rows that failed elsewhere
      still fail, the other rows are as they were, passing;
    * ``full``: asked of every row (after a full build, a changed SQL, or otherwise); when it
      fails, its first offending row's key is kept as the next build's witness (and, for a
      local rule with at most :data:`FAILING_KEPT` failing rows, every one of them).

    Returns ``{how: number of rules}`` and ``seconds``."""
    import json
    import time

    from . import modelling
    t0 = time.perf_counter()
    con.execute(_CHECKS_DDL)
    con.execute(_FAILING_DDL)
    try:
        prev = {row[0]: row[1:] for row in con.execute(
            f"SELECT rule_id, sql_sha256, models_sha256, fails, checked_load_id, witness "
            f"FROM {CHECKS_TABLE}").fetchall()}
    except Exception:  # noqa: BLE001 - a record of another shape: start it again
        con.execute(f"DROP TABLE {CHECKS_TABLE}")
        con.execute(_CHECKS_DDL)
        prev = {}
    try:
        failing_before = {row[0]: row[1:] for row in con.execute(
            f"SELECT rule_id, sql_sha256, checked_load_id, failing_rows FROM {FAILING_TABLE}"
        ).fetchall()}
    except Exception:  # noqa: BLE001
        con.execute(f"DROP TABLE {FAILING_TABLE}")
        con.execute(_FAILING_DDL)
        failing_before = {}
    since = min((p[3] for p in prev.values() if p[3] is not None), default=None)
    loaded = {t for (t,) in con.execute("SELECT DISTINCT table_name FROM load_log "
                                        "WHERE load_id > ?", [since or 0]).fetchall()}
    relations = set(schema.TABLES) | set(models)
    ctx = _LocalContext(con, scope, models, last_load_id)
    rows, failing_rows, how_n = [], [], {"full": 0, "witness": 0, "scoped": 0, "kept": 0}
    for r in RULES.values():
        named = _named(r.sql, relations)
        tables = set()
        for n in named:
            tables |= modelling.upstream_tables(models, n) if n in models else {n}
        models_sha = _sha("\n".join(models[n].sql for n in sorted(
            {m for n in named if n in models for m in _model_closure(models, n)})))
        sql_sha = _sha(r.sql)
        p = prev.get(r.id)
        usable = (kind != "full" and p is not None and p[0] == sql_sha and p[1] == models_sha
                  and p[3] is not None)
        # every row that failed after the last build, when known ([] when it passed)
        before = None
        if usable and p[3] == last_load_id:
            f = failing_before.get(r.id)
            if p[2] is False:
                before = []
            elif f is not None and f[0] == sql_sha and f[1] == p[3] and f[2] is not None:
                before = json.loads(f[2])
        t = time.perf_counter()
        how, fails, witness, failing = "full", None, None, None
        answer = None
        if usable and not (tables & loaded):
            how, fails, witness = "kept", p[2], p[4]
            failing = before
        elif (before is not None and kind == "incremental"
              and tables & loaded <= set(modelling.ORDER_TABLES)):
            answer = _local_answer(ctx, r, named, before)
        if answer is not None:
            fails, failing = bool(answer), answer
            old = json.loads(p[4]) if p[4] else None
            keys = [row[:len(r.keys)] for row in answer]
            how = "witness" if old is not None and old in keys else "scoped"
            witness = (p[4] if how == "witness" else
                       json.dumps(keys[0], default=str) if keys else None)
        elif how == "full" and usable and p[2] is True and p[4] and _witness_fails(
                con, r, json.loads(p[4])):
            how, fails, witness = "witness", True, p[4]
        elif how == "full":
            local = _locus(con, r)
            limit = FAILING_KEPT + 1 if local is not None else 1
            try:
                found = con.execute(f"SELECT {', '.join((*r.keys, *(local or ())))} "
                                    f"FROM ({r.sql}) f LIMIT {limit}").fetchall()
                fails = bool(found)
                witness = json.dumps(list(found[0][:len(r.keys)]), default=str) if found else None
                if local is not None and len(found) <= FAILING_KEPT:
                    failing = _json_rows(found)
            except Exception:  # noqa: BLE001 - not run: the badge counts it as run_checks does
                fails = witness = None
        how_n[how] += 1
        rows.append([r.id, sql_sha, models_sha, fails, witness, max_load_id, build_id, how,
                     round(time.perf_counter() - t, 3)])
        if failing and fails:  # (a rule that passed failed nowhere: nothing to keep)
            failing_rows.append([r.id, sql_sha, max_load_id, json.dumps(failing, default=str)])
    ctx.close()
    con.execute("BEGIN")
    try:
        con.execute(f"DELETE FROM {CHECKS_TABLE}")
        con.executemany(f"INSERT INTO {CHECKS_TABLE} (rule_id, sql_sha256, models_sha256, fails, "
                        "witness, checked_load_id, build_id, how, seconds) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(f"DELETE FROM {FAILING_TABLE}")
        if failing_rows:
            con.executemany(f"INSERT INTO {FAILING_TABLE} VALUES (?, ?, ?, ?)", failing_rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {**how_n, "seconds": round(time.perf_counter() - t0, 2)}


def _json_rows(rows) -> list[list]:
    """Rows as their JSON values (dates as text), as a witness is kept."""
    import json
    return json.loads(json.dumps([list(x) for x in rows], default=str))


def _locus(con, r: Rule) -> tuple[str, ...] | None:
    """The columns of rule ``r``'s failing rows that say which part of the data a row is
    decided by, for a rule whose failing rows are local (:func:`_local_answer`): the order
    (platform, shop_id, order_id) of an :data:`ORDER_SCOPED` rule whose rows show it; the
    stock rule's step is its key (no more columns). None for every other rule."""
    if r.id == STOCK_RULE:
        return ()
    if r.id not in ORDER_SCOPED:
        return None
    try:
        cols = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM ({r.sql}) f").fetchall()}
    except Exception:  # noqa: BLE001
        return None
    return _ORDER_KEY if set(_ORDER_KEY) <= cols else None


class _LocalContext:
    """What the local answers of one record share: the order-scoped copies of orders, order
    lines, refunds and int_line_skus (made once, when first needed) and the stock steps of
    the build (:func:`_stock_steps`)."""

    def __init__(self, con, scope: str, models: dict, last_load_id: int):
        self.con, self.scope, self.models, self.last_load_id = con, scope, models, last_load_id
        self.scoped_ready = False
        self.steps = None  # the stock steps asked about, once made (False: not known)

    def prefix(self) -> str:
        if not self.scoped_ready:
            _scope_tables(self.con, self.scope, self.models)
            self.scoped_ready = True
        return "WITH " + ", ".join(f"{n} AS (SELECT * FROM _quality_scope_{n})"
                                   for n in _SCOPED_RELATIONS) + " "

    def close(self) -> None:
        if self.scoped_ready:
            for n in _SCOPED_RELATIONS:
                self.con.execute(f"DROP TABLE IF EXISTS _quality_scope_{n}")
        self.con.execute("DROP TABLE IF EXISTS _quality_stock_steps")
        self.con.execute("DROP TABLE IF EXISTS _quality_stock_days")


def _local_answer(ctx: _LocalContext, r: Rule, named: set[str], before: list) -> list | None:
    """Every failing row of rule ``r`` now (its key columns and :func:`_locus`), from the
    rows that failed after the last build (``before``, every one of them) and the rows the
    loads since could change, or None when the rule cannot be answered so (the caller asks
    it another way). Only after loads of orders, order lines and refunds (the caller checks):

    * an :data:`ORDER_SCOPED` rule: a failing row is decided by its order's rows of orders,
      order lines and refunds (and master data), so the rows of orders outside the build's
      scope failed before exactly when they fail now; the rule is asked over the build's
      orders (their rows of those relations, as the scoped check) for the rest;
    * the stock rule (:data:`STOCK_RULE`): a step is decided by the snapshots (not loaded)
      and the movements of its pair on its days; the movements of sales and returns change
      only on the days the build's orders were placed before and after the build and the
      days their cases were refunded (cases only loaded new, none changed: a changed case's
      earlier day is not kept), so only the steps holding one of those days are asked
      (:func:`_stock_steps`).

    More than :data:`FAILING_KEPT` failing rows: None."""
    con = ctx.con
    local = _locus(con, r)
    if local is None:
        if before or r.id not in ORDER_SCOPED:
            return None
        local = ()  # passed before: only the rows of the build's orders can fail now
    width = len(r.keys) + len(local)
    if any(len(row) != width for row in before):
        return None
    limit = FAILING_KEPT + 1
    cols = ", ".join((*r.keys, *local))
    try:
        if r.id == STOCK_RULE:
            steps = _stock_steps(ctx)
            if steps is None:
                return None
            here = set(steps)
            kept = [row for row in before if tuple(row) not in here]
            new = _json_rows(_stock_failing(con, limit)) if steps else []
        else:
            if not named <= set(_SCOPED_RELATIONS) | _WHOLE_RELATIONS:
                return None
            prefix = ctx.prefix()
            new = _json_rows(con.execute(f"{prefix}SELECT {cols} FROM ({r.sql}) f "
                                         f"LIMIT {limit}").fetchall())
            kept = []
            if before:
                import pandas as pd
                frame = pd.DataFrame([row[len(r.keys):] for row in before],
                                     columns=list(_ORDER_KEY), dtype=object).drop_duplicates()
                con.register("_quality_before", frame)
                try:
                    gone = {tuple(x) for x in con.execute(
                        f"SELECT b.platform, b.shop_id, b.order_id FROM _quality_before b "
                        f"SEMI JOIN {ctx.scope} s ON {_on('s', 'b')}").fetchall()}
                finally:
                    con.unregister("_quality_before")
                kept = [row for row in before if tuple(row[len(r.keys):]) not in gone]
    except Exception:  # noqa: BLE001 - asked another way
        return None
    if len(new) > FAILING_KEPT:
        return None
    out = list(kept)
    seen = {_json_key(row) for row in out}
    for row in new:
        if _json_key(row) not in seen:
            seen.add(_json_key(row))
            out.append(row)
    return None if len(out) > FAILING_KEPT else out


def _json_key(row) -> str:
    import json
    return json.dumps(row, default=str)


def _stock_steps(ctx: _LocalContext) -> list[tuple] | None:
    """The stock steps (warehouse_id, sku, snapshot_date as text) whose days hold a day a
    movement of sales or returns may have changed on, made once per record into the temp
    table ``_quality_stock_steps`` with their opening and closing units; None when those
    days are not known (no incremental build's days, or cases changed since the last build)."""
    from . import modelling
    if ctx.steps is not None:
        return None if ctx.steps is False else ctx.steps
    con = ctx.con
    ctx.steps = False  # (until made)
    have = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_name IN (?, ?)",
                                      [modelling.LINE_DAYS, ctx.scope]).fetchall()}
    if have != {modelling.LINE_DAYS, ctx.scope}:
        return None
    changed = con.execute("SELECT COUNT(*) FROM load_log WHERE table_name = 'refunds' "
                          "AND load_id > ? AND COALESCE(rows_updated, 0) > 0",
                          [ctx.last_load_id]).fetchone()[0]
    if changed:
        return None
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _quality_stock_days AS
        SELECT created_date AS d FROM {modelling.LINE_DAYS} WHERE created_date IS NOT NULL
        UNION
        SELECT CAST(r.refunded_at AS DATE) FROM refunds r SEMI JOIN {ctx.scope} s
            ON {_on('s', 'r')} WHERE r.refunded_at IS NOT NULL""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _quality_stock_steps AS {_STOCK_STEPS_SQL}")
    ctx.steps = [(w, s, str(d)) for w, s, d in con.execute(
        "SELECT warehouse_id, sku, snapshot_date FROM _quality_stock_steps").fetchall()]
    return ctx.steps


def _stock_failing(con, limit: int) -> list[tuple]:
    """The steps of ``_quality_stock_steps`` that fail the stock rule: the movements of
    mart_stock_moves on the days after the earlier snapshot up to and including the later
    one, read for the days the steps span only."""
    lo, hi = con.execute("SELECT MIN(previous_snapshot_date), MAX(snapshot_date) "
                         "FROM _quality_stock_steps").fetchone()
    if lo is None:
        return []
    return con.execute(f"""WITH moves AS (
    SELECT * FROM mart_stock_moves
    WHERE move_date > DATE '{lo.isoformat()}' AND move_date <= DATE '{hi.isoformat()}'
), moved AS (
    SELECT s.warehouse_id, s.sku, s.snapshot_date, SUM(m.inbound_units) AS inbound_units,
           SUM(m.outbound_units) AS outbound_units, SUM(m.returned_units) AS returned_units
    FROM _quality_stock_steps s
    JOIN moves m ON m.warehouse_id = s.warehouse_id AND m.sku = s.sku
     AND m.move_date > s.previous_snapshot_date AND m.move_date <= s.snapshot_date
    GROUP BY s.warehouse_id, s.sku, s.snapshot_date
)
SELECT s.warehouse_id, s.sku, s.snapshot_date
FROM _quality_stock_steps s
LEFT JOIN moved m ON m.warehouse_id = s.warehouse_id AND m.sku = s.sku
 AND m.snapshot_date = s.snapshot_date
WHERE ABS(s.closing_units - (s.opening_units + COALESCE(m.inbound_units, 0)
          - COALESCE(m.outbound_units, 0) + COALESCE(m.returned_units, 0)))
      > {STOCK_TOLERANCE_UNITS}
LIMIT {int(limit)}""").fetchall()


def _witness_fails(con, r: Rule, key: list) -> bool:
    """Whether the row of rule ``r`` with key ``key`` (its key columns, in order) still fails
    (False when the rule cannot say: the caller asks it in full)."""
    if len(key) != len(r.keys):
        return False
    on = " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in r.keys)
    try:
        return bool(con.execute(f"SELECT EXISTS (SELECT 1 FROM ({r.sql}) f WHERE {on})",
                                key).fetchone()[0])
    except Exception:  # noqa: BLE001
        return False


def _model_closure(models: dict, name: str) -> set[str]:
    out = {name}
    for d in models[name].depends:
        out |= _model_closure(models, d)
    return out


def _scope_tables(con, scope: str, models: dict) -> None:
    """Temp tables ``_quality_scope_<relation>``: the rows of orders, order_lines, refunds
    and int_line_skus of the orders in ``scope`` (platform, shop_id, order_id). The model
    int_line_skus is its own SQL read over the scoped lines (not the view over every line)."""
    for n in _SCOPED_RELATIONS:
        if n in schema.TABLES:
            # the rows found by their key columns, then read whole by row id (DuckDB reads
            # the other columns of those rows only)
            sql = (f"SELECT * FROM main.{n} WHERE rowid IN (SELECT t.rowid FROM main.{n} t "
                   f"SEMI JOIN {scope} s ON {_on('s', 't')})")
        else:
            shadow = {t: f"SELECT * FROM _quality_scope_{t}" for t in _SCOPED_RELATIONS
                      if t in schema.TABLES}
            for m in models:  # the views between the scoped tables and the model, in order
                if m in _model_closure(models, n) and m != n:
                    shadow[m] = f"SELECT * FROM ({models[m].sql}\n) m"
            sql = ("WITH " + ", ".join(f"{k} AS ({v})" for k, v in shadow.items())
                   + f" SELECT * FROM ({models[n].sql}\n) m")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _quality_scope_{n} AS {sql}")


def recorded_fails(con) -> dict[str, bool | None]:
    """``{rule_id: fails}`` recorded by the last build (:func:`record_checks`) for the rules
    whose answer still holds: the rule's SQL is the one asked, the build is the last one
    that succeeded and nothing was loaded since. Rules missing from the answer must be asked
    (:func:`rule_fails`); empty before any build or on a warehouse without the record."""
    try:
        stored = con.execute(
            f"SELECT rule_id, sql_sha256, fails, checked_load_id, build_id FROM {CHECKS_TABLE}"
        ).fetchall()
        last_build = con.execute("SELECT MAX(build_id) FROM build_log "
                                 "WHERE kind <> 'failed'").fetchone()[0]
        last_load = con.execute("SELECT COALESCE(MAX(load_id), 0) FROM load_log").fetchone()[0]
    except Exception:  # noqa: BLE001 - an older warehouse, or none built: ask the rules
        return {}
    out = {}
    for rule_id, sql_sha, fails, load_id, build_id in stored:
        r = RULES.get(rule_id)
        if r is not None and sql_sha == _sha(r.sql) and load_id == last_load \
                and build_id == last_build:
            out[rule_id] = fails
    return out


def recorded_failing(con, holds: dict[str, bool | None] | None = None) -> dict[str, list[list]]:
    """``{rule_id: rows}``: every row that fails a rule now, as the last build recorded it
    (:data:`FAILING_TABLE`: the rule's key columns first, then the columns of its order),
    for the failing rules whose record still holds (``holds``: :func:`recorded_fails`,
    asked when not given: the rule's SQL is the one asked, the build is the last that
    succeeded, nothing was loaded since). The build keeps a rule's rows only when it knows
    all of them (a rule whose failing rows are local, :data:`FAILING_KEPT` at most), and
    records them with the last load it saw, so ``len(rows)`` is the rule's count of
    failing rows. Empty on a warehouse without the record."""
    import json
    if holds is None:
        holds = recorded_fails(con)
    if not any(f is True for f in holds.values()):
        return {}
    try:
        stored = con.execute(f"SELECT rule_id, sql_sha256, checked_load_id, failing_rows "
                             f"FROM {FAILING_TABLE}").fetchall()
        last_load = con.execute("SELECT COALESCE(MAX(load_id), 0) FROM load_log").fetchone()[0]
    except Exception:  # noqa: BLE001 - an older warehouse, or none built
        return {}
    out = {}
    for rule_id, sql_sha, load_id, rows in stored:
        r = RULES.get(rule_id)
        if holds.get(rule_id) is True and r is not None and sql_sha == _sha(r.sql) \
                and load_id == last_load and rows is not None:
            out[rule_id] = json.loads(rows)
    return out


def recorded_check(con, r: Rule, rows: list[list], lang: str = "zh") -> dict:
    """Rule ``r``'s row of :func:`run_checks` from its failing rows as the build recorded
    them (:func:`recorded_failing`) instead of asking its SQL: count_failing = the rows,
    examples = the first :data:`N_EXAMPLES` keys in key order (as run_checks orders them);
    count_checked is asked (a count of the rule's table)."""
    width = len(r.keys)

    def order(key):  # missing values last, as DuckDB orders them
        return [(v is None, (0, v) if isinstance(v, (int, float)) else (1, str(v)))
                for v in key]
    first = sorted((row[:width] for row in rows), key=order)[:N_EXAMPLES]
    try:
        n_checked = int(con.execute(r.checked_sql).fetchone()[0] or 0)
    except Exception:  # noqa: BLE001 - as run_checks reports a rule it cannot run
        n_checked = None
    return check_row(r, lang, len(rows), n_checked, "; ".join(_key_text(k) for k in first))


def examples(wh, rule_id: str, limit: int | None = 20) -> pd.DataFrame:
    """The offending rows of rule ``rule_id``: its key columns, then the values that show the
    problem, ordered by key (at most ``limit`` rows; ``None`` for all)."""
    r = rule(rule_id)
    lim = f" LIMIT {int(limit)}" if limit is not None else ""
    return wh.con.execute(
        f"SELECT * FROM ({r.sql}) f ORDER BY {', '.join(r.keys)}{lim}").fetchdf()


def failing_at_or_above(checks: pd.DataFrame, level: str) -> pd.DataFrame:
    """Rows of a :func:`run_checks` frame that fail at severity ``level`` or above
    (``error``: errors only; ``warning``: errors and warnings; ``never``: none)."""
    if level == "never":
        return checks.iloc[0:0]
    if level not in SEVERITIES:
        raise ValueError(f"level must be one of error, warning, never; got {level!r}")
    sev = SEVERITIES[: SEVERITIES.index(level) + 1]
    return checks[checks["severity"].isin(sev) & (checks["count_failing"].fillna(0) > 0)]


def unmapped_skus(wh, limit: int | None = None) -> pd.DataFrame:
    """The unmapped-SKU report: order lines whose SKU, resolved through ``sku_map``
    (``the model int_line_skus``: by platform item id, then by the exported code), is not
    in ``products``.

    One row per platform, platform SKU id and exported code: ``count_lines``, ``units`` (sum
    of quantity), ``paid_fen`` (sum of the lines' paid amount, in the lines' order
    currency), ``first_order_at`` / ``last_order_at`` (created_at of the orders, empty for
    orphan lines). The fix is a ``sku_map`` row (or a product). Largest paid amount first.
    """
    lim = f" LIMIT {int(limit)}" if limit else ""
    return wh.con.execute(f"""
        WITH lines AS (
            SELECT l.platform, l.platform_sku_id, l.sku AS exported_sku, l.quantity,
                   l.paid_fen, o.created_at
            FROM order_lines l
            JOIN int_line_skus r ON r.platform = l.platform AND r.shop_id = l.shop_id
                 AND r.order_id = l.order_id AND r.line_id = l.line_id
            LEFT JOIN orders o ON {_on('o', 'l')}
            WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = r.sku)
        )
        SELECT x.platform, x.platform_sku_id, x.exported_sku, COUNT(*) AS count_lines,
               CAST(SUM(x.quantity) AS BIGINT) AS units,
               CAST(SUM(x.paid_fen) AS BIGINT) AS paid_fen,
               MIN(x.created_at) AS first_order_at, MAX(x.created_at) AS last_order_at
        FROM lines x
        GROUP BY x.platform, x.platform_sku_id, x.exported_sku
        ORDER BY paid_fen DESC, x.platform, x.platform_sku_id, x.exported_sku{lim}""").fetchdf()


_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_DUP = re.compile(r"= \(.*\); row \d+ of this file wins")
_NUMBER_BEFORE = re.compile(r"\b(\w+) -?\d+(?:\.\d+)? (is below|is not)")
_ROW_FIELDS = re.compile(r"row has \d+ fields, header has \d+")


def reason_kind(reason) -> str:
    """A quarantine reason without its row's values, so that reasons can be counted.

    ``"quantity 'abc' is not a whole number"`` -> ``"quantity … is not a whole number"``;
    ``"quantity 0 is below 1"`` -> ``"quantity … is below 1"``; a duplicate key reason keeps
    its key columns and drops the key values and row number; a row with the wrong number of
    fields keeps only that fact. Other reasons are returned unchanged. (It lived in the
    overview report, which shows no diagnostics any more.)
    """
    if reason is None or (isinstance(reason, float) and math.isnan(reason)):
        return ""
    s = str(reason)
    s = _DUP.sub("= (…); a later row wins", s)
    s = _ROW_FIELDS.sub("row has a wrong number of fields", s)
    s = _QUOTED.sub("…", s)
    s = _NUMBER_BEFORE.sub(r"\1 … \2", s)
    return s


_reason_kind = reason_kind


def quarantine_summary(wh, n_examples: int = 3) -> pd.DataFrame:
    """Quarantined rows by table, column and kind of reason (the reason without its row's
    values, :func:`reason_kind`).

    One row per (table_name, column, reason_kind): ``count_rows``, ``count_files`` and
    ``examples``: up to ``n_examples`` ``<file name>:<row number> <reason>`` (first rows by
    file and row number). Largest count first. Grouped in DuckDB by exact reason first, so
    only distinct reasons come back to Python.
    """
    cols = ["table_name", "column", "reason_kind", "count_rows", "count_files", "examples"]
    g = wh.con.execute("""
        SELECT table_name, COALESCE("column", '') AS "column", reason, COUNT(*) AS n,
               list(DISTINCT file) AS files, MIN(file) AS first_file,
               arg_min(row_number, [file, lpad(CAST(row_number AS VARCHAR), 20, '0')]) AS first_row
        FROM quarantine GROUP BY table_name, COALESCE("column", ''), reason
        ORDER BY first_file, first_row, reason""").fetchdf()
    if not len(g):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c.startswith("count_") else "object")
                             for c in cols})
    g["reason_kind"] = g["reason"].map(_reason_kind)
    g["example"] = [f"{PurePath(str(f)).name}:{int(r)} {reason}"
                    for f, r, reason in zip(g["first_file"], g["first_row"], g["reason"])]
    rows = []
    for key, part in g.groupby(["table_name", "column", "reason_kind"], sort=False):
        files = set()
        for fl in part["files"]:
            files.update(fl)
        rows.append({"table_name": key[0], "column": key[1], "reason_kind": key[2],
                     "count_rows": int(part["n"].sum()), "count_files": len(files),
                     "examples": "\n".join(part["example"].head(n_examples))})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["count_rows", "table_name", "column"], ascending=[False, True, True],
                           ignore_index=True)


def quality_trend(wh) -> pd.DataFrame:
    """Per load in ``load_log`` (oldest first): ``load_id``, ``finished_at``, ``file`` (name),
    ``table_name``, ``status``, ``rows_in``, ``rows_loaded``, ``rows_quarantined``,
    ``quarantine_rate`` = rows_quarantined / rows_in (NaN for a load of 0 rows),
    ``top_reason`` (the most frequent kind of quarantine reason of that load) and
    ``top_reason_rows``.

    Re-loading a file replaces its quarantine records under the new load, so an older load of
    the same file keeps its counts here but no longer has a top reason.
    """
    log = wh.con.execute("""
        SELECT load_id, finished_at, file, table_name, status, rows_in, rows_loaded,
               rows_quarantined FROM load_log ORDER BY load_id""").fetchdf()
    reasons = wh.con.execute("""
        SELECT load_id, reason, COUNT(*) AS n FROM quarantine GROUP BY load_id, reason""").fetchdf()
    top = {}
    if len(reasons):
        reasons["kind"] = reasons["reason"].map(_reason_kind)
        k = reasons.groupby(["load_id", "kind"], as_index=False)["n"].sum()
        k = k.sort_values(["load_id", "n", "kind"], ascending=[True, False, True])
        for lid, part in k.groupby("load_id", sort=False):
            top[int(lid)] = (part["kind"].iloc[0], int(part["n"].iloc[0]))
    log["file"] = [PurePath(str(f)).name for f in log["file"]]
    rin = log["rows_in"].astype("float64")
    log["quarantine_rate"] = (log["rows_quarantined"].astype("float64") / rin.where(rin > 0))
    log["top_reason"] = [top.get(int(i), (None, 0))[0] for i in log["load_id"]]
    log["top_reason_rows"] = pd.array([top.get(int(i), (None, 0))[1] for i in log["load_id"]],
                                      dtype="int64")
    for c in ("rows_in", "rows_loaded", "rows_quarantined"):
        log[c] = log[c].astype("int64")
    return log.reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# HTML report
# ----------------------------------------------------------------------------------------------
_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",
 "WenQuanYi Micro Hei",system-ui,sans-serif;margin:24px 32px;color:#1f2328;line-height:1.45;
 max-width:1400px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 8px;padding-bottom:4px;
 border-bottom:2px solid #d0d7de}h3{font-size:15px;margin:18px 0 4px}
.meta{color:#57606a;font-size:13px}.note{color:#57606a;font-size:13px;margin:4px 0 8px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;min-width:130px}
.card .n{font-size:24px;font-weight:600}.card .l{font-size:12px;color:#57606a}
.card.bad .n{color:#cf222e}.card.warn .n{color:#9a6700}.card.good .n{color:#1a7f37}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}
table.wide{width:100%}td.desc{min-width:20em;max-width:34em}td.ex{min-width:18em;max-width:28em;overflow-wrap:anywhere}
th,td{border-bottom:1px solid #e5e8eb;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f6f8fa;white-space:nowrap}
td.nowrap{white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.pre{white-space:pre-line}td.mono,code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;
 font-size:12px}
.sev{display:inline-block;white-space:nowrap;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600}
.sev.error{background:#ffebe9;color:#cf222e}.sev.warning{background:#fff8c5;color:#9a6700}
tr.pass td{color:#57606a}.ok{color:#1a7f37;font-weight:600}
.fail-error td.cnt{color:#cf222e;font-weight:600}.fail-warning td.cnt{color:#9a6700;font-weight:600}
.formula{font-size:12px;color:#57606a;margin:0 0 4px}
details summary{cursor:pointer;color:#0969da;font-size:13px}
svg{display:block;margin:6px 0}
"""


def _t(zh: str, en: str, lang: str) -> str:
    return _html.escape(i18n.text(zh, en, lang))


def _frame_html(df: pd.DataFrame, lang: str, pre_cols: Sequence[str] = (),
                mono_cols: Sequence[str] = ()) -> str:
    """A formatted, labelled, escaped HTML table of ``df`` (through :func:`fmt.table`)."""
    if not len(df):
        return f"<p class='note'>{_t('（无）', '(none)', lang)}</p>"
    shown = fmt.table(df, lang)
    cols = list(df.columns)
    numeric = {c for c in cols if (str(c).endswith(("_fen", "_rate")) or
               (pd.api.types.is_numeric_dtype(df[c].dtype)
                and not pd.api.types.is_bool_dtype(df[c].dtype)))}
    head = "".join(f"<th class='{'num' if c in numeric else ''}'>{_html.escape(str(h))}</th>"
                   for c, h in zip(cols, shown.columns))
    body = []
    for i in range(len(shown)):
        cells = []
        for j, c in enumerate(cols):
            cls = "num" if c in numeric else ("pre" if c in pre_cols else
                                              ("mono" if c in mono_cols else ""))
            cells.append(f"<td class='{cls}'>{_html.escape(str(shown.iat[i, j]))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _rate_text(rate) -> str:
    if fmt.is_missing(rate):
        return fmt.MISSING
    if 0 < rate < 0.00005:
        return "<0.01%"
    return fmt.pct(rate, 2)


def _summary_html(checks: pd.DataFrame, lang: str) -> str:
    heads = [("severity", ""), ("rule_id", ""), ("table", ""), ("description", ""),
             ("count_failing", "num"), ("count_checked", "num"), ("failing_rate", "num"),
             ("examples", "")]
    th = "".join(f"<th class='{cls}'>{_html.escape(i18n.label(k, lang))}</th>" for k, cls in heads)
    rows = []
    for _, r in checks.iterrows():
        failing = not fmt.is_missing(r.count_failing) and r.count_failing > 0
        not_run = fmt.is_missing(r.count_failing)
        cls = f"fail-{r.severity}" if failing else ("" if not_run else "pass")
        sev = f"<span class='sev {r.severity}'>{_html.escape(i18n.label(r.severity, lang))}</span>"
        cnt = (fmt.integer(r.count_failing) if failing else
               (fmt.MISSING if not_run else "<span class='ok'>✓ 0</span>"))
        rows.append(
            f"<tr class='{cls}'><td>{sev}</td><td class='mono'>{_html.escape(r.rule_id)}</td>"
            f"<td class='nowrap'>{_html.escape(i18n.label(r.table, lang))}</td>"
            f"<td class='desc'>{_html.escape(r.description)}</td><td class='num cnt'>{cnt}</td>"
            f"<td class='num'>{fmt.integer(r.count_checked)}</td>"
            f"<td class='num'>{_html.escape(_rate_text(r.failing_rate))}</td>"
            f"<td class='mono ex'>{'<br>'.join(_html.escape(x) for x in (r.examples or '').split('; '))}"
            f"</td></tr>")
    return f"<table class='wide'><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _sparkline_svg(trend: pd.DataFrame, lang: str, width: int = 720, height: int = 90) -> str:
    """Inline SVG bars: quarantine rate per load (hover shows the load), oldest left."""
    t = trend[trend["rows_in"] > 0]
    if not len(t):
        return ""
    rates = t["quarantine_rate"].fillna(0).to_numpy()
    top = max(float(rates.max()), 0.01)
    n = len(t)
    pad_l, pad_b = 44, 16
    bw = (width - pad_l) / n
    bars = []
    for i, (rate, (_, row)) in enumerate(zip(rates, t.iterrows())):
        h = (height - pad_b - 4) * rate / top
        x = pad_l + i * bw
        y = height - pad_b - h
        color = "#cf222e" if rate > 0 else "#1a7f37"
        tip = (f"#{int(row.load_id)} {row.file} ({i18n.label(row.table_name, lang)}): "
               f"{fmt.integer(row.rows_quarantined)} / {fmt.integer(row.rows_in)} = "
               f"{_rate_text(rate)}")
        bars.append(f"<rect x='{x + 0.15 * bw:.1f}' y='{y:.1f}' width='{max(bw * 0.7, 1):.1f}' "
                    f"height='{max(h, 1):.1f}' fill='{color}'><title>{_html.escape(tip)}</title></rect>")
    axis = (f"<line x1='{pad_l}' y1='{height - pad_b}' x2='{width}' y2='{height - pad_b}' "
            f"stroke='#8c959f'/>"
            f"<text x='{pad_l - 4}' y='12' font-size='11' text-anchor='end' fill='#57606a'>"
            f"{_html.escape(_rate_text(top))}</text>"
            f"<text x='{pad_l - 4}' y='{height - pad_b}' font-size='11' text-anchor='end' "
            f"fill='#57606a'>0%</text>"
            f"<text x='{pad_l}' y='{height - 2}' font-size='11' fill='#57606a'>"
            f"#{int(t.load_id.iloc[0])}</text>"
            f"<text x='{width}' y='{height - 2}' font-size='11' text-anchor='end' "
            f"fill='#57606a'>#{int(t.load_id.iloc[-1])}</text>")
    label = _t("各批次隔离率", "Quarantine rate by load", lang)
    return (f"<svg role='img' aria-label='{label}' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}'>{axis}{''.join(bars)}</svg>")


def _beijing_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)


#: at most this many loads in the report's trend table (the sparkline shows them all)
MAX_TREND_ROWS = 200
#: at most this many unmapped SKUs in the report (largest paid amount first)
MAX_UNMAPPED_ROWS = 200
#: example rows shown per failing rule in the report
REPORT_EXAMPLES = 10


def write_report(wh, path: str | Path, lang: str = "zh", checks: pd.DataFrame | None = None
                 ) -> Path:
    """Write the self-contained HTML quality report to ``path`` and return it.

    Sections: summary cards; every rule with its counts (failing errors first, then failing
    warnings, then passing rules); example rows of each failing rule with its formula; the
    quarantine summary by table, column and reason with examples (file:row); the unmapped-SKU
    list; rows, loads and the last load per table; the quarantine trend by load (inline SVG
    bars and a table); the rule reference.
    No scripts, stylesheets or fonts are loaded from anywhere (CSS is inline; the CJK font is
    whatever the reader's system has). ``checks`` reuses a :func:`run_checks` result
    (computed here if not given). Labels are Chinese by default, English with ``lang="en"``.
    """
    from .safe_html import csp_meta  # no script, no fetch: the page is text, tables and SVG
    i18n.check_lang(lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    checks = run_checks(wh, lang=lang) if checks is None else checks.copy()
    checks["description"] = [rule(r).description(lang) for r in checks["rule_id"]]
    checks = sort_checks(checks)
    failing = checks["count_failing"].fillna(0) > 0
    n_err = int((failing & (checks.severity == "error")).sum())
    n_warn = int((failing & (checks.severity == "warning")).sum())
    qsum = quarantine_summary(wh)
    unmapped = unmapped_skus(wh)
    trend = quality_trend(wh)
    e = _html.escape

    def card(n, label, cls):
        return f"<div class='card {cls}'><div class='n'>{e(str(n))}</div><div class='l'>{label}</div></div>"

    parts = [
        f"<!doctype html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head>{csp_meta()}"
        f"<meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_t('数据质量报告', 'Data quality report', lang)}</title><style>{_CSS}</style>"
        f"</head><body>",
        f"<h1>{_t('数据质量报告', 'Data quality report', lang)}</h1>",
        f"<div class='meta'>{_t('仓库', 'Warehouse', lang)}: <code>{e(str(wh.path))}</code> · "
        f"{_t('生成时间（北京时间）', 'Generated (Beijing time)', lang)}: "
        f"{e(_beijing_now().strftime('%Y-%m-%d %H:%M'))}</div>",
        "<div class='cards'>",
        card(len(checks), _t("规则数", "Rules run", lang), ""),
        card(n_err, _t("未通过的错误规则", "Failing error rules", lang), "bad" if n_err else "good"),
        card(n_warn, _t("未通过的警告规则", "Failing warning rules", lang), "warn" if n_warn else "good"),
        card(fmt.integer(int(qsum["count_rows"].sum()) if len(qsum) else 0),
             _t("隔离行数", "Quarantined rows", lang), "warn" if len(qsum) else "good"),
        card(len(unmapped), _t("未映射SKU", "Unmapped SKUs", lang), "warn" if len(unmapped) else "good"),
        "</div>",
        f"<h2 id='summary'>{_t('规则汇总', 'Summary by rule', lang)}</h2>",
        f"<p class='note'>{_t('错误：报表数字因此错误或缺失；警告：值得查看，可能合理。未通过的规则在前，错误优先。', 'Error: a reported number is wrong or missing because of it; warning: worth a look, may be legitimate. Failing rules first, errors before warnings.', lang)}</p>",
        _summary_html(checks, lang),
        f"<h2 id='examples'>{_t('未通过规则的示例', 'Examples per failing rule', lang)}</h2>",
    ]
    if not failing.any():
        parts.append(f"<p class='ok'>{_t('所有规则均通过。', 'Every rule passes.', lang)}</p>")
    for _, r in checks[failing].iterrows():
        rr = rule(r.rule_id)
        ex = examples(wh, rr.id, limit=REPORT_EXAMPLES)
        n = int(r.count_failing)
        rows_en = f"{fmt.integer(n)} row{'' if n == 1 else 's'}"
        more = (_t(f"（共 {fmt.integer(n)} 行）", f"({rows_en})", lang) if n <= len(ex) else
                _t(f"（共 {fmt.integer(n)} 行，显示前 {len(ex)} 行）",
                   f"({rows_en}, first {len(ex)} shown)", lang))
        parts.append(
            f"<h3><span class='sev {rr.severity}'>{e(i18n.label(rr.severity, lang))}</span> "
            f"<code>{e(rr.id)}</code> {e(rr.description(lang))} <span class='meta'>{more}</span></h3>"
            f"<p class='formula'>{_t('公式', 'Formula', lang)}: <code>{e(rr.formula)}</code></p>"
            + _frame_html(ex, lang, mono_cols=rr.keys))
    parts.append(f"<h2 id='quarantine'>{_t('隔离数据汇总', 'Quarantine summary', lang)}</h2>")
    parts.append(f"<p class='note'>{_t('导入时未通过校验、未入库的行，按数据表、列和原因类别汇总；示例为 文件:行号 原因。', 'Rows refused at load time, by table, column and kind of reason; examples are file:row reason.', lang)}</p>")
    parts.append(_frame_html(qsum, lang, pre_cols=("examples",)))
    parts.append(f"<h2 id='unmapped'>{_t('未映射SKU清单', 'Unmapped SKUs', lang)}</h2>")
    parts.append(f"<p class='note'>{_t('订单明细中经SKU映射表解析后仍不在商品表里的编码（无成本、无类目）；在SKU映射表中补一行即可修正。', 'Order-line codes that, after resolution through sku_map, are not in products (no cost, no category); a sku_map row fixes them.', lang)}</p>")
    if len(unmapped) > MAX_UNMAPPED_ROWS:
        parts.append(f"<p class='note'>{_t(f'按实付金额显示前 {MAX_UNMAPPED_ROWS} 个（共 {len(unmapped)} 个）；完整清单见 quality.unmapped_skus()。', f'Top {MAX_UNMAPPED_ROWS} of {len(unmapped)} by paid amount; quality.unmapped_skus() lists them all.', lang)}</p>")
    parts.append(_frame_html(unmapped.head(MAX_UNMAPPED_ROWS), lang,
                             mono_cols=("platform_sku_id", "exported_sku")))
    parts.append(f"<h2 id='tables'>{_t('各数据表行数与最近导入', 'Rows and last load per table', lang)}</h2>")
    parts.append(f"<p class='note'>{_t('每张表的行数、成功导入次数和最近一次导入；行数为 0 的表还没有导入过，隔离行数大于 0 说明有数据在导入时被拦下（见上方隔离数据汇总）。', 'Rows, successful loads and the last load per table: a table with 0 rows was never loaded; quarantined rows were held back at load time (see the quarantine summary above).', lang)}</p>")
    parts.append(_frame_html(wh.status(), lang))
    parts.append(f"<h2 id='trend'>{_t('各批次导入质量', 'Quality by load', lang)}</h2>")
    parts.append(f"<p class='note'>{_t('每个批次（一个文件的一张表）的隔离率 = 隔离行数 / 读入行数；悬停查看批次。', 'Quarantine rate of each load (one table of one file) = rows quarantined / rows in; hover a bar for the load.', lang)}</p>")
    parts.append(_sparkline_svg(trend, lang))
    shown = trend.iloc[::-1].head(MAX_TREND_ROWS)
    if len(trend) > MAX_TREND_ROWS:
        parts.append(f"<p class='note'>{_t(f'显示最近 {MAX_TREND_ROWS} 个批次（共 {len(trend)} 个）。', f'Latest {MAX_TREND_ROWS} of {len(trend)} loads shown.', lang)}</p>")
    parts.append(_frame_html(shown.drop(columns=["top_reason_rows"]), lang))
    parts.append(f"<h2 id='rules'>{_t('规则说明', 'Rule reference', lang)}</h2><details open>"
                 f"<summary>{_t('每条规则的含义与公式', 'What each rule checks, and its formula', lang)}</summary><table><thead><tr>"
                 f"<th>{e(i18n.label('rule_id', lang))}</th><th>{e(i18n.label('severity', lang))}</th>"
                 f"<th>{e(i18n.label('description', lang))}</th><th>{e(i18n.label('formula', lang))}</th>"
                 "</tr></thead><tbody>")
    for rr in RULES.values():
        parts.append(f"<tr><td class='mono'>{e(rr.id)}</td><td><span class='sev {rr.severity}'>"
                     f"{e(i18n.label(rr.severity, lang))}</span></td><td>{e(rr.description(lang))}</td>"
                     f"<td class='mono'>{e(rr.formula)}</td></tr>")
    parts.append("</tbody></table></details></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------
# console output (ecom quality / ecom status)
# ----------------------------------------------------------------------------------------------
def sort_checks(checks: pd.DataFrame) -> pd.DataFrame:
    """Failing rules first (errors before warnings), then rules that could not run, then
    passing rules; rule order within each group."""
    n = checks["count_failing"]
    group = [0 if (not fmt.is_missing(v) and v > 0) else (1 if fmt.is_missing(v) else 2) for v in n]
    sev = checks["severity"].map({s: i for i, s in enumerate(SEVERITIES)}).tolist()
    order = sorted(range(len(checks)), key=lambda i: (group[i], sev[i], i))
    return checks.iloc[order].reset_index(drop=True)


def console_table(checks: pd.DataFrame, width: int = 60) -> pd.DataFrame:
    """A :func:`run_checks` frame as text columns for a terminal (failing rules first)."""
    c = sort_checks(checks)

    def cut(s: str) -> str:
        s = s or ""
        return s if len(s) <= width else s[: width - 1] + "…"

    return pd.DataFrame({
        "severity": c["severity"],
        "rule_id": c["rule_id"],
        "failing": [fmt.integer(v) for v in c["count_failing"]],
        "checked": [fmt.integer(v) for v in c["count_checked"]],
        "rate": [_rate_text(v) for v in c["failing_rate"]],
        "examples": [cut(v) for v in c["examples"]],
        "description": c["description"],
    })


def console_text(checks: pd.DataFrame, width: int = 60) -> str:
    """:func:`console_table` as aligned text: text columns left, numbers right, description
    last (so double-width Chinese text does not shift the other columns)."""
    t = console_table(checks, width)
    right = {"failing", "checked", "rate"}
    cols = list(t.columns)
    w = {c: max([len(c)] + [len(str(v)) for v in t[c]]) for c in cols[:-1]}

    def line(vals):
        cells = [(str(v).rjust(w[c]) if c in right else str(v).ljust(w[c]))
                 for c, v in zip(cols[:-1], vals[:-1])]
        return "  ".join(cells + [str(vals[-1])]).rstrip()

    return "\n".join([line(cols)] + [line(list(r)) for r in t.itertuples(index=False)])


def status_lines(checks: pd.DataFrame) -> list[str]:
    """Compact lines for ``ecom status``: a headline, then one line per failing rule."""
    c = sort_checks(checks)
    bad = c[c["count_failing"].fillna(0) > 0]
    not_run = c[c["count_failing"].isna()]
    if not len(bad) and not len(not_run):
        return [f"quality: all {len(c)} rules pass"]
    head = (f"quality: {len(bad)} of {len(c)} rules fail"
            + (f", {len(not_run)} could not run" if len(not_run) else "")
            + " (`ecom quality` writes the report with examples)")
    lines = [head]
    for _, r in bad.iterrows():
        ex = (r.examples or "").split("; ")[0]
        lines.append(f"  {r.severity:<8} {r.rule_id}: {fmt.integer(r.count_failing)} of "
                     f"{fmt.integer(r.count_checked)} ({_rate_text(r.failing_rate)})"
                     + (f", e.g. {ex}" if ex else ""))
    for _, r in not_run.iterrows():
        lines.append(f"  {r.severity:<8} {r.rule_id}: {r.examples}")
    return lines
