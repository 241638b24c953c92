"""The apps file, and ``privcall emulator serve`` as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.emulator import load_config
from reconciler.errors import ConfigError
from tests.emulator.conftest import AXB_PATH, a_number, ok
from tests.emulator.signer import Signer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "emulator-apps.yaml"


def test_example_apps_file_loads_with_all_four_modes() -> None:
    config = load_config(EXAMPLE)
    assert sorted(app.mode for app in config.apps) == ["AX", "AXB", "AXE", "AXYB"]
    assert config.auth_window_seconds == 900


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("apps: [", "not valid YAML"),
        ("apps:\n  - {app_key: k, app_secret: s, mode: AXZ, numbers: []}", "apps.0.mode"),
        (
            "apps:\n  - {app_key: k, app_secret: s, mode: AX,\n"
            "     numbers: [{number: 8613800000001, area_code: '0755'}]}",
            "apps.0.numbers.0.number",
        ),
        (
            "apps:\n  - {app_key: k, app_secret: s, mode: AX, numbers: [],\n"
            "     y_numbers: [{number: '+8675500000001', area_code: '0755'}]}",
            "y_numbers are only for AXYB apps",
        ),
        (
            "apps:\n"
            "  - {app_key: a, app_secret: s, mode: AX,\n"
            "     numbers: [{number: '+8675500000001', area_code: '0755'}]}\n"
            "  - {app_key: b, app_secret: s, mode: AXB,\n"
            "     numbers: [{number: '+8675500000001', area_code: '0755'}]}",
            "number +8675500000001 is listed twice (apps a and b)",
        ),
        (
            "apps:\n  - {app_key: k, app_secret: s, mode: AXE, numbers: [], extension_digits: 5}",
            "apps.0.extension_digits",
        ),
    ],
)
def test_bad_apps_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "apps.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_apps_file() -> None:
    with pytest.raises(ConfigError, match="cannot read the emulator apps file"):
        load_config("/nonexistent/apps.yaml")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_its_url_serves_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    command = [
        sys.executable,
        "-c",
        "from reconciler.cli import main; main()",
        "emulator",
        "serve",
        "--config",
        str(EXAMPLE),
        "--port",
        "0",
        "--state",
        str(tmp_path / "state.db"),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("privcall emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1].strip()
        auth = Signer("demo-axb", "demo-axb-secret-not-real", lambda: datetime.now(UTC))
        with httpx.Client(base_url=url, auth=auth) as client:
            ok(client.post(AXB_PATH, json={"callerNum": a_number(1), "calleeNum": a_number(2)}))
        process.send_signal(stop)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.strip() == "privcall emulator stopped"


def test_serve_with_a_bad_fault_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        main, ["emulator", "serve", "--config", str(EXAMPLE), "--error", "axb.frob=0.5"]
    )
    assert result.exit_code == 1  # usage errors exit 1: 2 means "changes present"
    assert "unknown operation axb.frob" in result.output
