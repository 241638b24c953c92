"""`privcall import` against the sandbox: foreign bindings made directly on the emulator
become YAML that loads, and `apply --adopt` then manages them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result
from ruamel.yaml import YAML

from reconciler import marker as mk
from reconciler.cli import main
from reconciler.emulator import Emulator
from reconciler.loader import load_repository
from reconciler.modes import AXBBinding, AXBinding, AXEBinding, Binding
from reconciler.platform import AppClient, Live
from reconciler.session import (
    SANDBOX_DB,
    SANDBOX_ENDPOINT,
    SANDBOX_SECRET,
    STATE_DIR,
    sandbox_config,
    sandbox_key,
)

T = TypeVar("T")

CONFIG = """\
apps:
  couriers:
    mode: AX
    numbers:
      - {number: "+8675500010001", area_code: "0755"}
      - {number: "+8675500010002", area_code: "0755"}
      - {number: "+8675500010003", area_code: "0755"}
  orders:
    mode: AXB
    numbers:
      - {number: "+8675500020001", area_code: "0755"}
      - {number: "+8675500020002", area_code: "0755"}
  stores:
    mode: AXE
    extension_digits: 3
    numbers:
      - {number: "+862160030001", area_code: "021"}
"""

DECLARED = {
    "couriers.yaml": """\
app: couriers
bindings:
  - {key: courier-zhang, a: "+8613800000001", x: "+8675500010001"}
""",
    "orders.yaml": """\
app: orders
bindings:
  - {key: order-1, a: "+8613900000101", b: "+8613700000201", x: "+8675500020001"}
""",
    "stores.yaml": """\
app: stores
bindings:
  - {key: store-a, a: "+8613600000301", x: "+862160030001", extension: "101"}
""",
}

REAL = re.compile(r"\+861[3-9]\d{9}")


def make_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "bindings").mkdir(parents=True)
    (root / "privcall.yaml").write_text(CONFIG, encoding="utf-8")
    for name, text in DECLARED.items():
        (root / "bindings" / name).write_text(text, encoding="utf-8")
    return root


def cli(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [args[0], "-C", str(root), *args[1:]])


class Platform:
    """Changes made directly on the sandbox's emulator, between CLI runs."""

    def __init__(self, root: Path) -> None:
        self.repo = load_repository(root)
        self.state = root / STATE_DIR / SANDBOX_DB

    def _run(self, app: str, call: Callable[[AppClient], Any]) -> Any:
        async def go() -> Any:
            with Emulator(sandbox_config(self.repo, [app]), state=self.state) as emu:
                mode = self.repo.config.apps[app].mode
                async with AppClient(
                    mode,
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

    def live(self, app: str) -> list[Live]:
        numbers = [n.number for n in self.repo.config.apps[app].numbers]

        async def read(client: AppClient) -> list[Live]:
            found = await client.list_many(numbers)
            return [b for n in numbers for b in found[n]]

        result: list[Live] = self._run(app, read)
        return result


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path)
    applied = cli(root, "apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    return root


def _foreign(root: Path) -> dict[str, str]:
    """One foreign binding per app, plus one that matches a declared binding (a conflict)."""
    platform = Platform(root)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    return {
        "ax": platform.bind(
            "couriers",
            AXBinding(
                a="+8613800000099",
                x="+8675500010002",
                record=True,
                record_hint_tone="rec.wav",
                max_duration_minutes=30,
            ),
            "crm=42",
        ),
        "axb": platform.bind(
            "orders",
            AXBBinding(
                a="+8613900000199",
                b="+8613700000299",
                x="+8675500020002",
                expires=expires,
                sms=False,
            ),
        ),
        "axe": platform.bind(
            "stores",
            AXEBinding(a="+8613600000399", x="+862160030001", extension="555", expires=expires),
            "shop=9",
        ),
    }


def test_import_writes_the_foreign_bindings_as_yaml_that_loads(repo: Path) -> None:
    _foreign(repo)
    live_axb = next(b for b in Platform(repo).live("orders") if b.a == "+8613900000199")
    result = cli(repo, "import")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        f"couriers (AX): 1 imported -> {repo}/bindings/imported-couriers.yaml; 1 managed by "
        "privcall, 0 in conflict with a declared binding (adopt with apply --adopt), "
        "0 not imported",
        f"orders (AXB): 1 imported -> {repo}/bindings/imported-orders.yaml; 1 managed by "
        "privcall, 0 in conflict with a declared binding (adopt with apply --adopt), "
        "0 not imported",
        f"stores (AXE): 1 imported -> {repo}/bindings/imported-stores.yaml; 1 managed by "
        "privcall, 0 in conflict with a declared binding (adopt with apply --adopt), "
        "0 not imported",
        "  1 binding(s) carry a comment to act on before adopting",
        "Imported 3 binding(s). The files hold REAL, unmasked phone numbers: review them, "
        "commit, then run `privcall apply --adopt`.",
    ]
    assert result.output.startswith("SANDBOX: ")
    assert not REAL.search(result.output)
    folder = repo / "bindings"
    assert load_yaml(folder / "imported-couriers.yaml") == {
        "app": "couriers",
        "mode": "AX",
        "bindings": [
            {
                "key": "imported-0002-1",
                "a": "+8613800000099",
                "x": "+8675500010002",
                "record": True,
                "record_hint_tone": "rec.wav",
                "max_duration_minutes": 30,
                "user_data": "crm=42",
            }
        ],
    }
    assert live_axb.expires is not None
    assert load_yaml(folder / "imported-orders.yaml")["bindings"] == [
        {
            "key": "imported-0002-1",
            "a": "+8613900000199",
            "b": "+8613700000299",
            "x": "+8675500020002",
            "expires": live_axb.expires.isoformat(),
            "sms": False,
        }
    ]
    stores = (folder / "imported-stores.yaml").read_text(encoding="utf-8")
    assert load_yaml(folder / "imported-stores.yaml")["bindings"] == [
        {
            "key": "imported-0001-1",
            "a": "+8613600000399",
            "x": "+862160030001",
            "extension": "555",
            "user_data": "shop=9",
        }
    ]
    assert "  # the platform removes this binding 4320 minute(s) after it was bound" in stores
    assert '    a: "+8613600000399"\n' in stores
    assert "# THE PHONE NUMBERS BELOW ARE REAL AND UNMASKED" in stores
    loaded = load_repository(repo)
    assert {app: [d.key for d in items] for app, items in loaded.bindings.items()} == {
        "couriers": ["courier-zhang", "imported-0002-1"],
        "orders": ["imported-0002-1", "order-1"],
        "stores": ["imported-0001-1", "store-a"],
    }


def test_a_foreign_binding_in_conflict_with_a_declared_one_is_not_imported(repo: Path) -> None:
    Platform(repo).bind("couriers", AXBinding(a="+8613800000002", x="+8675500010003"))
    (repo / "bindings" / "more.yaml").write_text(
        'app: couriers\nbindings:\n  - {key: courier-li, a: "+8613800000002", '
        'x: "+8675500010003"}\n',
        encoding="utf-8",
    )
    result = cli(repo, "import", "--app", "couriers")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "couriers (AX): 0 imported (no file written); 1 managed by privcall, 1 in conflict "
        "with a declared binding (adopt with apply --adopt), 0 not imported",
        "Nothing to import: every live binding is managed or declared.",
    ]
    assert not (repo / "bindings" / "imported-couriers.yaml").exists()


def test_a_binding_about_to_expire_is_left_out_and_named_in_the_header(repo: Path) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=61)
    sub = Platform(repo).bind(
        "orders",
        AXBBinding(a="+8613900000198", b="+8613700000298", x="+8675500020002", expires=soon),
    )
    _foreign(repo)
    result = cli(repo, "import", "--app", "orders")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].endswith("1 not imported")
    assert lines[2].startswith(f"  not imported: subscription {sub} on +8675500020002: expires at ")
    header = (repo / "bindings" / "imported-orders.yaml").read_text(encoding="utf-8")
    assert f"#   - subscription {sub} on +8675500020002: expires at" in header
    assert [
        b["key"] for b in load_yaml(repo / "bindings" / "imported-orders.yaml")["bindings"]
    ] == ["imported-0002-1"]


def test_import_refuses_to_overwrite_a_file_unless_forced(repo: Path) -> None:
    _foreign(repo)
    assert cli(repo, "import", "--app", "couriers").exit_code == 0
    again = cli(repo, "import", "--app", "couriers")
    assert again.exit_code == 1
    assert again.output == (
        "error: bindings/imported-couriers.yaml already exists: review and commit (or delete) "
        "what an earlier import wrote, or pass --force to overwrite it\n"
    )
    forced = cli(repo, "import", "--app", "couriers", "--force")
    assert forced.exit_code == 0, forced.output
    assert "1 imported" in forced.output
    keys = [b["key"] for b in load_yaml(repo / "bindings" / "imported-couriers.yaml")["bindings"]]
    assert keys == ["imported-0002-1"]


def test_output_file_needs_one_app(repo: Path, tmp_path: Path) -> None:
    result = cli(repo, "import", "-o", str(tmp_path / "x.yaml"))
    assert result.exit_code == 1
    assert result.output == (
        "error: -o writes the bindings of one app, and 3 are selected: choose the app with --app\n"
    )


def test_apply_adopt_after_import_manages_the_foreign_bindings(repo: Path) -> None:
    subs = _foreign(repo)
    platform = Platform(repo)
    assert cli(repo, "import").exit_code == 0
    # The AXE binding's expiry is not reported with its bind time: the user sets it.
    stores = repo / "bindings" / "imported-stores.yaml"
    expires = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    stores.write_text(
        stores.read_text(encoding="utf-8").replace(
            '    extension: "555"\n', f'    extension: "555"\n    expires: "{expires}"\n'
        ),
        encoding="utf-8",
    )
    adopted = cli(repo, "apply", "--adopt", "--auto-approve")
    assert adopted.exit_code == 0, adopted.output
    assert not REAL.search(adopted.output)
    plan = cli(repo, "plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert plan.output.startswith("No changes. The platform matches the YAML.\n")
    adopted_as = {}
    for app, key, a in (
        ("couriers", "imported-0002-1", "+8613800000099"),
        ("orders", "imported-0002-1", "+8613900000199"),
        ("stores", "imported-0001-1", "+8613600000399"),
    ):
        [live] = [b for b in platform.live(app) if b.a == a]
        own, found = mk.split(live.user_data)
        assert found is not None and found.key_hash == mk.Codec().key_hash(key)
        adopted_as[app] = (live.subscription_id, live.x, live.extension, own)
    assert adopted_as == {  # adopted by a modify: the same bindings, numbers and user data
        "couriers": (adopted_as["couriers"][0], "+8675500010002", None, "crm=42"),
        "orders": (subs["axb"], "+8675500020002", None, None),
        "stores": (subs["axe"], "+862160030001", "555", "shop=9"),
    }


def test_adopting_an_imported_ax_binding_keeps_its_subscription(repo: Path) -> None:
    subs = _foreign(repo)
    assert cli(repo, "import", "--app", "couriers").exit_code == 0
    assert cli(repo, "apply", "--adopt", "--auto-approve", "--app", "couriers").exit_code == 0
    [live] = [b for b in Platform(repo).live("couriers") if b.a == "+8613800000099"]
    assert live.subscription_id == subs["ax"]


def test_force_refuses_to_drop_the_declarations_of_adopted_bindings(repo: Path) -> None:
    _foreign(repo)
    assert cli(repo, "import", "--app", "stores").exit_code == 0
    assert cli(repo, "apply", "--adopt", "--auto-approve", "--app", "stores").exit_code == 0
    Platform(repo).bind("stores", AXEBinding(a="+8613600000398", x="+862160030001"))
    result = cli(repo, "import", "--app", "stores", "--force")
    assert result.exit_code == 1
    assert result.output == (
        "error: bindings/imported-stores.yaml declares 1 binding(s) of app 'stores' that "
        "privcall manages now: overwriting it would drop them, and the next apply would "
        "unbind them. Keep that file (rename it if you like) and import into a new one with -o\n"
    )
    into_new = cli(repo, "import", "--app", "stores", "-o", str(repo / "bindings" / "new.yaml"))
    assert into_new.exit_code == 0, into_new.output
    [item] = load_yaml(repo / "bindings" / "new.yaml")["bindings"]
    assert item["key"] == "imported-0001-2"
