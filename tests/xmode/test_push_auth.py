"""Pushes must be signed with the app's key and secret; the admin endpoint needs its token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from reconciler.platform.auth import AUTHORIZATION, Signer, x_aksk
from reconciler.session import SANDBOX_SECRET, sandbox_key
from reconciler.xmode.auth import AppKey, PushRefused, PushVerifier
from tests.xmode.conftest import TOKEN, X1, Running, callin

KEY = sandbox_key("hotline")
NOW = datetime(2026, 1, 31, 8, 0, 0, tzinfo=UTC)


def _headers(
    *,
    key: str = KEY,
    secret: str = SANDBOX_SECRET,
    nonce: str = "N1",
    created: str = "2026-01-31T08:00:00Z",
) -> dict[str, str]:
    return {"authorization": AUTHORIZATION, "x-aksk": x_aksk(key, secret, nonce, created)}


def _verifier() -> PushVerifier:
    return PushVerifier([AppKey("hotline", KEY, SANDBOX_SECRET)], clock=lambda: NOW)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "the push has no Authorization header"),
        (
            {"authorization": 'AKSK realm="XYZ",profile="UsernameToken",type="Appkey"'},
            'Authorization must be AKSK realm="SDP",profile="UsernameToken",type="Appkey"',
        ),
        (
            {"authorization": 'WSSE realm="SDP",profile="UsernameToken",type="Appkey"'},
            'Authorization must be AKSK realm="SDP",profile="UsernameToken",type="Appkey"',
        ),
        ({"authorization": AUTHORIZATION}, "the push has no X-AKSK header"),
        (
            {"authorization": AUTHORIZATION, "x-aksk": 'UsernameToken Username="a"'},
            "X-AKSK has no PasswordDigest",
        ),
        (
            {"authorization": AUTHORIZATION, "x-aksk": "Basic abc"},
            "X-AKSK must be UsernameToken Username=...,PasswordDigest=...",
        ),
        (
            _headers(key="someone-else"),
            "the push is signed with an app key this server does not serve",
        ),
        (
            _headers(secret="a-guessed-secret"),
            "invalid digest: the push is not signed with the app's secret",
        ),
        (
            _headers(created="2026-01-31T07:54:59Z"),
            "stale push: Created is more than 300 s away from this server's clock",
        ),
        (
            _headers(created="2026-01-31T08:05:01Z"),
            "stale push: Created is more than 300 s away from this server's clock",
        ),
        (
            _headers(created="2026-01-31 08:00:00"),
            "Created must be a UTC time like 2026-01-31T08:00:00Z",
        ),
        (_headers(nonce="bad-nonce!"), "the Nonce must be 1 to 128 letters and digits"),
    ],
)
def test_refusals(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(PushRefused) as refused:
        _verifier().verify(headers)
    assert refused.value.reason == reason
    assert SANDBOX_SECRET not in reason


def test_a_digest_with_one_flipped_character_is_forged() -> None:
    good = _headers()["x-aksk"]
    start = good.index('PasswordDigest="') + len('PasswordDigest="')
    verifier = _verifier()
    for i in range(44):
        flipped = (
            good[: start + i] + ("A" if good[start + i] != "A" else "B") + good[start + i + 1 :]
        )
        with pytest.raises(PushRefused):
            verifier.verify({"authorization": AUTHORIZATION, "x-aksk": flipped})


def test_a_nonce_is_accepted_once_and_forgotten_after_the_window() -> None:
    clock = [NOW]
    verifier = PushVerifier([AppKey("hotline", KEY, SANDBOX_SECRET)], clock=lambda: clock[0])
    assert verifier.verify(_headers()).app == "hotline"
    with pytest.raises(PushRefused, match="replayed push"):
        verifier.verify(_headers())
    clock[0] = NOW + timedelta(minutes=4, seconds=59)
    with pytest.raises(PushRefused, match="replayed push"):
        verifier.verify(_headers())
    clock[0] = NOW + timedelta(minutes=5, seconds=1)
    with pytest.raises(PushRefused, match="stale push"):  # and stale anyway
        verifier.verify(_headers())
    assert len(verifier._seen) <= 1


def test_spaces_after_commas_as_in_the_doc_template_are_accepted() -> None:
    header = _headers()["x-aksk"].replace('",', '", ')
    assert _verifier().verify({"authorization": AUTHORIZATION, "x-aksk": header}).app == "hotline"


def test_over_a_socket_every_bad_push_gets_401_and_no_answer(running: Running) -> None:
    event = callin("+8613800000001", X1)
    stale = Signer(KEY, SANDBOX_SECRET, clock=lambda: datetime.now(UTC) - timedelta(hours=8))
    forged = Signer(KEY, "not-the-secret")
    replay = Signer(KEY, SANDBOX_SECRET).headers()
    assert running.push(event, replay).status_code == 200
    for headers in [{}, stale.headers(), forged.headers(), replay]:
        response = running.push(event, headers)
        assert response.status_code == 401
        assert "operation" not in response.text
    assert running.push(event).status_code == 200


def test_the_admin_endpoint_needs_the_apps_token(running: Running) -> None:
    path = running.url + "/_privcall/xmode/apps/hotline/table"
    for auth in [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"]:
        headers = {} if auth is None else {"Authorization": auth}
        assert httpx.get(path, headers=headers).status_code == 401
        assert httpx.put(path, headers=headers, json={}).status_code == 401
    ok = httpx.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json()["version"] == 1
    assert httpx.get(running.url + "/_privcall/xmode/apps/other/table").status_code == 404
    assert httpx.get(running.url + "/_privcall/xmode/health").json() == {"status": "ok"}
    assert httpx.get(running.url + "/callstatus").status_code == 405
