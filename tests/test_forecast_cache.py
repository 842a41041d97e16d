"""The stored forecast evaluation (ecomlib.models.forecast_cache): read back only for the
same inputs, and then the same tables, figures and forecasts as a fresh evaluation."""
from __future__ import annotations

import json

import numpy as np

import pandas as pd
import pytest

from ecomlib.models import forecast_cache as FC
from ecomlib.models import forecast_select as FS

from test_forecast_select import _panel

KW = dict(horizons=4, candidates=("snaive", "ma13", "tsb", "gbm"), min_segment_rows=50)


def _same(a: FS.Evaluation, b: FS.Evaluation) -> None:
    for name in FC.TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert json.dumps(a.summary, sort_keys=True) == json.dumps(b.summary, sort_keys=True)
    assert a.origins == b.origins and a.gbm_kw == b.gbm_kw
    assert a.gbm.origin_ == b.gbm.origin_


def _entries(folder) -> list:
    return sorted(p.name for p in (folder / FC.SUBDIR).iterdir() if not p.name.startswith("."))


def test_a_stored_evaluation_is_the_fresh_one_and_forecasts_the_same(tmp_path, monkeypatch):
    p = _panel()
    fresh = FS.evaluate(p, **KW)
    first = FC.evaluate(p, folder=tmp_path, **KW)
    _same(fresh, first)
    assert len(_entries(tmp_path)) == 1
    # the second run reads the stored result: the backtest does not run again
    calls = []
    real = FS.evaluate
    monkeypatch.setattr(FS, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = FC.evaluate(p, folder=tmp_path, **KW)
    assert calls == []
    _same(fresh, again)
    # the pooled model made again at the same origin: the very same forecasts and bands
    pd.testing.assert_frame_equal(FS.forecast_chosen(p, fresh, horizons=4),
                                  FS.forecast_chosen(p, again, horizons=4), check_exact=True)


def test_any_changed_input_is_evaluated_again(tmp_path, monkeypatch):
    p = _panel()
    FC.evaluate(p, folder=tmp_path, **KW)
    calls = []
    real = FS.evaluate
    monkeypatch.setattr(FS, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    one_more = p.copy()
    one_more.loc[17, "units"] += 1          # one unit of one SKU in one week
    ev = FC.evaluate(one_more, folder=tmp_path, **KW)
    assert calls == [1]
    pd.testing.assert_frame_equal(ev.rows, real(one_more, **KW).rows)
    FC.evaluate(p, folder=tmp_path, **dict(KW, min_segment_rows=60))   # another parameter
    shops = pd.DataFrame({"sku": ["S00"], "shop_id": ["a"], "week_start": [p["week_start"][0]],
                          "units": [1]})
    FC.evaluate(p, folder=tmp_path, shop_weekly=shops, **KW)             # another frame
    assert calls == [1, 1, 1]
    assert len(_entries(tmp_path)) == 4
    FC.evaluate(p, folder=tmp_path, **KW)                                # the first again
    assert calls == [1, 1, 1]


def test_keys_follow_values_not_identity():
    p = _panel()
    assert FC.key(p, None, **KW) == FC.key(p.copy(), None, **KW)
    q = p.copy()
    q["category"] = q["category"].where(q.index != 5, "c9")
    assert FC.key(q, None, **KW) != FC.key(p, None, **KW)
    assert FC.key(p, None, **KW) != FC.key(p, None, **dict(KW, horizons=5))


def test_damaged_entries_are_replaced_and_old_ones_pruned(tmp_path, caplog):
    p = _panel()
    FC.evaluate(p, folder=tmp_path, **KW)
    (entry,) = _entries(tmp_path)
    rows = tmp_path / FC.SUBDIR / entry / "rows.parquet"
    rows.write_bytes(rows.read_bytes()[:100])          # cut off
    ev = FC.evaluate(p, folder=tmp_path, **KW)
    assert "could not be read" in caplog.text
    _same(FS.evaluate(p, **KW), ev)
    pd.read_parquet(rows)                               # written again, whole
    for n in range(3):                                  # keep=2: the two newest stay
        FC.evaluate(p.assign(units=p["units"] + n), folder=tmp_path, keep=2, **KW)
    assert len(_entries(tmp_path)) == 2


def test_an_unwritable_folder_runs_uncached(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    ev = FC.evaluate(_panel(), folder=blocked, **KW)
    assert len(ev.rows) and ev.summary["wape_chosen_rate"] == pytest.approx(
        FS.evaluate(_panel(), **KW).summary["wape_chosen_rate"])


def test_folder_for_sits_beside_the_warehouse(tmp_path):
    assert FC.folder_for(tmp_path / "w.duckdb") == tmp_path.resolve() / ".ecomlib-cache"


def test_the_stored_pooled_model_gives_its_last_week_forecast_only(tmp_path):
    p = _panel()
    fresh = FS.evaluate(p, **KW)
    FC.evaluate(p, folder=tmp_path, **KW)
    stored = FC.evaluate(p, folder=tmp_path, **KW).gbm
    assert isinstance(stored, FC.StoredForecast)
    last = len(stored.A.weeks) - 1
    np.testing.assert_array_equal(stored.predict(last, 4), fresh.gbm.predict(last, 4))
    np.testing.assert_array_equal(stored.mean_, fresh.gbm.mean_)
    for o, h in ((last - 1, 4), (last, 3)):
        with pytest.raises(ValueError, match="only the forecast from the last week"):
            stored.predict(o, h)


def test_a_calendar_or_shop_query_over_other_days_reads_the_same_entry(tmp_path, monkeypatch):
    """The inventory report asks for the calendar and the shop totals from its history start
    to past the horizon: both move with every run. Only the days the evaluation reads (the
    panel's weeks, then the horizon's) name the entry."""
    from ecomlib import calendar_dim
    p = _panel()
    weeks = pd.to_datetime(p["week_start"])
    first, last = weeks.min(), weeks.max()
    cal = calendar_dim.frame(first - pd.Timedelta(days=30), last + pd.Timedelta(weeks=12))
    shops = (p.groupby("week_start", as_index=False)["units"].sum()
             .assign(sku="S00", shop_id="a"))
    FC.evaluate(p, cal, folder=tmp_path, shop_weekly=shops, **KW)
    calls = []
    real = FS.evaluate
    monkeypatch.setattr(FS, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    day = pd.to_datetime(cal["day"])
    wider = calendar_dim.frame(first - pd.Timedelta(days=3), last + pd.Timedelta(weeks=9))
    later = pd.concat([shops, shops.tail(1).assign(week_start=last + pd.Timedelta(weeks=1))])
    ev = FC.evaluate(p, wider, folder=tmp_path, shop_weekly=later, **KW)
    assert calls == []
    _same(real(p, cal, shop_weekly=shops, **KW), ev)
    # a changed day inside the horizon is another entry
    moved = cal.copy()
    moved.loc[day == last + pd.Timedelta(weeks=2), "campaign"] = "店庆"
    FC.evaluate(p, moved, folder=tmp_path, shop_weekly=shops, **KW)
    assert calls == [1]
    # what the evaluation reads: the panel's weeks' days and those of the 4 horizon weeks
    assert len(FC.read_inputs(p, cal, **KW)[0]) == (last - first).days + 7 * (4 + 1)


def test_reading_a_stored_evaluation_imports_neither_sklearn_nor_scipy_stats(tmp_path):
    """A morning that reads the kept evaluation pays for neither scikit-learn's import (its
    version in the key comes from the installed metadata) nor scipy.stats' (the safety
    stock's z from scipy.special.ndtri): together ~1.5-3 CPU-s of the inventory report."""
    import subprocess
    import sys
    p = _panel()
    p.to_parquet(tmp_path / "panel.parquet")
    FC.evaluate(p, folder=tmp_path, **KW)
    code = f"""
import sys
import pandas as pd
from ecomlib.models import forecast_cache as FC, forecast_select as FS
p = pd.read_parquet({str(tmp_path / "panel.parquet")!r})
calls = []
FS.evaluate = lambda *a, **k: calls.append(1)
ev = FC.evaluate(p, folder={str(tmp_path)!r}, **{KW!r})
fc = FS.forecast_chosen(p, ev, horizons=4)
assert calls == [] and len(FS.sigma_daily(fc)) == p["sku"].nunique()
print(sorted(m for m in ("sklearn", "scipy.stats") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_sigma_daily_reads_the_band_with_the_normal_quantile():
    # by hand: a 95 % band 0..39.2 units wide in both weeks: sigma_week = 39.2 / (2 x 1.959964)
    # = 10.00018 units, sigma_daily = 10.00018 / sqrt(7) = 3.779714
    fc = pd.DataFrame({"sku": ["A", "A", "A"], "h": [1, 2, 3],
                       "lower_95_units": [0.0, 0.0, 0.0], "upper_95_units": [39.2, 39.2, 99.0]})
    assert FS.sigma_daily(fc)["A"] == pytest.approx(39.2 / (2 * 1.959963984540054) / 7 ** 0.5,
                                                    rel=1e-12)
    assert FS.sigma_daily(fc)["A"] == pytest.approx(3.779714, abs=1e-6)
