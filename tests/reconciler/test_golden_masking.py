"""Golden test: no output of any command or format, nor the journal, shows a real phone
number unless --unmask was given; nothing ever shows an app secret."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconciler.emulator import AppSpec, Emulator, EmulatorConfig, ErrorRule, Faults, NumberSpec
from reconciler.emulator.server import serve_in_thread
from reconciler.model import Mode
from reconciler.modes import AXBBinding
from reconciler.platform import AppClient
from tests.reconciler.repo import APPS, run, write_repo

SECRET = "S3cr3t-Value-9f8e7d6c5b4a"
KEY = "golden-app-key"

COURIERS = [
    {"key": "c1", "a": "+8613800000001", "area_code": "0755", "user_data": "ref+8613800000001"},
    {"a": "+8613800000002", "area_code": "0755"},
]
ORDERS = [
    {"key": "o1", "a": "+8613900000101", "b": "+8613700000201", "x": "+8675500020001"},
    {"a": "+8613900000102", "b": "+8613700000202", "area_code": "0755"},
]
STORES = [
    {
        "key": "s1",
        "a": "+8613600000301",
        "x": "+862160030001",
        "extension": "101",
        "callback_number": "+8613600000399",
    },
]
FOREIGN_A = "+8613900000777"
REAL = sorted(
    {FOREIGN_A, "+8613700000999"}
    | {
        b[f]
        for group in (COURIERS, ORDERS, STORES)
        for b in group
        for f in ("a", "b", "callback_number")
        if f in b
    }
)


def _leaks(text: str) -> list[str]:
    found = []
    for number in REAL:
        digits = number[1:]
        if digits in text or digits[2:] in text:
            found.append(number)
    return found


@pytest.fixture
def platform() -> Iterator[tuple[Emulator, str]]:
    """The orders app lives on an emulator over a real socket, reached with env credentials."""
    spec = AppSpec(
        app_key=KEY,
        app_secret=SECRET,
        mode="AXB",
        numbers=[NumberSpec(**n) for n in APPS["orders"]["numbers"]],
    )
    emu = Emulator(EmulatorConfig(apps=[spec]))
    with serve_in_thread(emu) as url:
        yield emu, url
    emu.close()


def _repo(tmp_path: Path, url: str) -> Path:
    apps = {
        "couriers": APPS["couriers"],
        "stores": APPS["stores"],
        "orders": {
            **APPS["orders"],
            "endpoint": url,
            "credentials": {"key_env": "GOLDEN_KEY", "secret_env": "GOLDEN_SECRET"},
        },
    }
    return write_repo(tmp_path, {"couriers": COURIERS, "orders": ORDERS, "stores": STORES}, apps)


def _outputs(root: Path, *extra: str) -> list[str]:
    """Every command in every format, with ``extra`` options."""
    texts = []
    for fmt in ("text", "markdown", "json"):
        texts.append(run("plan", "-C", str(root), "--format", fmt, *extra).output)
    result = run("apply", "-C", str(root), "--auto-approve", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    texts.append(result.output)
    # a second change so that apply's text and markdown results are exercised too
    for fmt in ("text", "markdown"):
        texts.append(
            run("apply", "-C", str(root), "--auto-approve", "--format", fmt, *extra).output
        )
    for fmt in ("text", "markdown", "json"):
        texts.append(run("drift", "-C", str(root), "--format", fmt, *extra).output)
    texts.append(run("import", "-C", str(root), *extra).output)
    return texts


def test_no_output_nor_journal_shows_a_real_number_or_the_secret(
    tmp_path: Path, platform: tuple[Emulator, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu, url = platform
    monkeypatch.setenv("GOLDEN_KEY", KEY)
    monkeypatch.setenv("GOLDEN_SECRET", SECRET)
    root = _repo(tmp_path, url)
    texts = _outputs(root)
    # a platform error inside an apply: another system holds A on that X (1012010); the
    # error message and the journal stay masked too
    foreign = AXBBinding(a=FOREIGN_A, b="+8613700000888", x="+8675500020002")

    async def bind_foreign() -> None:
        async with AppClient(Mode.AXB, url, KEY, SECRET, transport=emu.async_transport()) as client:
            await client.bind(foreign, now=datetime.now(UTC), user_data=None)

    asyncio.run(bind_foreign())
    orders = json.loads((root / "bindings" / "orders.yaml").read_text())
    orders["bindings"].append(
        {"key": "o3", "a": FOREIGN_A, "b": "+8613700000999", "x": "+8675500020002"}
    )
    (root / "bindings" / "orders.yaml").write_text(json.dumps(orders))
    refused = run("apply", "-C", str(root), "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "+86139****0777 on number +8675500020002 is taken by binding" in refused.output
    texts.append(refused.output)
    # ... and a platform error inside an apply (the platform refuses a bind outright)
    orders["bindings"][-1] = {
        "key": "o3",
        "a": FOREIGN_A,
        "b": "+8613700000999",
        "area_code": "010",
    }
    (root / "bindings" / "orders.yaml").write_text(json.dumps(orders))
    emu.faults = Faults(errors={"axb.bind": ErrorRule(rate=1.0, code="1012010")})
    failed = run("apply", "-C", str(root), "--auto-approve")
    assert failed.exit_code == 4, failed.output
    texts.append(failed.output)
    journal = "".join(p.read_text() for p in (root / ".privcall" / "journal").glob("*.jsonl"))
    texts.append(journal)
    everything = "\n".join(texts)
    assert "1012010" in journal  # the platform's refusal was really exercised
    assert _leaks(everything) == []
    assert SECRET not in everything
    assert KEY not in everything
    assert re.search(r"\+86138\*{4}0001", everything)


def test_unmask_shows_real_numbers_and_still_never_the_secret(
    tmp_path: Path, platform: tuple[Emulator, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = platform
    monkeypatch.setenv("GOLDEN_KEY", KEY)
    monkeypatch.setenv("GOLDEN_SECRET", SECRET)
    root = _repo(tmp_path, url)
    plan = run("plan", "-C", str(root), "--unmask").output
    declared = {n for n in REAL if n not in (FOREIGN_A, "+8613700000999")}
    assert set(_leaks(plan)) == declared
    assert SECRET not in plan
    assert os.environ["GOLDEN_SECRET"] == SECRET
