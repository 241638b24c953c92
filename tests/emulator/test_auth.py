"""AKSK authentication: every header problem gets its documented code and text."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from reconciler.emulator import Emulator
from tests.emulator.conftest import (
    AXB_PATH,
    AXYB_PATH,
    SECRETS,
    START,
    a_number,
    expect,
    make_config,
    ok,
)
from tests.emulator.signer import AUTHORIZATION, created_at, password_digest, x_aksk

GOOD_BODY = {"callerNum": a_number(1), "calleeNum": a_number(2)}


def send(emu: Emulator, headers: dict[str, str], path: str = AXB_PATH) -> httpx.Response:
    with httpx.Client(transport=emu.transport(), base_url="https://emulator.invalid") as client:
        return client.get(path, params={"relationNum": "+8675500020001"}, headers=headers)


def signed(emu: Emulator, app_key: str = "app-axb", **overrides: str) -> dict[str, str]:
    headers = {
        "Authorization": AUTHORIZATION,
        "X-AKSK": x_aksk(app_key, SECRETS[app_key], created_at(emu.clock.now())),
        "Content-Type": "application/json;charset=UTF-8",
    }
    headers.update(overrides)
    return headers


def token(**parts: str) -> str:
    return "UsernameToken " + ",".join(f'{k}="{v}"' for k, v in parts.items())


@pytest.mark.parametrize("sep", [",", ", "])
def test_both_separators_are_accepted(emu: Emulator, sep: str) -> None:
    created = created_at(emu.clock.now())
    headers = signed(emu, **{"X-AKSK": x_aksk("app-axb", "secret-axb", created, sep=sep)})
    ok(send(emu, headers))


def test_authorization_with_spaces_after_commas_is_accepted(emu: Emulator) -> None:
    authorization = 'AKSK realm="SDP", profile="UsernameToken", type="Appkey"'
    ok(send(emu, signed(emu, Authorization=authorization)))


AUTHORIZATION_CASES = [
    (None, "1023006", "Authorization not contained in the HTTP header."),
    (
        'AKSK profile="UsernameToken",type="Appkey"',
        "1023007",
        "realm not contained in Authorization.",
    ),
    ('AKSK realm="SDP",type="Appkey"', "1023008", "profile not contained in Authorization."),
    (
        'AKSK realm="XYZ",profile="UsernameToken",type="Appkey"',
        "1023009",
        "The value of realm in Authorization must be SDP.",
    ),
    (
        'AKSK realm="SDP",profile="Digest",type="Appkey"',
        "1023010",
        "The value of profile in Authorization must be UsernameToken.",
    ),
    (
        'AKSK realm="SDP",profile="UsernameToken",type="AppSecret"',
        "1023011",
        "The value of type in Authorization must be app_key.",
    ),
    (
        'AKSK realm="SDP",profile="UsernameToken"',
        "1023012",
        "type not contained in Authorization.",
    ),
]


@pytest.mark.parametrize(("value", "code", "desc"), AUTHORIZATION_CASES)
def test_authorization_header_problems(
    emu: Emulator, value: str | None, code: str, desc: str
) -> None:
    headers = signed(emu)
    if value is None:
        del headers["Authorization"]
    else:
        headers["Authorization"] = value
    expect(send(emu, headers), 400, code, desc)


def x_aksk_cases(created: str) -> list[tuple[str | None, str, str]]:
    digest = password_digest("secret-axb", "ABC123", created)
    return [
        (None, "1023033", "HTTP header not found X-AKSK field."),
        (
            f'Username="app-axb",PasswordDigest="{digest}",Nonce="ABC123",Created="{created}"',
            "1023038",
            "UsernameToken not contained in X-AKSK.",
        ),
        (
            token(PasswordDigest=digest, Nonce="ABC123", Created=created),
            "1023034",
            "UserName not contained in X-AKSK.",
        ),
        (
            token(Username="app-axb", PasswordDigest=digest, Created=created),
            "1023035",
            "Nonce not contained in X-AKSK.",
        ),
        (
            token(Username="app-axb", PasswordDigest=digest, Nonce="ABC-123!", Created=created),
            "1023035",
            "Nonce not contained in X-AKSK.",
        ),
        (
            token(Username="app-axb", PasswordDigest=digest, Nonce="ABC123"),
            "1023036",
            "Created not contained in X-AKSK.",
        ),
        (
            token(
                Username="app-axb",
                PasswordDigest=digest,
                Nonce="ABC123",
                Created="2026-01-01 00:00:00",
            ),
            "1023036",
            "Created not contained in X-AKSK.",
        ),
        (
            token(Username="app-axb", Nonce="ABC123", Created=created),
            "1023037",
            "PasswordDigest not contained in X-AKSK.",
        ),
    ]


def test_every_x_aksk_problem_has_its_code(emu: Emulator) -> None:
    for value, code, desc in x_aksk_cases(created_at(emu.clock.now())):
        headers = signed(emu)
        if value is None:
            del headers["X-AKSK"]
        else:
            headers["X-AKSK"] = value
        expect(send(emu, headers), 400, code, desc)


def test_wrong_secret_is_invalid_digest_401(emu: Emulator) -> None:
    created = created_at(emu.clock.now())
    headers = signed(emu, **{"X-AKSK": x_aksk("app-axb", "not-the-secret", created)})
    expect(send(emu, headers), 401, "1010010", "Invalid digest.")


def test_unknown_app_key_is_1010003(emu: Emulator) -> None:
    headers = signed(emu, **{"X-AKSK": x_aksk("app-nobody", "x", created_at(emu.clock.now()))})
    expect(send(emu, headers), 403, "1010003", "Invalid app_key.")


@pytest.mark.parametrize("skew", [-901, 901])
def test_created_outside_the_window_is_1010013(emu: Emulator, skew: int) -> None:
    created = created_at(emu.clock.now() + timedelta(seconds=skew))
    headers = signed(emu, **{"X-AKSK": x_aksk("app-axb", "secret-axb", created)})
    expect(send(emu, headers), 401, "1010013", "Time out limit.")


def test_created_at_the_window_edge_is_accepted(emu: Emulator) -> None:
    created = created_at(emu.clock.now() - timedelta(seconds=900))
    ok(send(emu, signed(emu, **{"X-AKSK": x_aksk("app-axb", "secret-axb", created)})))


def test_window_is_configurable() -> None:
    with Emulator(make_config(auth_window_seconds=60), now=START) as emu:
        created = created_at(emu.clock.now() - timedelta(seconds=61))
        headers = signed(emu, **{"X-AKSK": x_aksk("app-axb", "secret-axb", created)})
        expect(send(emu, headers), 401, "1010013", "Time out limit.")


def test_reused_nonce_is_refused_within_the_window(emu: Emulator) -> None:
    created = created_at(emu.clock.now())
    headers = signed(emu, **{"X-AKSK": x_aksk("app-axb", "secret-axb", created, nonce="N1")})
    ok(send(emu, headers))
    expect(send(emu, headers), 401, "1010010", "Invalid digest.")
    fresh = signed(emu, **{"X-AKSK": x_aksk("app-axb", "secret-axb", created, nonce="N2")})
    ok(send(emu, fresh))


def test_other_mode_api_is_1010040(emu: Emulator) -> None:
    headers = signed(emu, app_key="app-ax")
    expect(send(emu, headers), 403, "1010040", "The app_key is not allowed to invoke the API.")


def test_axyb_needs_the_app_key_url_parameter(emu: Emulator) -> None:
    headers = signed(emu, app_key="app-axyb")
    with httpx.Client(transport=emu.transport(), base_url="https://emulator.invalid") as client:
        missing = client.get(AXYB_PATH, params={"subscriptionId": "s"}, headers=headers)
        expect(missing, 403, "1010002", "Invalid request.app_key is mandatory.")
        headers = signed(emu, app_key="app-axyb")
        other = client.get(
            AXYB_PATH, params={"subscriptionId": "s", "app_key": "app-axb"}, headers=headers
        )
        expect(other, 403, "1010003", "Invalid app_key.")
