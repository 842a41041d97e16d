"""ecomlib.metrics._common: the input check and the ratio the metric modules share."""
import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics._common import check_columns, ratio


def test_check_columns_names_the_missing_ones():
    df = pd.DataFrame({"a": [1], "b": [2]})
    check_columns(df, ["a", "b"], "m.f")
    with pytest.raises(KeyError) as e:
        check_columns(df, ["a", "c", "d"], "m.f", "; see the loader")
    assert e.value.args[0] == "m.f: column(s) ['c', 'd'] missing; got ['a', 'b']; see the loader"


def test_ratio_is_float_and_nan_over_zero():
    r = ratio(pd.Series([1, 3, 5], index=[7, 8, 9]), pd.Series([2, 0, 4], index=[7, 8, 9]))
    assert r.dtype == "float64" and r.index.tolist() == [7, 8, 9]
    assert r[7] == 0.5 and np.isnan(r[8]) and r[9] == 1.25
    assert ratio(np.array([1, 2]), np.array([4, 0])).tolist()[0] == 0.25
    assert np.isnan(ratio([0], [0])[0])
