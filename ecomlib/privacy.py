"""Personal data never enters the warehouse in clear.

A buyer identity (nickname, phone, platform buyer id) becomes a ``member_key``: the first
16 hex digits of HMAC-SHA256(salt, normalised identity). The same buyer gets the same key on
every platform where the identity matches (e.g. a phone number), so cross-platform members
can be counted without storing who they are. The salt is secret per installation: it comes
from ``ECOMLIB_SALT`` or a file ``.salt`` beside the warehouse, created on first use.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

KEY_HEX_DIGITS = 16


def load_salt(warehouse_path: str | os.PathLike | None = None) -> bytes:
    """The installation's salt: ``$ECOMLIB_SALT`` or ``<warehouse dir>/.salt`` (created)."""
    env = os.environ.get("ECOMLIB_SALT")
    if env:
        return env.encode("utf-8")
    folder = Path(warehouse_path).parent if warehouse_path else Path("data")
    f = folder / ".salt"
    if not f.exists():
        folder.mkdir(parents=True, exist_ok=True)
        f.write_text(secrets.token_hex(16), encoding="ascii")
        f.chmod(0o600)
    return f.read_text(encoding="ascii").strip().encode("utf-8")


def normalise_identity(value: str) -> str:
    """Lower-case, strip spaces and a leading +86 so formatting does not split one buyer."""
    v = "".join(str(value).split()).lower()
    if v.startswith("+86"):
        v = v[3:]
    return v


def member_key(identity: str, salt: bytes) -> str:
    """Salted hash of one buyer identity (16 hex digits)."""
    digest = hmac.new(salt, normalise_identity(identity).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:KEY_HEX_DIGITS]


def member_keys(identities: pd.Series, salt: bytes, arrow: bool = False) -> pd.Series:
    """Vector form of :func:`member_key`; empty identities stay empty (None).

    Hashes each distinct identity once (exports repeat buyers on every line). ``arrow``: the
    keys as pandas ``str`` (Arrow memory, empty = NaN) instead of Python objects.
    """
    s = identities.astype("string")
    codes, uniques = pd.factorize(s)  # missing -> -1
    inner, outer = _hmac_pads(salt)  # the salt's key schedule, done once

    def key(identity: str) -> str | None:  # = member_key(identity, salt); blank -> None
        v = "".join(identity.split()).lower()  # = normalise_identity
        if not v:
            return None
        if v.startswith("+86"):
            v = v[3:]
        h = inner.copy()
        h.update(v.encode("utf-8"))
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()[:KEY_HEX_DIGITS]
    keys = [key(u) for u in uniques]
    if arrow:
        import pyarrow as pa
        taken = pa.array(keys, type=pa.string()).take(pa.array(codes, mask=codes < 0))
        return pd.Series(pd.array(taken, dtype="str"), index=identities.index)
    out = np.array(keys + [None], dtype=object)[codes]  # code -1: the None at the end
    return pd.Series(out, index=identities.index, dtype=object)


_TRANS_5C = bytes(x ^ 0x5C for x in range(256))
_TRANS_36 = bytes(x ^ 0x36 for x in range(256))


def _hmac_pads(salt: bytes):
    """(inner, outer) SHA-256 states of HMAC-SHA256 keyed with ``salt`` (RFC 2104, as
    :mod:`hmac` builds them): HMAC(m) = outer.update(inner.update(m).digest())."""
    block = hashlib.sha256().block_size
    key = hashlib.sha256(salt).digest() if len(salt) > block else salt
    key = key.ljust(block, b"\0")
    return hashlib.sha256(key.translate(_TRANS_36)), hashlib.sha256(key.translate(_TRANS_5C))


def mask_key(key: str | None, keep: int = 6) -> str:
    """Shortened member key for display in reports (tables never show keys in full)."""
    if not key:
        return ""
    return key[:keep] + "…"
