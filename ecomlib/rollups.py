"""What is left of the per-report rollup views: ``int_sku_resolved``, read by the quality rules
(``ecomlib.quality``) that list order lines and returns by canonical SKU.

The rules the reports read (sales day, FX, SKU, refunds, cost of goods, cost allocation, stock
moves) live in the model layer, one SQL file each (``ecomlib/sql``, :mod:`ecomlib.modelling`).
The legacy views (``legacy_order_lines``, ``legacy_fx_ranges``, ``agg_daily_sales``) and the
per-report SQL constants were deleted once the last report (finance) moved to the marts.
"""
from __future__ import annotations

VIEWS: dict[str, str] = {}

# The canonical SKU of an order line ``l``: SKU_OF_LINE, with the joins SKU_MAP_JOINS
# (int_order_lines writes the same resolution for the reports).
SKU_OF_LINE = "COALESCE(by_id.sku, by_code.sku, any_platform.sku, l.sku)"
SKU_MAP_JOINS = """LEFT JOIN sku_map by_id ON by_id.platform = l.platform
      AND by_id.platform_sku_id = l.platform_sku_id
LEFT JOIN sku_map by_code ON by_code.platform = l.platform AND by_code.platform_sku_id = l.sku
LEFT JOIN sku_map any_platform ON any_platform.platform = 'ALL'
      AND any_platform.platform_sku_id = l.sku"""

VIEWS["int_sku_resolved"] = """
-- one row per order line: the canonical SKU of the line. Platform exports carry their own
-- item ids and the shop's merchant codes (商家编码), which need not be the canonical SKU.
-- Resolution order: sku_map on the platform item id, then sku_map on the exported code for
-- that platform, then sku_map rows valid on every platform (platform = 'ALL'), else the
-- exported code as is (reported as unmapped when it is not in products).
SELECT l.platform, l.shop_id, l.order_id, l.line_id,
       l.sku AS exported_sku,
       """ + SKU_OF_LINE + """ AS sku
FROM order_lines l
""" + SKU_MAP_JOINS + "\n"


def create_views(con) -> None:
    """(Re)create every rollup view on a DuckDB connection."""
    for name, sql in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
