"""Column-mapping files: teach the workbench a new export without writing code.

A mapping is a YAML file (in ``parameters/mappings/``, named ``*.mapping.yaml`` beside the
data, or listed under ``mappings:`` in an ``ecom.yaml`` beside the data) that describes a
:class:`~ecomlib.sources.mapped.FormatSpec`::

    name: youzan_orders                  # format name (for --format and the load log)
    description: 有赞订单导出
    signature: [订单号, 商品名称, 商品实付金额]   # header names that identify the file
    tables:
      order_lines:                       # the first table is the file's grain (one row per row)
        platform: {const: youzan}
        shop_id: {shop: [店铺名称]}        # the shop column, else --shop / ecom.yaml
        order_id: {header: 订单号, kind: id}
        line_id: {header: 子订单号, kind: id}
        sku: {header: [商家编码, 规格编码], kind: id}
        quantity: {header: 商品数量, kind: int}
        list_price_fen: {header: 商品单价, kind: money}     # yuan text -> fen
        paid_fen: {header: 商品实付金额, kind: money}
      orders:
        platform: {const: youzan}
        shop_id: {shop: [店铺名称]}
        order_id: {header: 订单号, kind: id}
        member_key: {member: [买家手机号, 买家昵称]}   # hashed; never stored in clear
        province: {header: 收货省份, kind: province, suffix: true}
        created_at: {header: 下单时间, kind: ts}
        status: {header: 订单状态, status: {已完成: finished, 待发货: paid, 已关闭: cancelled}}

Kinds: ``id``, ``text``, ``money`` (yuan), ``fen``, ``int``, ``float``, ``ts``, ``date``,
``province``/``city`` (from an address, or from a plain 省/市 column with ``suffix: true``).
Every mistake in the file is reported with the file name and the key at fault.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from .. import schema
from . import SourceError
from .mapped import Col, FormatSpec, MappedSource, register_spec

KINDS = {"id", "text", "money", "fen", "int", "float", "ts", "date", "province", "city"}


def _headers(v, where: str) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
        return tuple(v)
    raise SourceError(f"{where}: expected a column name or a list of column names, got {v!r}")


def _column(rule, where: str) -> Col:
    if not isinstance(rule, dict):
        raise SourceError(f"{where}: expected a mapping such as {{header: 订单号, kind: id}}, "
                          f"got {rule!r}")
    unknown = set(rule) - {"header", "kind", "const", "shop", "member", "status", "suffix",
                           "required"}
    if unknown:
        raise SourceError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if "const" in rule:
        return Col((), "const", rule["const"])
    if "shop" in rule:
        return Col(_headers(rule["shop"], where) if rule["shop"] else (), "shop")
    if "member" in rule:
        return Col(_headers(rule["member"], where), "member")
    if "header" not in rule:
        raise SourceError(f"{where}: needs one of header, const, shop, member")
    headers = _headers(rule["header"], where)
    required = bool(rule.get("required", False))
    if "status" in rule:
        mapping = rule["status"]
        if not isinstance(mapping, dict) or not mapping:
            raise SourceError(f"{where}: status needs a mapping of export words to statuses")
        return Col(headers, "status", {str(k): str(v) for k, v in mapping.items()}, required)
    kind = rule.get("kind", "text")
    if kind not in KINDS:
        raise SourceError(f"{where}: unknown kind {kind!r}; kinds: {', '.join(sorted(KINDS))}")
    value = "suffix" if rule.get("suffix") else None
    return Col(headers, kind, value, required)


def spec_from_yaml(path: str | Path) -> FormatSpec:
    """Read and check a mapping file; errors name the file and the key at fault."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise SourceError(f"{path}: not valid YAML ({e})") from None
    if not isinstance(doc, dict):
        raise SourceError(f"{path}: expected keys name, signature, tables")
    for key in ("name", "signature", "tables"):
        if key not in doc:
            raise SourceError(f"{path}: missing key {key!r}")
    sig = _headers(doc["signature"], f"{path}: signature")
    tables = {}
    if not isinstance(doc["tables"], dict) or not doc["tables"]:
        raise SourceError(f"{path}: tables must map canonical table names to column rules")
    for tname, cols in doc["tables"].items():
        if tname not in schema.TABLES:
            raise SourceError(f"{path}: tables.{tname}: no such canonical table; tables are "
                              f"{', '.join(schema.TABLES)}")
        t = schema.TABLES[tname]
        if not isinstance(cols, dict):
            raise SourceError(f"{path}: tables.{tname}: expected column rules")
        out = {}
        for cname, rule in cols.items():
            where = f"{path}: tables.{tname}.{cname}"
            if cname not in t.column_names:
                raise SourceError(f"{where}: {tname} has no column {cname!r}; columns are "
                                  f"{', '.join(t.column_names)}")
            if cname == "member_key" and not (isinstance(rule, dict) and "member" in rule):
                raise SourceError(f"{where}: member_key must use member: [columns] so the buyer "
                                  f"is hashed, never stored in clear")
            out[cname] = _column(rule, where)
        missing = [c.name for c in t.columns
                   if c.required and c.default is None and c.name not in out]
        if missing:
            raise SourceError(f"{path}: tables.{tname}: required column(s) "
                              f"{', '.join(missing)} are not mapped")
        tables[tname] = out
    return FormatSpec(name=str(doc["name"]),
                      description=str(doc.get("description") or doc["name"]),
                      signature=sig, tables=tables)


def load_mappings(paths) -> list[MappedSource]:
    """Register every mapping file in ``paths`` (files or folders of ``*.yaml``)."""
    out = []
    for p in paths:
        p = Path(p)
        files = sorted(p.glob("*.yaml")) if p.is_dir() else [p]
        for f in files:
            out.append(register_spec(spec_from_yaml(f)))
    return out
