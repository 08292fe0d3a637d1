from __future__ import annotations

import pytest

from opal_tools.auth import BearerAuth


class TokenStore:
    def __init__(self, token: str) -> None:
        self.current = token
        self.cached = token
        self.forced_reads = 0

    def load(self, force: bool) -> str:
        if force:
            self.forced_reads += 1
            self.cached = self.current
        return self.cached


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic s3cret-token",
        "s3cret-token",
        "Bearer S3CRET-TOKEN",
        "Bearer s3cret-toke",
        "Bearer s3cret-token-and-more",
        "Token s3cret-token",
    ],
)
def test_rejects_anything_but_the_exact_token(header: str | None) -> None:
    assert not BearerAuth(TokenStore("s3cret-token").load).is_authorized(header)


@pytest.mark.parametrize("header", ["Bearer s3cret-token", "bearer s3cret-token", "  Bearer   s3cret-token  "])
def test_accepts_the_token(header: str) -> None:
    assert BearerAuth(TokenStore("s3cret-token").load).is_authorized(header)


def test_rotation_is_picked_up_with_one_forced_read() -> None:
    store = TokenStore("old-token")
    auth = BearerAuth(store.load)
    assert auth.is_authorized("Bearer old-token")
    store.current = "new-token"  # rotated in Secrets Manager; the cache still holds the old one
    assert auth.is_authorized("Bearer new-token")
    assert store.forced_reads == 1
    assert not auth.is_authorized("Bearer old-token")


def test_forced_reads_are_spaced_so_bad_tokens_cannot_hammer_the_secret() -> None:
    now = [1000.0]
    store = TokenStore("good")
    auth = BearerAuth(store.load, refetch_interval_s=30, clock=lambda: now[0])
    for _ in range(50):
        assert not auth.is_authorized("Bearer bad")
    assert store.forced_reads == 1
    now[0] += 31
    assert not auth.is_authorized("Bearer bad")
    assert store.forced_reads == 2


def test_empty_expected_token_never_matches() -> None:
    assert not BearerAuth(TokenStore("").load).is_authorized("Bearer ")
    assert not BearerAuth(TokenStore("").load).is_authorized("Bearer x")
