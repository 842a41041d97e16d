"""What a load records for the next incremental build (build_dirty) and how the writer finds
duplicate keys: each order a file touched once, the same orders the loads' rows hold; the
duplicate rows pandas' ``duplicated(keep="last")`` finds."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ecomlib import warehouse as W
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data"
ORDER_TABLES = ("orders", "order_lines", "refunds")


@pytest.mark.parametrize("workers", [0, 2])
def test_each_order_a_file_touched_is_marked_once(tmp_path, monkeypatch, workers):
    """A file whose rows go to orders and order lines (JD, Douyin, PDD: headers from the
    lines) and files of one table each (Taobao): build_dirty holds each order of a file's
    loaded rows once, under one of the file's loads, and nothing else."""
    monkeypatch.setenv("ECOMLIB_SALT", "test-salt")
    data = tmp_path / "in"
    for sub in ("taobao", "jd", "pdd", "douyin"):
        shutil.copytree(DATA / sub, data / sub)
    files = sorted(p for p in data.rglob("*") if p.suffix in (".csv", ".xlsx"))
    several = 0
    for k, f in enumerate(files):  # each file alone: its rows are all the tables hold
        with Warehouse(tmp_path / f"wh{k}-{workers}.duckdb") as w:
            res = w.ingest([f, f], progress=False, errors="record", workers=workers,
                           context={"shop_id": "s1"})  # (loaded twice: two files' marks)
            ok = [r for r in res if r.status == "ok" and r.table in ORDER_TABLES]
            if not ok:
                continue
            con = w.con
            first = {r.load_id for r in ok[: len(ok) // 2]}
            second = {r.load_id for r in ok[len(ok) // 2:]}
            several += len({r.table for r in ok}) > 1
            marked = con.execute("SELECT platform, shop_id, order_id, load_id FROM build_dirty"
                                 ).fetchdf()
            rows = pd.concat([con.execute(f"SELECT platform, shop_id, order_id FROM {t}")
                              .fetchdf() for t in ORDER_TABLES], ignore_index=True)
            want = set(rows.itertuples(index=False, name=None))
            for loads in (first, second):
                mine = marked[marked["load_id"].isin(loads)]
                keys = list(mine[["platform", "shop_id", "order_id"]].itertuples(
                    index=False, name=None))
                assert len(keys) == len(set(keys)), f"{f.name}: an order marked twice"
                assert set(keys) == want, f.name
                assert mine["load_id"].nunique() == 1
            assert set(marked["load_id"]) <= first | second
    assert several  # (files of orders and lines together were among them)


def _str(values) -> pd.Series:
    return pd.Series(pd.array(values, dtype="str"))


def test_duplicated_is_pandas_duplicated():
    """Key columns hashed by Arrow once each (a column of one value not at all), and the
    pandas way for other columns: the same rows as ``DataFrame.duplicated(keep="last")``."""
    rng = np.random.default_rng(7)
    n = 500
    ids = [f"o{v}" for v in rng.integers(0, 120, n)]
    lines = [f"l{v}" for v in rng.integers(0, 3, n)]
    frames = {
        "one shop": pd.DataFrame({"platform": _str(["jd"] * n), "shop_id": _str(["s1"] * n),
                                  "order_id": _str(ids), "line_id": _str(lines)}),
        "two shops, nulls": pd.DataFrame({
            "platform": _str(["jd"] * n), "shop_id": _str(rng.choice(["s1", "s2"], n)),
            "order_id": _str([None if i % 17 == 0 else v for i, v in enumerate(ids)]),
            "line_id": _str(lines)}),
        "object text": pd.DataFrame({"platform": ["jd"] * n, "shop_id": ["s1"] * n,
                                     "order_id": pd.Series(ids, dtype=object),
                                     "line_id": _str(lines)}),
        "one key": pd.DataFrame({"platform": _str(["jd"] * 3), "shop_id": _str(["s1"] * 3),
                                 "order_id": _str(["9"] * 3), "line_id": _str(["1"] * 3)}),
        "one row": pd.DataFrame({"platform": _str(["jd"]), "shop_id": _str(["s1"]),
                                 "order_id": _str(["9"]), "line_id": _str(["1"])}),
    }
    for name, frame in frames.items():
        for key in (["platform", "shop_id", "order_id"], list(frame.columns)):
            want = frame.duplicated(subset=key, keep="last").to_numpy()
            got = W._duplicated(frame, key, {})
            assert got.dtype == bool and np.array_equal(got, want), (name, key)


def test_duplicated_renumbers_before_the_codes_overflow():
    """Four key columns of ~70k values each: their combined number would pass 2**62; the
    codes are renumbered on the way and the answer is pandas' still."""
    rng = np.random.default_rng(3)
    n = 70_000
    cols = {c: rng.permutation(n) for c in "abcd"}
    frame = pd.DataFrame({c: _str([f"{c}{v}" for v in vals]) for c, vals in cols.items()})
    frame = pd.concat([frame, frame.iloc[[5, 99, 60_000]]], ignore_index=True)
    want = frame.duplicated(keep="last").to_numpy()
    got = W._duplicated(frame, list("abcd"), {})
    assert want.sum() == 3 and np.array_equal(got, want)


def test_order_keys_are_the_distinct_keys():
    """One shop's keys from its order ids (hashed once), several shops' by their three
    columns; put together for a file: each key once."""
    a = pd.DataFrame({"platform": _str(["jd"] * 5), "shop_id": _str(["s1"] * 5),
                      "order_id": _str(["1", "2", "1", "3", "2"]), "line_id": _str(list("abcde"))})
    b = pd.DataFrame({"platform": _str(["jd", "jd", "pdd", "jd"]),
                      "shop_id": _str(["s1", "s2", "s1", "s1"]),
                      "order_id": _str(["1", "1", "1", "4"]),
                      "line_id": _str(["x"] * 4)})
    c = pd.DataFrame({"platform": ["jd", "jd"], "shop_id": ["s1", "s1"],  # (objects)
                      "order_id": ["5", "5"]})

    def keys(t: pa.Table) -> list:
        rows = list(zip(*(t[c].to_pylist() for c in ("platform", "shop_id", "order_id"))))
        assert len(rows) == len(set(rows))
        return sorted(rows)

    def want(*frames) -> list:
        f = pd.concat(frames)[["platform", "shop_id", "order_id"]].drop_duplicates()
        return sorted(f.itertuples(index=False, name=None))

    for f in (a, b, c):
        coded: dict = {}
        W._duplicated(f, ["platform", "shop_id", "order_id"], coded)
        assert keys(W._order_keys(f, coded)) == want(f)
        assert keys(W._order_keys(f, {})) == want(f)
    one = [W._order_keys(f, {}) for f in (a, a.iloc[::-1], c)]
    assert keys(W._distinct_keys(one)) == want(a, c)
    assert keys(W._distinct_keys([W._order_keys(f, {}) for f in (a, b, c)])) == want(a, b, c)
    assert keys(W._distinct_keys([W._order_keys(a, {})])) == want(a)


def test_writer_works_on_one_duckdb_thread_beside_its_workers(tmp_path, monkeypatch):
    """While worker processes map files, the writer's DuckDB runs on one thread (the cores
    are the workers'); the connection's own setting is back once the ingest ends."""
    monkeypatch.setenv("ECOMLIB_SALT", "test-salt")
    data = tmp_path / "in"
    for sub in ("jd", "douyin"):
        shutil.copytree(DATA / sub, data / sub)
    seen = []
    with Warehouse(tmp_path / "wh.duckdb") as w:
        w.con.execute("SET threads = 3")
        monkeypatch.setattr(W, "_test_pause_hook", lambda: seen.append(
            w.con.execute("SELECT current_setting('threads')").fetchall()[0][0]))
        w.ingest([data], progress=False, workers=2, context={"shop_id": "s1"})
        assert seen and set(seen) == {1}
        assert w.con.execute("SELECT current_setting('threads')").fetchall()[0][0] == 3
        seen.clear()
        w.ingest([data], progress=False, workers=0, context={"shop_id": "s1"})
        assert seen and set(seen) == {3}  # (no workers: the connection's own setting)
