"""`privcall drift` against the sandbox: changes made directly on the emulator (and in the
YAML) are classified, whole, in every format, masked unless --unmask."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler import drift, runner
from reconciler.cli import main
from reconciler.emulator import Emulator
from reconciler.loader import load_repository
from reconciler.modes import AXBBinding, AXBinding, Binding
from reconciler.platform import AppClient, Live
from reconciler.session import (
    SANDBOX_DB,
    SANDBOX_ENDPOINT,
    SANDBOX_SECRET,
    STATE_DIR,
    sandbox_config,
    sandbox_key,
)

REAL = re.compile(r"\+861[3-9]\d{9}")

CONFIG = """\
apps:
  couriers:
    mode: AX
    numbers:
      - {number: "+8675500010001", area_code: "0755"}
      - {number: "+8675500010002", area_code: "0755"}
      - {number: "+8675500010003", area_code: "0755"}
      - {number: "+8675500010004", area_code: "0755"}
  orders:
    mode: AXB
    numbers:
      - {number: "+8675500020001", area_code: "0755"}
      - {number: "+8675500020002", area_code: "0755"}
  pool:
    mode: AX
    ownership: owned
    numbers:
      - {number: "+8675500050001", area_code: "0755"}
      - {number: "+8675500050002", area_code: "0755"}
"""

COURIERS = """\
app: couriers
bindings:
  - {key: courier-zhang, a: "+8613800000001", x: "+8675500010001"}
  - {key: courier-li, a: "+8613800000002", x: "+8675500010002"}
  - {a: "+8613800000003", x: "+8675500010003"}
"""

ORDERS = """\
app: orders
bindings:
  - {key: order-1, a: "+8613900000101", b: "+8613700000201", x: "+8675500020001"}
  - key: order-soon
    a: "+8613900000102"
    b: "+8613700000202"
    x: "+8675500020001"
    expires: "{soon}"
"""

POOL = """\
app: pool
bindings:
  - {key: pool-1, a: "+8613500000001", x: "+8675500050001"}
"""


class Platform:
    """Changes made directly on the sandbox's emulator, between CLI runs."""

    def __init__(self, root: Path) -> None:
        self.repo = load_repository(root)
        self.state = root / STATE_DIR / SANDBOX_DB

    def emulator(self) -> Emulator:
        return Emulator(sandbox_config(self.repo, list(self.repo.config.apps)), state=self.state)

    def _run(self, app: str, call: Callable[[AppClient], Any]) -> Any:
        async def go() -> Any:
            with self.emulator() as emu:
                async with AppClient(
                    self.repo.config.apps[app].mode,
                    SANDBOX_ENDPOINT,
                    sandbox_key(app),
                    SANDBOX_SECRET,
                    transport=emu.async_transport(),
                ) as client:
                    return await call(client)

        return asyncio.run(go())

    def bind(self, app: str, binding: Binding, user_data: str | None = None) -> str:
        now = datetime.now(UTC)
        result = self._run(app, lambda c: c.bind(binding, now=now, user_data=user_data))
        return str(result.subscription_id)

    def find(self, app: str, a: str) -> Live:
        numbers = [n.number for n in self.repo.config.apps[app].numbers]

        async def read(client: AppClient) -> list[Live]:
            found = await client.list_many(numbers)
            return [b for n in numbers for b in found[n] if b.a == a]

        [live] = self._run(app, read)
        assert isinstance(live, Live)
        return live

    def modify(self, app: str, a: str, changes: dict[str, Any]) -> None:
        sub = self.find(app, a).subscription_id
        now = datetime.now(UTC)
        self._run(app, lambda c: c.modify(sub, changes, now=now))

    def unbind(self, app: str, a: str) -> None:
        sub = self.find(app, a).subscription_id
        self._run(app, lambda c: c.unbind(sub))

    def advance(self, seconds: float) -> None:
        """Let the platform's clock run on, so it expires what is due (kept in the state)."""
        with self.emulator() as emu:
            emu.clock.advance(seconds)
            emu.bindings()


def cli(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [args[0], "-C", str(root), *args[1:]])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "bindings").mkdir(parents=True)
    (root / "privcall.yaml").write_text(CONFIG, encoding="utf-8")
    soon = (datetime.now(UTC) + timedelta(minutes=10)).replace(microsecond=0).isoformat()
    files = {"couriers": COURIERS, "orders": ORDERS.replace("{soon}", soon), "pool": POOL}
    for name, text in files.items():
        (root / "bindings" / f"{name}.yaml").write_text(text, encoding="utf-8")
    applied = cli(root, "apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    return root


def _drifted(root: Path) -> None:
    """One difference of every kind, made on the emulator and in the YAML."""
    platform = Platform(root)
    platform.modify("orders", "+8613900000101", {"b": "+8613700000999"})  # out of band
    platform.unbind("couriers", "+8613800000001")  # deleted
    platform.advance(11 * 60)  # order-soon expires on the platform's clock
    platform.bind("couriers", AXBinding(a="+8613800000005", x="+8675500010004"), "crm=1")
    platform.bind("pool", AXBinding(a="+8613500000002", x="+8675500050002"))  # owned: foreign
    platform.bind(
        "orders", AXBBinding(a="+8613900000199", b="+8613700000299", x="+8675500020002")
    )  # marked: information
    couriers = root / "bindings" / "couriers.yaml"
    couriers.write_text(
        couriers.read_text(encoding="utf-8").replace(
            'x: "+8675500010002"}', 'x: "+8675500010002", call_direction: b_only}'
        )
        + '  - {key: courier-new, a: "+8613800000005", x: "+8675500010004"}\n',
        encoding="utf-8",
    )
    orders = root / "bindings" / "orders.yaml"
    orders.write_text(
        orders.read_text(encoding="utf-8")
        + '  - {key: order-new, a: "+8613900000103", b: "+8613700000203", '
        'x: "+8675500020002"}\n',
        encoding="utf-8",
    )


def _findings(document: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (app["app"], f["kind"], f["key"], f["source"])
        for app in document["apps"]
        for f in app["findings"]
    }


def test_no_drift_right_after_apply(repo: Path) -> None:
    result = cli(repo, "drift")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("No drift: the platform matches the YAML.\nSANDBOX: ")
    assert "Journal: 1 apply journal file(s) read." in result.output


def test_drift_classifies_every_kind_of_difference(repo: Path) -> None:
    _drifted(repo)
    result = cli(repo, "drift", "--format", "json")
    assert result.exit_code == 2, result.output
    document = json.loads(result.output)
    assert _findings(document) == {
        ("couriers", "deleted", "courier-zhang", "bind"),
        ("couriers", "new_foreign", "courier-new", "conflict"),
        ("couriers", "pending", "courier-li", "modify"),
        ("orders", "changed_out_of_band", "order-1", "modify"),
        ("orders", "expired_by_platform", "order-soon", "bind"),
        ("orders", "pending", "order-new", "bind"),
        ("pool", "new_foreign", "+86135****0002@+8675500050002", "unbind"),
    }
    assert document["summary"] == {
        "changed_out_of_band": 1,
        "expired_by_platform": 1,
        "deleted": 1,
        "new_foreign": 2,
        "pending": 2,
        "foreign_unmanaged": 1,
    }
    assert (document["format_version"], document["drift"], document["exit_code"]) == (1, True, 2)
    assert (document["masked"], document["sandbox"], document["journal_files"]) == (True, True, 1)
    [orders] = [app for app in document["apps"] if app["app"] == "orders"]
    [changed] = [f for f in orders["findings"] if f["kind"] == "changed_out_of_band"]
    assert changed["changes"] == [
        {
            "field": "b",
            "platform": "+86137****0999",
            "yaml": "+86137****0201",
            "reported": True,
            "out_of_band": True,
        }
    ]
    assert changed["detail"] == "changed on the platform, out of band: b"


def test_drift_text_and_markdown_say_the_same(repo: Path) -> None:
    _drifted(repo)
    text = cli(repo, "drift")
    assert text.exit_code == 2
    headline = (
        "Drift: 5 difference(s) between the platform and the YAML: 1 changed out of band, "
        "1 expired by the platform, 1 deleted, 2 new foreign binding."
    )
    lines = text.output.splitlines()
    assert lines[0] == lines[-1] == headline
    assert (
        "Pending: 2 change(s) in the YAML not applied yet (not drift; privcall plan shows them)."
        in lines
    )
    assert '        b: platform "+86137****0999", YAML "+86137****0201"' in lines
    markdown = cli(repo, "drift", "--format", "markdown")
    assert markdown.exit_code == 2
    md = markdown.output.splitlines()
    assert md[0] == f"## privcall drift: {headline}"
    assert "| `orders` (AXB) | 1 | 1 | 0 | 0 | 1 | 1 |" in md
    assert "### Expired by the platform (1)" in md


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_drift_masks_real_numbers_unless_unmask(repo: Path, fmt: str) -> None:
    _drifted(repo)
    masked = cli(repo, "drift", "--format", fmt)
    assert masked.exit_code == 2
    assert REAL.findall(masked.output) == []
    unmasked = cli(repo, "drift", "--format", fmt, "--unmask")
    assert "+8613700000999" in unmasked.output
    assert "+8613500000002" in unmasked.output


def test_without_a_journal_a_deleted_binding_is_pending(repo: Path) -> None:
    shutil.rmtree(repo / ".privcall" / "journal")
    Platform(repo).unbind("couriers", "+8613800000001")
    result = cli(repo, "drift", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert _findings(document) == {("couriers", "pending", "courier-zhang", "bind")}
    assert document["journal_files"] == 0
    text = cli(repo, "drift").output
    assert "Journal: none found under .privcall/journal: a declared binding that is gone" in text


def test_platform_lifetime_ended_a_binding_whose_yaml_expiry_moved_later(tmp_path: Path) -> None:
    """Library level, on the emulator's clock: bound for 80 days, the YAML then extended to
    150 days; 95 days on, the platform's lifetime (at most 90 days from the bind) is over."""
    root = tmp_path / "repo"
    (root / "bindings").mkdir(parents=True)
    (root / "privcall.yaml").write_text(CONFIG, encoding="utf-8")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    orders = root / "bindings" / "orders.yaml"

    def declare(days: int) -> None:
        orders.write_text(
            'app: orders\nbindings:\n  - key: order-long\n    a: "+8613900000101"\n'
            f'    b: "+8613700000201"\n    x: "+8675500020001"\n'
            f'    expires: "{(start + timedelta(days=days)).isoformat()}"\n',
            encoding="utf-8",
        )

    declare(80)
    repo = load_repository(root)
    with Emulator(sandbox_config(repo, ["orders"]), now=start) as emu:
        options = runner.RunOptions(
            apps=("orders",),
            sandbox=emu,
            now=emu.clock.now,
            client_options={"clock": emu.clock.now},  # signatures on the platform's clock
        )
        _, result = asyncio.run(
            runner.apply(repo, options, runner.ApplyRequest(), confirm=lambda plan: True)
        )
        assert result is not None and result.exit_code == 0
        declare(150)
        emu.clock.advance(timedelta(days=95).total_seconds())
        report = asyncio.run(drift.check(load_repository(root), options))
    [finding] = report.findings
    assert (finding.kind, finding.key, report.exit_code) == ("expired_by_platform", "order-long", 2)
    assert finding.detail == (
        "gone; privcall last bound or modified it at 2026-03-01T00:00:00+00:00, and the "
        "platform keeps a AXB binding at most 90 days from then"
    )
