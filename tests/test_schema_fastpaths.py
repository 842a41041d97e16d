"""The ingest fast paths give exactly what the general code gives (hand-written literals)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecomlib import schema
from ecomlib.sources import clean


def test_validate_strips_text_the_same_for_object_and_arrow_columns():
    raw = {"platform": [" tmall ", "tmall", "jd"], "platform_sku_id": ["\u3000A1\t", "", None],
           "sku": ["S1", "S2 ", "S3"], "note": [None, "  ", "x y"]}
    for dtype in (object, "str"):
        frame = pd.DataFrame({k: pd.Series(v, dtype=dtype) for k, v in raw.items()})
        val = schema.validate("sku_map", frame)
        assert val.good.platform.tolist() == ["tmall"]
        assert val.good.platform_sku_id.tolist() == ["A1"]
        assert val.good.sku.tolist() == ["S1"]
        assert val.good.note.tolist() == [None]
        assert val.good.dtypes.tolist() == [object] * 4
        # rows 3 and 4 (file rows) have an empty platform_sku_id, which is required
        assert val.quarantine.row_number.tolist() == [3, 4]
        assert val.quarantine.reason.tolist() == ["platform_sku_id is required but empty"] * 2


def test_strip_text_falls_back_for_non_text_values():
    assert schema._strip_text(pd.Series([1, "a"], dtype=object)) is None
    val, blank = schema._strip_text(pd.Series([" a ", None, "", np.nan, "b"], dtype=object))
    assert val.tolist() == ["a", None, None, None, "b"]
    assert blank.tolist() == [False, True, True, True, False]


def test_validate_keeps_every_row_typed_and_settle_dtypes():
    frame = pd.DataFrame({"rate_date": ["2025-06-18", "bad"], "currency": ["USD", "EUR"],
                          "cny_per_unit": ["7.1", "7.8"]})
    val = schema.validate("fx_rates", frame)
    assert len(val.good) == 1 and len(val.typed) == 2  # typed keeps the bad row, value empty
    assert pd.isna(val.typed.rate_date.iloc[1])
    settled = schema.settle_dtypes("fx_rates", val.typed)
    assert [str(d) for d in settled.dtypes] == ["datetime64[us]", "object", "Float64"]
    assert settled.cny_per_unit.tolist() == [7.1, 7.8]


def test_split_region_on_repeated_addresses():
    s = pd.Series(["浙江省 杭州市 西湖区 文三路1号", None, "", "上海市浦东新区张江路2号",
                   "浙江省 杭州市 西湖区 文三路1号", "北京 北京市 朝阳区", "xx"], dtype=object)
    prov, city = clean.split_region(s)
    assert prov.tolist() == ["浙江", None, None, "上海", "浙江", "北京", "xx"]
    assert city.tolist() == ["杭州", None, None, "上海", "杭州", "北京", None]


def test_money_fast_path_exact_fen():
    s = pd.Series(["168.90", "", None, "¥12.5", "-0.29", "0.29", "1,234.5", "abc",
                   "9999999999999.99", "1.005", "3元"], dtype=object)
    fen, bad, _ = clean.clean_money_fen(s)
    assert fen.tolist() == [16890, pd.NA, pd.NA, 1250, -29, 29, 123450, pd.NA,
                            999999999999999, pd.NA, 300]
    assert bad.tolist() == [False, False, False, False, False, False, False, True, False,
                            True, False]
