"""Personal data never enters the warehouse in clear.

A buyer identity (nickname, phone, platform buyer id) becomes a ``member_key``: the first
16 hex digits of HMAC-SHA256(salt, normalised identity), computed with the standard
library's :mod:`hmac`. The same buyer gets the same key on every platform where the identity
matches (e.g. a phone number), so cross-platform members can be counted without storing who
they are.

The salt is the installation's secret. It lives **outside the data folder** (whoever copies
``data/`` must not get it: with the salt, every mobile number can be tried in a few core-hours):
``$ECOMLIB_SALT`` (the value itself), else the file ``$ECOMLIB_SALT_FILE``, else
``<config dir>/ecomlib/salt`` (``$XDG_CONFIG_HOME`` or ``~/.config``; folder 0700, file 0600),
created on first use. A salt left by an older version beside the warehouse (``data/.salt``)
is moved there once. The warehouse records the salt's :func:`fingerprint` and refuses an
ingest under another salt (which would silently re-key every buyer, so returning buyers
would count twice). ``ecom salt`` says where the salt is and how to back it up.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

KEY_HEX_DIGITS = 16
SALT_FILE_NAME = "salt"
LEGACY_SALT_NAME = ".salt"  # beside the warehouse, before the salt moved out of data/


class SaltError(ValueError):
    """A salt that does not match the warehouse's, or a salt file that cannot be used."""


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/ecomlib`` or ``~/.config/ecomlib``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ecomlib"


def salt_location(warehouse_path: str | os.PathLike | None = None) -> tuple[str, Path | None]:
    """Where the salt comes from: ``("env", None)`` for ``$ECOMLIB_SALT``, else
    ``("file", path)`` (``$ECOMLIB_SALT_FILE`` or the config dir's ``salt``)."""
    if os.environ.get("ECOMLIB_SALT"):
        return "env", None
    f = os.environ.get("ECOMLIB_SALT_FILE")
    return "file", Path(f) if f else config_dir() / SALT_FILE_NAME


def _write_private(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600 (its folder 0700), failing if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def load_salt(warehouse_path: str | os.PathLike | None = None, create: bool = True) -> bytes:
    """The installation's salt (see the module docstring for where it lives).

    ``warehouse_path``: only to find a legacy ``.salt`` beside the warehouse and move it
    out of the data folder (once, keeping every member key as it was). ``create``: make a
    new random salt when there is none (else :class:`SaltError`).
    """
    kind, f = salt_location(warehouse_path)
    if kind == "env":
        return os.environ["ECOMLIB_SALT"].encode("utf-8")
    assert f is not None
    legacy = (Path(warehouse_path).parent if warehouse_path else Path("data")) / LEGACY_SALT_NAME
    if not f.exists() and legacy.exists():
        try:
            _write_private(f, legacy.read_text(encoding="ascii").strip())
        except FileExistsError:
            pass
        legacy.unlink()
        import sys
        print(f"ecomlib: the member-key salt moved out of the data folder: {legacy} -> {f} "
              "(back it up; see `ecom salt`)", file=sys.stderr)
    if not f.exists():
        if not create:
            raise SaltError(f"no salt at {f}; set ECOMLIB_SALT or ECOMLIB_SALT_FILE, or restore "
                            "the backup of your salt file there")
        try:
            _write_private(f, secrets.token_hex(32))
        except FileExistsError:  # another process created it first
            pass
    if f.stat().st_mode & 0o077:
        f.chmod(0o600)
    value = f.read_text(encoding="ascii").strip()
    if not value:
        raise SaltError(f"the salt file {f} is empty; restore it from its backup")
    return value.encode("utf-8")


def fingerprint(salt: bytes) -> str:
    """A public mark of a salt: HMAC-SHA256(salt, "ecomlib salt fingerprint v1"), 16 hex
    digits. It tells two salts apart without revealing either (stored in the warehouse)."""
    return hmac.new(salt, b"ecomlib salt fingerprint v1", hashlib.sha256).hexdigest()[:16]


#: zero-width characters (space, non-joiner, joiner, word joiner, BOM): invisible, so they
#: never make two identities differ
_ZERO_WIDTH = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")


def normalise_identity(value: str) -> str:
    """Lower-case, strip spaces, zero-width characters and a leading +86 so formatting does
    not split one buyer."""
    v = "".join(str(value).translate(_ZERO_WIDTH).split()).lower()
    if v.startswith("+86"):
        v = v[3:]
    return v


def _hmac_states(salt: bytes) -> tuple:
    """HMAC-SHA256's two keyed hash states for ``salt`` (RFC 2104: the key, hashed first when
    longer than SHA-256's 64-byte block, zero-padded to it, XOR 0x36 for the inner hash and
    0x5c for the outer): HMAC(salt, m) = outer.copy().update(inner.copy().update(m).digest()).
    Copying these two C objects per identity is about twice as fast as ``hmac.HMAC.copy``
    (its Python wrapper), with the same digest (tests compare with :func:`member_key`)."""
    key = hashlib.sha256(salt).digest() if len(salt) > 64 else salt
    key = key.ljust(64, b"\0")
    return (hashlib.sha256(bytes(b ^ 0x36 for b in key)),
            hashlib.sha256(bytes(b ^ 0x5C for b in key)))


def member_key(identity: str, salt: bytes) -> str:
    """Salted hash of one buyer identity (16 hex digits)."""
    digest = hmac.new(salt, normalise_identity(identity).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:KEY_HEX_DIGITS]


def member_keys(identities: pd.Series, salt: bytes, arrow: bool = False,
                memo: dict | None = None) -> pd.Series:
    """Vector form of :func:`member_key`; empty identities stay empty (None).

    Hashes each distinct identity once (exports repeat buyers on every line). ``arrow``: the
    keys as pandas ``str`` (Arrow memory, empty = NaN) instead of Python objects. ``memo``:
    identity -> key of earlier calls with the same salt (filled here), so that a buyer
    seen in an earlier chunk of the same export is not hashed again (a long export is
    mapped 100k rows at a time, and its buyers come back in later chunks: half the
    hashing at 5M order lines).
    """
    s = identities.astype("string")
    codes, uniques = pd.factorize(s)  # missing -> -1
    inner, outer = _hmac_states(salt)  # the salt's key schedule, done once

    def key(identity: str) -> str | None:  # = member_key(identity, salt); blank -> None
        if not identity.isascii():
            identity = identity.translate(_ZERO_WIDTH)
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
    if memo is None:
        keys = [key(u) for u in uniques]
    else:
        keys = [memo[u] if u in memo else memo.setdefault(u, key(u))
                for u in uniques.to_numpy(dtype=object)]
    if arrow:
        import pyarrow as pa
        taken = pa.array(keys, type=pa.string()).take(pa.array(codes, mask=codes < 0))
        return pd.Series(pd.array(taken, dtype="str"), index=identities.index)
    out = np.array(keys + [None], dtype=object)[codes]  # code -1: the None at the end
    return pd.Series(out, index=identities.index, dtype=object)


def mask_key(key: str | None, keep: int = 6) -> str:
    """Shortened member key for display in reports (tables never show keys in full)."""
    if not key:
        return ""
    return key[:keep] + "…"


# -- rule-based redaction of free text -------------------------------------------------------
# What a person types into a wrong column or a free-text field: numbers and places that
# identify somebody. Applied to every text the warehouse keeps about a rejected row (the
# quarantine's cells and reasons) and to load-log messages, as a second line of defence
# behind "personal columns are never kept".
_REDACTIONS = [
    # e-mail addresses
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[邮箱已删除 e-mail removed]"),
    # resident ID numbers: region, birth date, sequence, check character (tested below)
    (re.compile(r"(?<![\dA-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                r"(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"), "ID"),
    # mobile numbers: 1[3-9]x xxxx xxxx, with +86/0086 and spaces or dashes
    (re.compile(r"(?<!\d)(?:\+?86[\s-]?|0086[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"),
     "[电话已删除 phone removed]"),
    # landlines: 0xx(x)-xxxxxxx(x), with optional extension
    (re.compile(r"(?<!\d)0\d{2,3}[\s-]\d{7,8}(?:[\s-]\d{1,6})?(?!\d)"), "[电话已删除 phone removed]"),
    # street addresses: a place followed by a road/house/room number
    (re.compile(r"[\u4e00-\u9fff\w]{0,30}?(?:路|街|道|巷|弄|胡同|大道|小区|村|镇|乡|里|苑|园|大厦|广场)"
                r"[\w\-－#（）()]{0,20}?\d+[\w\-－#]*(?:号|栋|幢|楼|室|单元|座|层|户)"
                r"[\w\-－#]*"), "[地址已删除 address removed]"),
]


def redact(text: str | None) -> str | None:
    """``text`` with e-mail addresses, ID numbers, phone numbers and street addresses
    replaced by a marker (rules above; names cannot be told by rule, which is why personal
    columns are dropped whole before any text is kept)."""
    if text is None or not isinstance(text, str) or not text:
        return text
    for pattern, marker in _REDACTIONS:
        if marker == "ID":  # only a number whose check character is right (ISO 7064 mod 11-2)
            text = pattern.sub(lambda m: "[证件号已删除 ID removed]" if _id_check_ok(m.group())
                               else m.group(), text)
        else:
            text = pattern.sub(marker, text)
    return text


def _id_check_ok(number: str) -> bool:
    """The check character of an 18-character resident ID number is right."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights))
    return "10X98765432"[total % 11] == number[17].upper()
