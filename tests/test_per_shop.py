"""Many shops: ``ecom run --per-shop`` fans report runs out over the shops (every shop with
sales, or a list), each shop's runs under ``reports/shops/<shop>/``, ``--parallel`` at once,
and ``reports/index.html`` groups them by shop (beside the runs that are not per shop)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from ecomlib import cli, runner
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow
MINI = Path(__file__).parent / "data" / "mini"


def tiny_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(
        'warehouse: str = "data/warehouse.duckdb"  # warehouse path\n'
        'shops: list = []  # shops to include\n'
        'output_dir: str = ""  # run folder')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(
        "import pathlib\nfrom ecomlib.warehouse import Warehouse\n"
        "with Warehouse(warehouse, read_only=True) as wh:\n"
        "    n = wh.sql('SELECT COUNT(*) AS n FROM mart_shop_daily WHERE list_contains($s, "
        "shop_id)', {'s': shops}).n[0]\n"
        "pathlib.Path(output_dir, 'shops.txt').write_text(','.join(shops) + f':{n}')\n")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def wh_path(tmp_path_factory):
    d = tmp_path_factory.mktemp("wh")
    (d / "shops.csv").write_text("platform,shop_id,shop_name,currency,opened_on\n"
                                 "tmall,s1,天猫店,CNY,2024-01-01\njd,j1,京东店,CNY,2024-01-01\n"
                                 "pdd,p9,没有销售的店,CNY,2024-01-01\n", encoding="utf-8")
    with Warehouse(d / "wh.duckdb") as w:
        w.ingest([MINI, d / "shops.csv"], progress=False)
        w.build()
    return d / "wh.duckdb"


def test_shop_folders_are_plain_names():
    assert runner.shop_folder("tmall_flagship") == "tmall_flagship"
    assert runner.shop_folder("天猫旗舰店") == "天猫旗舰店"
    odd = runner.shop_folder("a/../b c")
    assert "/" not in odd and " " not in odd and not odd.startswith(".")
    assert odd != runner.shop_folder("a/../b_c")  # different shops, different folders
    assert runner.shop_folder("..") not in ("..", ".", "")


def test_per_shop_runs_every_shop_with_sales_grouped_in_the_index(tmp_path, wh_path, capsys):
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    out = tmp_path / "reports"
    # one run that is not per shop, beside them in the index
    assert cli.main(["--warehouse", str(wh_path), "run", str(nb), "--out", str(out)]) == 0
    assert cli.main(["--warehouse", str(wh_path), "run", str(nb), "--per-shop",
                     "--parallel", "2", "--out", str(out)]) == 0
    assert "1 report(s) x 2 shop(s), 2 at once" in capsys.readouterr().out
    for shop in ("j1", "s1"):  # p9 has no sales: no run
        runs = list((out / "shops" / shop / "tiny").glob("*/*/manifest.json"))
        assert len(runs) == 1, shop
        man = json.loads(runs[0].read_text(encoding="utf-8"))
        assert man["status"] == "ok" and man["parameters"]["shops"] == [shop]
        assert (runs[0].parent / "shops.txt").read_text().startswith(f"{shop}:")
        assert (out / "shops" / shop / "index.html").exists()
        assert (out / "shops" / shop / "tiny" / "latest.html").exists()
    assert not (out / "shops" / "p9").exists()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "按店铺 By shop (2)" in page
    sections = re.findall(r"<h3>店铺 Shop: ([^<]+)</h3>", page)
    assert sections == ["j1", "s1"]
    assert 'href="shops/j1/index.html"' in page and "shops/s1/tiny/" in page
    top = page.split("按店铺")[0]  # the run that is not per shop, in the top tables
    assert "tiny/" in top and "shops/" not in top


def test_per_shop_list_and_unknown_shops(tmp_path, wh_path, capsys):
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    out = tmp_path / "reports"
    assert cli.main(["--warehouse", str(wh_path), "run", str(nb), "--per-shop=s1",
                     "--out", str(out)]) == 0
    assert [p.name for p in (out / "shops").iterdir()] == ["s1"]
    assert cli.main(["--warehouse", str(wh_path), "run", str(nb), "--per-shop", "s1,nope",
                     "--out", str(out)]) == 2
    assert "nope not in the warehouse" in capsys.readouterr().err
