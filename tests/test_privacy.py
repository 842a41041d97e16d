"""Member keys: HMAC-SHA256(salt, normalised identity), first 16 hex digits."""
from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from ecomlib import privacy


def _expected(identity: bytes, salt: bytes = b"salt") -> str:
    return hmac.new(salt, identity, hashlib.sha256).hexdigest()[:16]


def test_member_keys_hash_each_identity_like_member_key():
    ids = pd.Series(["abc", " +86 138 0000 ", None, "", "ABC", "abc"], dtype=object)
    keys = privacy.member_keys(ids, b"salt")
    # normalised: lower case, no spaces, no leading +86; empty stays empty
    assert keys.tolist() == [_expected(b"abc"), _expected(b"1380000"), None, None,
                             _expected(b"abc"), _expected(b"abc")]
    assert privacy.member_key(" +86 138 0000 ", b"salt") == _expected(b"1380000")
    assert keys.iloc[0] == "5031dfb5b067c1d6"


def test_member_keys_with_a_salt_longer_than_a_hash_block():
    # HMAC hashes a key longer than SHA-256's 64-byte block first (RFC 2104)
    salt = b"s" * 65
    keys = privacy.member_keys(pd.Series(["abc", "  "], dtype="str"), salt)
    assert keys.tolist() == [_expected(b"abc", salt), None]
    assert keys.iloc[0] == privacy.member_key("abc", salt)


def test_member_keys_in_arrow_memory():
    keys = privacy.member_keys(pd.Series(["abc", None, " ", "ABC"], dtype="str"), b"salt",
                               arrow=True)
    assert keys.dtype == "str"
    assert [None if pd.isna(k) else k for k in keys] == [_expected(b"abc"), None, None,
                                                         _expected(b"abc")]


def test_member_keys_equal_hmac_at_every_salt_length_around_the_block():
    """member_keys keeps HMAC-SHA256's two keyed states and copies them per identity (not
    hmac.HMAC.copy): the same keys as the hmac module for salts of 1, 32, 63, 64, 65 and 200
    bytes and identities of 0-300 characters (multi-byte too)."""
    import hashlib
    import hmac
    ids = ["a", "买家小明", "x" * 55, "y" * 56, "z" * 64, "w" * 300, "13800000000"]
    for n in (1, 32, 63, 64, 65, 200):
        salt = bytes(range(256))[:n] if n <= 256 else b""
        keys = privacy.member_keys(pd.Series(ids, dtype=object), salt).tolist()
        want = [hmac.new(salt, i.encode("utf-8"), hashlib.sha256).hexdigest()[:16] for i in ids]
        assert keys == want, n
        assert keys == [privacy.member_key(i, salt) for i in ids]
