"""Test-wide settings: the user's config folder (member-key salt, app token) is a private
temporary folder, so the suite never reads or writes the real ~/.config/ecomlib."""
from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_config_dir():
    old = os.environ.get("XDG_CONFIG_HOME")
    with tempfile.TemporaryDirectory(prefix="ecom-test-config-") as d:
        os.environ["XDG_CONFIG_HOME"] = d
        yield d
    if old is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = old
