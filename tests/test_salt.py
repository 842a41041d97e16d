"""The member-key salt lives outside the data folder (config dir, 0600), the warehouse
records its fingerprint and refuses an ingest under another salt, an old ``data/.salt`` is
moved out once with every key kept, and ``ecom salt`` says where it is."""
from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from ecomlib import cli, privacy
from ecomlib.warehouse import LoadError, Warehouse

ORDERS = ("订单编号,买家会员名,买家实付金额,买家应付邮费,订单状态,订单创建时间,订单付款时间,收货地址\n"
          "1001,buyer_a,10.00,0.00,交易成功,2025-06-01 10:00:00,2025-06-01 10:01:00,"
          "浙江省 杭州市 西湖区 文三路1号\n")


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    d = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(d))
    monkeypatch.delenv("ECOMLIB_SALT", raising=False)
    monkeypatch.delenv("ECOMLIB_SALT_FILE", raising=False)
    return d


def _export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "taobao_orders.csv"
    f.write_text(ORDERS, encoding="utf-8")
    (folder / "ecom.yaml").write_text('shops: {"*.csv": tmall_a}\n', encoding="utf-8")
    return f


def _keys(path: Path) -> set:
    with Warehouse(path, read_only=True) as wh:
        return set(wh.sql("SELECT member_key FROM orders").member_key)


def test_salt_is_created_outside_the_data_folder_private(tmp_path, cfg):
    data = tmp_path / "data"
    with Warehouse(data / "wh.duckdb") as wh:
        wh.ingest([_export(tmp_path / "in")], progress=False)
        fp = wh.salt_fingerprint()
    f = cfg / "ecomlib" / "salt"
    assert f.exists() and not list(data.glob(".salt*"))
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(f.parent.stat().st_mode) == 0o700
    salt = f.read_text().strip().encode()
    assert len(salt) == 64 and fp == privacy.fingerprint(salt)
    # the fingerprint does not reveal the salt: it is not a prefix or hash of it alone
    assert fp not in salt.decode() and fp != privacy.fingerprint(b"")


def test_a_moved_warehouse_keeps_its_member_keys(tmp_path, cfg):
    with Warehouse(tmp_path / "a" / "wh.duckdb") as wh:
        wh.ingest([_export(tmp_path / "in")], progress=False)
    before = _keys(tmp_path / "a" / "wh.duckdb")
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # only data/ travels
    (tmp_path / "in" / "taobao_orders.csv").write_text(ORDERS.replace("1001", "1002"), encoding="utf-8")
    with Warehouse(tmp_path / "b" / "wh.duckdb") as wh:
        wh.ingest([tmp_path / "in"], progress=False)
    assert _keys(tmp_path / "b" / "wh.duckdb") == before  # same buyer, same key


def test_another_salt_is_refused_with_a_clear_message(tmp_path, cfg, monkeypatch):
    path = tmp_path / "data" / "wh.duckdb"
    with Warehouse(path) as wh:
        wh.ingest([_export(tmp_path / "in")], progress=False)
    monkeypatch.setenv("ECOMLIB_SALT", "something-else")
    (tmp_path / "in" / "taobao_orders.csv").write_text(ORDERS.replace("1001", "1003"), encoding="utf-8")
    with Warehouse(path) as wh:
        with pytest.raises(privacy.SaltError, match="made with another salt.*nothing was loaded"):
            wh.ingest([tmp_path / "in"], progress=False)
        assert wh.sql("SELECT COUNT(*) AS n FROM orders").n[0] == 1
    # the CLI says it in one line, exit code 2, and `ecom salt` flags the mismatch
    assert cli.main(["--warehouse", str(path), "ingest", str(tmp_path / "in")]) == 2
    assert cli.main(["--warehouse", str(path), "salt"]) == 1
    monkeypatch.delenv("ECOMLIB_SALT")
    assert cli.main(["--warehouse", str(path), "salt"]) == 0


def test_a_legacy_salt_beside_the_warehouse_moves_out_and_keys_stay(tmp_path, cfg):
    data = tmp_path / "data"
    data.mkdir()
    (data / ".salt").write_text("legacy-salt-value", encoding="ascii")
    with Warehouse(data / "wh.duckdb") as wh:
        wh.ingest([_export(tmp_path / "in")], progress=False)
    assert not (data / ".salt").exists()
    assert (cfg / "ecomlib" / "salt").read_text() == "legacy-salt-value"
    assert _keys(data / "wh.duckdb") == {privacy.member_key("buyer_a", b"legacy-salt-value")}


def test_ecom_salt_says_where_and_how_to_back_up(tmp_path, cfg, capsys):
    path = tmp_path / "data" / "wh.duckdb"
    assert cli.main(["--warehouse", str(path), "salt"]) == 0
    out = capsys.readouterr().out
    assert str(cfg / "ecomlib" / "salt") in out and "not created yet" in out
    with Warehouse(path) as wh:
        wh.ingest([_export(tmp_path / "in")], progress=False)
    assert cli.main(["--warehouse", str(path), "salt"]) == 0
    out = capsys.readouterr().out
    assert "fingerprint" in out and "made with this salt" in out and "back up" in out
    salt = (cfg / "ecomlib" / "salt").read_text()
    assert salt not in out  # never printed


def test_member_keys_use_the_standard_hmac():
    import hashlib
    import hmac

    import pandas as pd
    want = hmac.new(b"k", b"13800138000", hashlib.sha256).hexdigest()[:16]
    assert privacy.member_keys(pd.Series(["+86 138 0013 8000"]), b"k").iloc[0] == want


def test_a_legacy_salt_that_differs_from_the_one_in_use_is_not_silently_replaced(tmp_path, cfg):
    """Upgrading a warehouse made with data/.salt on a machine that already has a salt (of
    another warehouse): refused, since loading would re-key every buyer."""
    (cfg / "ecomlib").mkdir(parents=True)
    (cfg / "ecomlib" / "salt").write_text("the-other-warehouse-salt")
    data = tmp_path / "data"
    data.mkdir()
    with Warehouse(data / "wh.duckdb") as wh:  # an older version's warehouse: no fingerprint
        wh.con.execute("DELETE FROM meta WHERE key = 'salt_fingerprint'")
    (data / ".salt").write_text("legacy-salt-value")
    with Warehouse(data / "wh.duckdb") as wh:
        with pytest.raises(privacy.SaltError, match="made with the salt in"):
            wh.ingest([_export(tmp_path / "in")], progress=False)
    assert (data / ".salt").exists()
    # pointed at it, the legacy salt is used, recorded, and the copy in data/ removed
    import os
    os.environ["ECOMLIB_SALT_FILE"] = str(data / ".salt")
    try:
        with Warehouse(data / "wh.duckdb") as wh:
            wh.ingest([_export(tmp_path / "in")], progress=False)
            assert wh.salt_fingerprint() == privacy.fingerprint(b"legacy-salt-value")
        assert (data / ".salt").exists()  # the salt in use is never removed
        with Warehouse(data / "wh.duckdb") as wh:
            wh.ingest([_export(tmp_path / "in")], progress=False)
    finally:
        del os.environ["ECOMLIB_SALT_FILE"]
