"""The ingest fast paths give exactly what the general code gives (hand-written literals)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
    assert schema.strip_text(pd.Series([1, "a"], dtype=object)) is None
    val, blank = schema.strip_text(pd.Series([" a ", None, "", np.nan, "b"], dtype=object))
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
    assert prov.tolist() == ["浙江", None, None, "上海", "浙江", "北京", None]  # not a province
    assert city.tolist() == ["杭州", None, None, "上海", "杭州", "北京", None]


def test_split_region_and_member_keys_with_a_memo_of_earlier_chunks():
    """The chunks of one export share what was worked out (member keys, regions): the same
    results as each chunk on its own, the memo holding each distinct value once."""
    from ecomlib import privacy
    chunks = [pd.Series(["浙江省 杭州市 西湖区 文三路1号", None, "北京 北京市 朝阳区", "xx",
                         "浙江省 杭州市 西湖区 文三路1号"], dtype="str"),
              pd.Series(["北京 北京市 朝阳区", "", "上海市浦东新区张江路2号", "xx", "xx"],
                        dtype="str")]
    regions: dict = {}
    for s in chunks:
        for a, b in zip(clean.split_region(s, arrow=True, memo=regions),
                        clean.split_region(s, arrow=True)):
            pd.testing.assert_series_equal(a, b, check_exact=True)
    assert regions["北京 北京市 朝阳区"] == ("北京", "北京") and regions["xx"] == (None, None)
    assert len(regions) == 5  # ("" once, in both chunks)
    keys: dict = {}
    for s in (pd.Series(["138 0000", "+86 1380000", None, " ", "Ab"], dtype="str"),
              pd.Series(["Ab", "ab", "138 0000", None], dtype="str")):
        pd.testing.assert_series_equal(privacy.member_keys(s, b"salt", arrow=True, memo=keys),
                                       privacy.member_keys(s, b"salt", arrow=True),
                                       check_exact=True)
    assert keys["Ab"] == keys["ab"] == privacy.member_key("ab", b"salt") and keys[" "] is None
    assert len(keys) == 5  # (missing values are never looked up)


def test_money_fast_path_exact_fen():
    s = pd.Series(["168.90", "", None, "¥12.5", "-0.29", "0.29", "1,234.5", "abc",
                   "9999999999999.99", "1.005", "3元"], dtype=object)
    fen, bad, _ = clean.clean_money_fen(s)
    assert fen.tolist() == [16890, pd.NA, pd.NA, 1250, -29, 29, 123450, pd.NA,
                            999999999999999, pd.NA, 300]
    assert bad.tolist() == [False, False, False, False, False, False, False, True, False,
                            True, False]


def test_id_fast_path_plain_column_with_scientific_notation():
    s = pd.Series(["3700000000000000868", "", None, "1E18", "AB-12_3", "12e5"], dtype="str")
    out, bad, reason = clean.clean_id(s, "订单号")
    assert out.tolist() == ["3700000000000000868", None, None, None, "AB-12_3", None]
    assert bad.tolist() == [False, False, False, True, False, True]
    assert "scientific notation" in reason
    # wrapped values take the unwrapping path: same rules
    out, bad, _ = clean.clean_id(pd.Series(['="123"', "\t456", "1E18", "a b"], dtype=object))
    assert out.tolist() == ["123", "456", None, "a b"]
    assert bad.tolist() == [False, False, True, True]


def test_ts_fast_path_arrow_and_its_fallback():
    s = pd.Series(["2025-06-18 10:00:00", "", None, "2024-02-29 23:59:59"], dtype="str")
    out, bad, _ = clean.clean_ts(s)
    assert out.tolist()[0] == pd.Timestamp("2025-06-18 10:00:00")
    assert pd.isna(out.iloc[1]) and pd.isna(out.iloc[2])
    assert out.iloc[3] == pd.Timestamp("2024-02-29 23:59:59")
    assert str(out.dtype) == "datetime64[us]" and not bad.any()
    # Arrow refuses a day that does not exist: pandas' rules decide the whole column
    out, bad, _ = clean.clean_ts(pd.Series(["2025-02-30 10:00:00", "2025-01-01 23:59:60",
                                            "2025-06-18 10:00:00"], dtype="str"))
    assert pd.isna(out.iloc[0]) and bad.tolist() == [True, False, False]
    assert out.iloc[1] == pd.Timestamp("2025-01-02 00:00:00")  # as pandas reads it


def test_status_and_region_suffix_per_distinct_value():
    words = {"交易成功": "completed", "交易关闭": "cancelled"}
    s = pd.Series(["交易成功", "交易成功(已评价)", "", None, "未知", "交易关闭", "交易成功"],
                  dtype="str")
    out, bad, _ = clean.clean_status(s, words)
    assert out.tolist() == ["completed", "completed", None, None, None, "cancelled",
                            "completed"]
    assert bad.tolist() == [False, False, False, False, True, False, False]
    r = clean.strip_region_suffix(pd.Series(["浙江省", "杭州市", None, "", "浙江省", " 上海市 "],
                                            dtype="str"))
    assert r.tolist() == ["浙江", "杭州", None, None, "浙江", "上海"]


def test_blank_cells_is_str_strip():
    import pyarrow as pa

    from ecomlib.sources import _blank_cells
    vals = ["", " ", "\u3000\t", "\x1c\x85", "\u200b", "a", " 中 ", "\ufeff"]
    assert _blank_cells(pa.array(vals)).to_pylist() == [True, True, True, True, False, False,
                                                       False, False]


def test_lone_cr_on_bytes_and_text():
    from ecomlib.sources import _lone_cr
    for data, lone in [(b"", False), (b"a\r\nb\r\n", False), (b"a\r\nb\r", True),
                       (b"a\rb\n", True), (b"\r\r\n", True), (b"a\nb", False)]:
        assert _lone_cr(data) is lone
        assert _lone_cr(data.decode()) is lone


def _is_arrow_text(s: pd.Series) -> bool:
    return s.dtype == "str" and hasattr(s.array, "_pa_array")


def test_ids_stay_in_arrow_when_every_value_is_plain_or_wrapped():
    out, bad, _ = clean.clean_id(pd.Series(["3700000000000000868", "", None, "AB-12_3"],
                                           dtype="str"))
    assert _is_arrow_text(out) and not bad.any()
    assert [None if pd.isna(v) else v for v in out] == ["3700000000000000868", None, None,
                                                        "AB-12_3"]
    # a column of wrapped ids (PDD ="...", Douyin \t...) is unwrapped as a column
    out, bad, _ = clean.clean_id(pd.Series(['="123"', "\t456", "", "789"], dtype="str"))
    assert _is_arrow_text(out) and not bad.any()
    assert [None if pd.isna(v) else v for v in out] == ["123", "456", None, "789"]
    # one odd value among them: the value-by-value rules, as Python objects
    out, bad, _ = clean.clean_id(pd.Series(['="123"', "a b"], dtype="str"))
    assert out.tolist() == ["123", "a b"] and bad.tolist() == [False, True]


def test_coalesce_first_non_missing_in_arrow_or_objects():
    a = pd.Series(["x", None, None, "w"], dtype="str")
    b = pd.Series(["y", "z", None, None], dtype="str")
    none = pd.Series([None] * 4, dtype=object)
    out = clean.coalesce(none, a, b)  # a column missing throughout does not count
    assert _is_arrow_text(out)
    assert [None if pd.isna(v) else v for v in out] == ["x", "z", None, "w"]
    mixed = clean.coalesce(pd.Series([None, "p", None, None], dtype=object), b)
    assert mixed.dtype == object and mixed.tolist() == ["y", "p", None, None]


def test_repeat_text_and_arrow_results_of_per_distinct_cleaners():
    r = clean.repeat_text("tmall", 3)
    assert _is_arrow_text(r) and r.tolist() == ["tmall"] * 3
    words = {"交易成功": "completed", "交易关闭": "cancelled"}
    # per distinct word when words repeat (here 5 distinct values on 12 rows)
    s = pd.Series(["交易成功", "", None, "未知", "交易关闭", "交易成功"] * 2, dtype="str")
    out, bad, _ = clean.clean_status(s, words, arrow=True)
    assert _is_arrow_text(out)
    assert [None if pd.isna(v) else v for v in out] == ["completed", None, None, None,
                                                        "cancelled", "completed"] * 2
    assert bad.tolist() == [False, False, False, True, False, False] * 2
    addr = pd.Series(["浙江省 杭州市 西湖区 文三路1号", None, "上海市浦东新区张江路2号",
                      "浙江省 杭州市 西湖区 文三路1号"], dtype="str")
    prov, city = clean.split_region(addr, arrow=True)
    assert _is_arrow_text(prov) and _is_arrow_text(city)
    assert [None if pd.isna(v) else v for v in prov] == ["浙江", None, "上海", "浙江"]
    assert [None if pd.isna(v) else v for v in city] == ["杭州", None, "上海", "杭州"]


def test_keep_rows_slices_a_kept_prefix_and_filters_otherwise():
    import pyarrow as pa
    df = pd.DataFrame({"a": pd.array(["x", "y", "合计", ""], dtype="str"), "n": [1, 2, 3, 4]},
                      index=[10, 11, 12, 13])
    head = clean.keep_rows(df, np.array([True, True, False, False]))
    assert head.a.tolist() == ["x", "y"] and head.n.tolist() == [1, 2]
    assert head.index.tolist() == [0, 1]
    mid = clean.keep_rows(df, np.array([True, False, True, False]))
    assert mid.a.tolist() == ["x", "合计"] and mid.index.tolist() == [0, 1]
    assert clean.keep_rows(pd.Series([5, 6, 7]), np.array([False, True, True])).tolist() == [6, 7]
    t = pa.table({"c0": ["a", "b", ""]})
    assert clean.keep_rows(t, np.array([True, True, False])).column(0).to_pylist() == ["a", "b"]
    assert clean.keep_rows(t, np.array([False, True, True])).column(0).to_pylist() == ["b", ""]


def test_validate_typed_only_skips_the_good_frame():
    raw = pd.DataFrame({"platform": ["tmall", "jd"], "platform_sku_id": ["A1", ""],
                        "sku": ["S1", "S2"]})
    val = schema.validate("sku_map", raw, typed_only=True)
    assert val.good is None
    assert val.typed.platform_sku_id.tolist() == ["A1", None]
    assert val.quarantine.row_number.tolist() == [3]
    assert val.good_row_numbers.tolist() == [2]


def _read_decoding_all(path):
    """read_file as it was before the UTF-8 head: the whole file decoded first."""

    from ecomlib import sources as S
    data = path.read_bytes()
    enc, text, damaged = S.decode_bytes(data)
    delim = S._delimiter(path.suffix, text)
    fast = None if damaged else S._read_csv_fast(path, text, delim, enc, data)
    if fast is not None:
        return fast, "fast"
    return S._read_text_careful(path, text, delim, enc, damaged), "careful"


def _long_export(n: int, tail: str = "") -> str:
    rows = ["订单编号,买家昵称,收货地址,实付金额"]
    rows += [f"{100000 + i},买家{i % 97},浙江省 杭州市 西湖区 文三路{i}号,{i % 500}.50"
             for i in range(n)]
    return "\r\n".join(rows) + "\r\n" + tail


def test_long_utf8_files_read_from_their_bytes_as_when_decoded_whole(tmp_path):
    """A long UTF-8 file is read without decoding it in Python (pyarrow checks its bytes);
    every frame, row number, problem and count is the same as when the whole text is
    decoded first, for clean files and for the ones that need another path."""
    from ecomlib import sources as S
    body = _long_export(6000)
    assert len(body.encode()) > 4 * S._HEAD_CHARS  # long enough for the byte path
    cases = {
        "plain.csv": body.encode("utf-8"),
        "bom.csv": b"\xef\xbb\xbf" + body.encode("utf-8"),
        # totals and blank rows at the end
        "totals.csv": (body + "合计,,,999.00\r\n,,,\r\n").encode("utf-8"),
        # cut off in the middle of its last row (valid UTF-8): the careful path
        "cut_row.csv": (body + "106000,买家1").encode("utf-8"),
        # cut off in the middle of a character: UTF-8 with U+FFFD, the careful rules
        "cut_char.csv": (body + "106000,买家1,浙江省").encode("utf-8")[:-1],
        # UTF-8-looking start, GB18030 further on: decoded whole as GB18030
        "gbk_later.csv": ("a,b,c,d\r\n" + "1,2,3,4\r\n" * 40000).encode("ascii")
        + "5,买家,杭州,6\r\n".encode("gb18030") + b"7,8,9,10\r\n",
        # a header of eleven short rows then long ones; the head ends inside a character
        "boundary.csv": ("订单编号,备注\r\n" + "".join(
            f"{i},{'好' * (20 if i < 11 else 3000)}\r\n" for i in range(120))).encode("utf-8"),
    }
    expect_path = {"plain.csv": "fast", "bom.csv": "fast", "totals.csv": "fast",
                   "cut_row.csv": "careful", "cut_char.csv": "careful",
                   "gbk_later.csv": "fast", "boundary.csv": "fast"}
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        (got,) = S.read_file(p)
        want, how = _read_decoding_all(p)
        assert how == expect_path[name], name
        pd.testing.assert_frame_equal(got.frame, want.frame, obj=name)
        pd.testing.assert_series_equal(got.row_numbers, want.row_numbers, obj=name)
        assert (got.encoding, got.problems, got.blank_rows) == \
            (want.encoding, want.problems, want.blank_rows), name
    # what the byte path says of each: read from the bytes, or handed on
    head = S._utf8_head(cases["boundary.csv"])
    assert head is not None and head[2] and len(head[1]) >= S._HEAD_CHARS
    assert S._utf8_head(cases["gbk_later.csv"])[0] == "utf-8"  # its start is ASCII
    assert S._utf8_head("订单".encode("gb18030") * 10) is None
    assert S._utf8_head(cases["cut_char.csv"][-1000:]) is None  # short, broken at its end
    assert S._utf8_head(cases["cut_char.csv"]) is None  # long, broken at its end
    assert S.read_file(tmp_path / "gbk_later.csv")[0].encoding == "gb18030"
    assert S.read_file(tmp_path / "cut_char.csv")[0].encoding == "utf-8"
    totals = S.read_file(tmp_path / "totals.csv")[0]  # the totals row is the mapper's to skip
    assert totals.blank_rows == 1 and len(totals.frame) == 6001


@pytest.mark.parametrize("block", [7, 4096, 1 << 24])
def test_long_utf8_files_read_from_the_file_a_block_at_a_time(tmp_path, monkeypatch, block):
    """A long UTF-8 file goes to pyarrow from the file (its bytes never in memory whole);
    the checks made on the bytes (a lone CR, the line count, a quote left open in the last
    line) are made a block at a time, with CRs, line feeds and quotes on the blocks'
    edges, and give what the whole text decoded first gives."""
    from ecomlib import sources as S
    monkeypatch.setattr(S, "_FILE_BLOCK", block)
    body = _long_export(6000)
    cases = {
        "plain.csv": body,
        "lf_only.csv": body.replace("\r\n", "\n"),
        "no_final_newline.csv": body.rstrip("\r\n"),
        "blank_lines_at_end.csv": body + "\r\n\r\n\n",
        "lone_cr.csv": body.replace("买家5,", "买家5\r,", 1),
        "cr_at_end.csv": body + "\r",
        "open_quote_last.csv": body + '106000,"买家1,杭州,1.00\r\n',
        "quoted_break.csv": body + '106000,"买家\r\n1",杭州,1.00\r\n',
    }
    # a byte that is not UTF-8 far into the file (found by the block-wise UTF-8 check, as
    # pyarrow's check of the cells found it): the whole text decoded, U+FFFD, its row
    # rejected by the careful rules
    broken = body.replace("文三路4000号", "文三路4000\udcff号", 1)
    cases["broken_byte.csv"] = broken
    for name, text in cases.items():
        p = tmp_path / name
        p.write_bytes(text.encode("utf-8", "surrogateescape"))
        assert S._utf8_head(p.read_bytes())[2]  # (long: the file path is taken)
        (got,) = S.read_file(p)
        want, _ = _read_decoding_all(p)
        pd.testing.assert_frame_equal(got.frame, want.frame, obj=name)
        pd.testing.assert_series_equal(got.row_numbers, want.row_numbers, obj=name)
        assert (got.encoding, got.problems, got.blank_rows) == \
            (want.encoding, want.problems, want.blank_rows), name
    data = (tmp_path / "lone_cr.csv").read_bytes()
    assert S._file_scan(tmp_path / "lone_cr.csv") == (True, data.count(b"\n"), len(data),
                                                      True, True)
    assert S._file_scan(tmp_path / "broken_byte.csv", utf8=True)[4] is False
    assert S._file_scan(tmp_path / "plain.csv", utf8=True)[4] is True
    data = (tmp_path / "plain.csv").read_bytes()
    assert S._file_scan(tmp_path / "plain.csv") == (False, data.count(b"\n"), len(data), True,
                                                    True)
    assert S._file_scan(tmp_path / "cr_at_end.csv")[0]


def _decode_bytes_whole(data: bytes):
    """decode_bytes as it was, every attempt on the whole file (the reference)."""
    from ecomlib import sources as S
    try:
        return "utf-8", data.decode("utf-8"), 0
    except UnicodeDecodeError:
        pass
    allowed = max(3, (data.count(b"\n") + 1) // 1000)
    as_utf8 = S._decode_counting(data, "utf-8", "utf-8", limit=allowed)
    if as_utf8[2] > allowed:
        as_gbk = S._decode_counting(data, "gb18030", "gb18030")
    else:
        try:
            as_gbk = ("gb18030", data.decode("gb18030"), 0)
        except UnicodeDecodeError:
            as_gbk = ("gb18030", "", allowed + 1)
    best = min((as_utf8, as_gbk), key=lambda x: x[2])
    return best if best[2] <= allowed else None


def test_decode_bytes_looks_at_the_first_mb_first():
    """UTF-8 is tried on the first MB's lines before the whole file: the same encoding, text
    and count of damaged bytes as trying the whole file each time."""
    from ecomlib import sources as S
    rows = "".join(f"{i},买家{i},浙江省 杭州市,{i}.50\n" for i in range(40000))  # ~1.3 MB
    cases = {
        "utf8": rows.encode("utf-8"),
        "gbk": rows.encode("gb18030"),
        "utf8_then_gbk": rows.encode("utf-8") + "5,买家,杭州\n".encode("gb18030"),
        "utf8_few_broken_early": rows.encode("utf-8").replace(b"\n1,", b"\n\xff1,", 1),
        "utf8_few_broken_late": rows.encode("utf-8").replace(b"\n39990,", b"\n\xff39990,", 1),
        "gbk_no_line_feed_early": b"x" * (1 << 20) + rows.encode("gb18030"),
        "gbk_broken": rows.encode("gb18030")[:-5] + b"\x81\n",
        "short_gbk": "订单编号,买家\n1,张三\n".encode("gb18030"),
    }
    for name, data in cases.items():
        want = _decode_bytes_whole(data)
        if want is None:
            continue  # (charset-normalizer's guess: the same call either way)
        assert S.decode_bytes(data) == want, name


@pytest.mark.parametrize("block", [1, 3, 7, 1 << 24])
def test_lone_cr_a_block_at_a_time(monkeypatch, block):
    """A CR not followed by a LF is found on bytes a block at a time, CRs on the blocks'
    edges and at the end included, as counting CR and CRLF says."""
    import random
    from ecomlib import sources as S
    monkeypatch.setattr(S, "_FILE_BLOCK", block)
    rng = random.Random(7)
    for _ in range(2000):
        data = bytes(rng.choice(b"ab\r\n") for _ in range(rng.randint(1, 30)))
        assert S._lone_cr(data) == (data.count(b"\r") != data.count(b"\r\n")), data


# -- the regex checks told from the bytes (the regex only for the values left over) --------
_AWKWARD = ["", " ", "0", "12", "-12", "1.5", "1.50", "1.505", ".5", "5.", "-1.5", "1.2.3",
            "¥1,234.50", "¥12.5", "1,234.50", "1234567890123", "12345678901234",
            "1234567890123.45", "1.23457E+18", "1E18", "12e5", "\t123", '="123"', "１２３",
            "12 ", " 12", "A-b_9", "a b", "a,b", "中文", "2025-06-18 10:00:00", "-", "."]


@pytest.mark.parametrize("pattern", sorted(clean._SURE))
def test_match_or_empty_is_the_regex_or_empty(pattern):
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = pa.array(_AWKWARD, type=pa.string())
    want = np.asarray(pc.or_(pc.match_substring_regex(arr, pattern), pc.equal(arr, ""))
                      .to_numpy(zero_copy_only=False), dtype=bool)
    for a in (arr, pa.array(_AWKWARD, type=pa.large_string()),
              pa.chunked_array([arr.slice(0, 7), arr.slice(7)])):
        assert clean._match_or_empty(a, pattern).tolist() == want.tolist()
    assert clean._match_or_empty(arr.slice(3, 4), pattern).tolist() == want[3:7].tolist()
    # a null is neither (False), as in the regex
    assert clean._match_or_empty(pa.array(["1", None]), pattern).tolist() == [True, False]


def test_match_or_empty_by_hand():
    import pyarrow as pa
    arr = pa.array(["", "12", "1.5", "1.50", "1.505", ".5", "5.", "-1.5", "¥12.5",
                    "12345678901234", "1234567890123.45"])
    assert clean._match_or_empty(arr, clean._MONEY_PLAIN).tolist() == [
        True, True, True, True, False, False, False, True, False, False, True]
    ids = pa.array(["", "AB-12_3", "1E18", "\t123", '="123"', "a b", "１２３"])
    assert clean._match_or_empty(ids, clean._ID_PLAIN).tolist() == [
        True, True, True, False, False, False, False]


def test_clean_id_checks_scientific_notation_only_where_there_is_an_e(monkeypatch):
    s = pd.Series(["AB-12", "1E18", "12e5", "E5", "sku_e1", "", None, "1.23457E+18", "\t99",
                   '="77"', " 42 "], dtype=object)
    out, bad, reason = clean.clean_id(s, "订单号")
    # 1E18 / 12e5 / 1.23457E+18 are Excel's rounding: rejected; E5, sku_e1 are plain ids
    assert out.tolist() == ["AB-12", None, None, "E5", "sku_e1", None, None, None, "99",
                            "77", "42"]
    assert bad.tolist() == [False, True, True, False, False, False, False, True, False,
                            False, False]
    assert reason == clean._id_reason("订单号") and "scientific notation" in reason
    # each value as the careful rules take it on its own
    for v, o, b in zip(s, out, bad):
        o1, b1, _ = clean._clean_id_careful(pd.Series([v], dtype=object))
        assert o1.iloc[0] == o and bool(b1.iloc[0]) == b


def test_clean_ts_plain_column_without_the_regex(monkeypatch):
    s = pd.Series(["2025-06-18 10:00:00", "", None, "2024-02-29 23:59:59"], dtype="str")

    def no_regex(*a, **k):
        raise AssertionError("the plain column took the regex")
    monkeypatch.setattr(clean, "_split", no_regex)
    out, bad, reason = clean.clean_ts(s)
    assert out.tolist()[0] == pd.Timestamp("2025-06-18 10:00:00")
    assert pd.isna(out.iloc[1]) and pd.isna(out.iloc[2])
    assert out.iloc[3] == pd.Timestamp("2024-02-29 23:59:59")
    assert str(out.dtype) == "datetime64[us]" and bad.tolist() == [False] * 4
    assert reason == "is not a date-time (e.g. 2025-06-18 10:00:00)"
    # anything else is the general path's: a T, a fraction, a day that does not exist,
    # a tab, a slash, a letter, other lengths
    for odd in ["2025-06-18T10:00:00", "2025-06-18 10:00:00.5", "2025-02-30 10:00:00",
                "\t2025-06-18 10:00", "2025/06/18 10:00:00", "2025-06-18 1a:00:00",
                "2025-06-18 10:00", "2025-06-18 10:00+0800"]:
        assert clean._clean_ts_plain(pd.Series(["2025-06-18 10:00:00", odd])) is None


def test_clean_ts_the_same_with_and_without_the_plain_path(monkeypatch):
    cols = [["2025-06-18 10:00:00", ""], ["2025-06-18 10:00:00", "2025-02-30 10:00:00"],
            ["2025-06-18 10:00:00", "2025-06-18T10:00:00", None], ["", ""],
            ["0000-01-01 00:00:00"], ["2025-06-18 10:00:00", "2025-06-18 10:00:00.5"]]
    got = [clean.clean_ts(pd.Series(c, dtype="str")) for c in cols]
    monkeypatch.setattr(clean, "_clean_ts_plain", lambda s: None)
    for c, (o, b, r) in zip(cols, got):
        o2, b2, r2 = clean.clean_ts(pd.Series(c, dtype="str"))
        assert o.equals(o2) and b.tolist() == b2.tolist() and r == r2


def test_split_region_re2_reads_unicode_spaces_as_python_does():
    s = pd.Series(["浙江省 杭州市 西湖区 文三路1号", "内蒙古自治区\u3000呼和浩特市", "广东\xa0深圳市",
                   "广东省\u2003东莞市", "河北省\t石家庄市", "浙江省 杭\u3000州市", "上海市浦东新区",
                   "湖北省 恩施土家族苗族自治州 恩施市", "浙江 杭州", "", None, "abc"], dtype=object)
    prov, city = clean._split_region(s)
    assert prov.tolist() == ["浙江", "内蒙古", "广东", "广东", "河北", "浙江", "上海", "湖北", "浙江",
                             None, None, None]
    assert city.tolist() == ["杭州", "呼和浩特", "深圳", "东莞", "石家庄", None, "上海",
                             "恩施土家族苗族", None, None, None, None]
    # the Python regex (pandas' extract) gives the same groups
    m = s.astype("string").fillna("").str.extract(clean._PROV)
    assert m["prov"].fillna("").tolist() == [p or "" for p in prov.tolist()[:9]] + ["", "", ""]


def test_strip_text_leaves_trimmed_text_as_it_is():
    import pyarrow as pa
    for vals, want in [(["A1", "B-2", None], ["A1", "B-2", None]),
                       ([" a", "b\t", "\u3000c", "d\u3000", "", None, "e f"],
                        ["a", "b", "c", "d", None, None, "e f"]),
                       (["~x!", "中", "\xa0y"], ["~x!", "中", "y"])]:
        assert schema._trimmed(pa.array(vals)) == (vals[0] == "A1")
        for arrow in (False, True):
            out, blank = schema.strip_text(pd.Series(vals, dtype="str"), arrow=arrow)
            assert [None if pd.isna(v) else v for v in out.tolist()] == want
            assert blank.tolist() == [w is None for w in want]
