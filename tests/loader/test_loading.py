"""Loading valid repositories, and the behaviours around the failure cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.errors import ConfigError, ValidationFailed
from reconciler.loader import load_repository
from reconciler.model import Mode
from reconciler.modes import AXBBinding, domain
from tests.loader.conftest import FIXTURES

AXB_MAX_PAIRS_PER_X = domain(Mode.AXB).limits.pairs_per_x

EXAMPLES = Path(__file__).parents[2] / "examples"


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    shutil.copy(FIXTURES / "privcall.yaml", tmp_path / "privcall.yaml")
    (tmp_path / "bindings").mkdir()
    for name, text in files.items():
        path = tmp_path / "bindings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_examples_load_with_every_mode_and_key() -> None:
    repo = load_repository(EXAMPLES)
    assert {app: app_cfg.mode.value for app, app_cfg in repo.config.apps.items()} == {
        "couriers": "AX",
        "orders": "AXB",
        "stores": "AXE",
        "rides": "AXYB",
    }
    assert [d.key for d in repo.bindings["orders"]] == [
        "order-20261201-0001",
        "order-20261201-0002",
        "order-20261202-0001",
    ]
    assert repo.bindings["couriers"][3].key == "+8613800000004@0755"
    assert repo.files == (
        "bindings/couriers.yaml",
        "bindings/orders.yaml",
        "bindings/rides.yaml",
        "bindings/stores.yaml",
    )


def test_numbers_are_normalised_to_e164(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "o.yaml": 'app: axb\nbindings:\n  - {key: k, a: "+86 138-0000-0001", b: "13900000002",'
            ' x: "+86 755 0002 0001"}\n'
        },
    )
    binding = load_repository(root).bindings["axb"][0].binding
    assert isinstance(binding, AXBBinding)
    assert (binding.a, binding.b, binding.x) == (
        "+8613800000001",
        "+8613900000002",
        "+8675500020001",
    )


def test_all_problems_of_all_files_are_reported_in_one_run(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "a.yaml": 'app: ax\nbindings:\n  - {key: k1, a: "+8613800000001", area_code: 755}\n'
            '  - {key: k2, a: 13800000002, area_code: "0755"}\n',
            "sub/b.yaml": "app: axb\nbindings:\n  - {key: k1, a: x}\n",
            "c.yaml": "app: ax\nbindings: [\n",
        },
    )
    with pytest.raises(ValidationFailed) as failed:
        load_repository(root)
    assert [str(p) for p in failed.value.problems] == [
        'bindings/a.yaml:3:36: area_code: write the area code in quotes, like "0755": unquoted,'
        " YAML reads it as the number 755 and drops the leading 0",
        'bindings/a.yaml:4:15: a: write the phone number in quotes, like "+86 138 xxxx xxxx":'
        " unquoted, YAML reads it as an integer and drops the '+'",
        "bindings/c.yaml:2:11: YAML syntax error: unclosed bracket '['",
        "bindings/sub/b.yaml:3:5: missing required key 'b'",
        "bindings/sub/b.yaml:3:15: a: not a valid phone number: only digits, spaces, dashes and"
        " a leading + belong in a number, like +86 138 xxxx xxxx",
    ]


def test_merge_keys_and_anchors_share_defaults(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "o.yaml": "app: axb\n"
            'defaults: &defaults {area_code: "0755", record: true, record_hint_tone: rec.wav}\n'
            "bindings:\n"
            '  - {<<: *defaults, key: k1, a: "+8613800000001", b: "+8613800000002"}\n'
            '  - {<<: *defaults, key: k2, a: "+8613800000003", b: "+8613800000004",'
            " record: false}\n"
        },
    )
    with pytest.raises(ValidationFailed) as failed:
        load_repository(root)
    # the anchor's holder is an unknown key: reported, while the merged bindings are fine
    assert [str(p) for p in failed.value.problems] == [
        "bindings/o.yaml:2:1: unknown key 'defaults' in a bindings file",
    ]


def test_merged_defaults_apply_and_own_keys_win(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "o.yaml": "app: axb\n"
            "bindings:\n"
            '  - &first {key: k1, a: "+8613800000001", b: "+8613800000002", area_code: "0755",'
            " record: true, record_hint_tone: rec.wav}\n"
            '  - {<<: *first, key: k2, a: "+8613800000003", b: "+8613800000004", record: false}\n'
        },
    )
    second = load_repository(root).bindings["axb"][1].binding
    assert isinstance(second, AXBBinding)
    assert (second.key, second.area_code, second.record, second.record_hint_tone) == (
        "k2",
        "0755",
        False,
        "rec.wav",
    )


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    root = _repo(tmp_path, {})
    (root / "bindings" / "bom.yaml").write_bytes(
        b'\xef\xbb\xbfapp: ax\nbindings:\n  - {key: k, a: "+8613800000001", area_code: "0755"}\n'
    )
    assert [d.key for d in load_repository(root).bindings["ax"]] == ["k"]


def test_hidden_folders_and_other_suffixes_are_not_binding_files(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".draft/x.yaml": "not: valid", "notes.txt": "hello"})
    assert load_repository(root).files == ()


def test_axb_more_than_5000_pairs_on_one_x(tmp_path: Path) -> None:
    lines = ["app: axb", "bindings:"]
    for i in range(AXB_MAX_PAIRS_PER_X + 1):
        lines.append(
            f'  - {{key: k{i}, a: "+86138{i:08d}", b: "+86139{i:08d}", x: "+8675500020001"}}'
        )
    root = _repo(tmp_path, {"big.yaml": "\n".join(lines) + "\n"})
    with pytest.raises(ValidationFailed) as failed:
        load_repository(root)
    (problem,) = failed.value.problems
    assert (problem.file, problem.line, problem.column) == ("bindings/big.yaml", 5003, 60)
    assert problem.message.startswith(
        "x +8675500020001 is pinned by 5001 pairs; one AXB number holds at most 5000 (also at "
        "bindings/big.yaml:3:5, bindings/big.yaml:4:5,"
    )


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as failed:
        load_repository(tmp_path / "nope")
    assert str(failed.value) == (
        f"{tmp_path / 'nope'} is not a directory; pass the bindings repository with -C DIR"
    )


def test_directory_without_privcall_yaml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as failed:
        load_repository(tmp_path)
    assert str(failed.value) == (
        f"no privcall.yaml in {tmp_path}: run privcall in your bindings repository, or pass its "
        "directory with -C DIR"
    )


def test_bindings_of_a_broken_app_are_not_reported_twice(tmp_path: Path) -> None:
    (tmp_path / "bindings").mkdir()
    (tmp_path / "privcall.yaml").write_text(
        "apps:\n  orders:\n    mode: AXB\n"
        '    numbers: [{number: "+8675500020001", area_code: 755}]\n'
    )
    (tmp_path / "bindings" / "o.yaml").write_text("app: orders\nbindings:\n  - {a: 1}\n")
    with pytest.raises(ValidationFailed) as failed:
        load_repository(tmp_path)
    assert [str(p) for p in failed.value.problems] == [
        'privcall.yaml:4:42: numbers[0].area_code: write the area code in quotes, like "0755":'
        " unquoted, YAML reads it as the number 755 and drops the leading 0",
    ]
