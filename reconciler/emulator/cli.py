"""``privcall emulator``: run the local emulator of the platform's binding APIs."""

from __future__ import annotations

from datetime import datetime

import click
from pydantic import ValidationError

from reconciler.clicore import Group
from reconciler.emulator.config import load_config
from reconciler.emulator.emulator import Emulator
from reconciler.emulator.faults import Faults, parse_drop_option, parse_error_option
from reconciler.emulator.server import serve as serve_http
from reconciler.errors import PrivcallError


@click.group(name="emulator", cls=Group)
def emulator() -> None:
    """A local emulator of the Privacy Protection Call binding APIs (AX, AXB, AXE, AXYB)."""


def _faults(
    *,
    latency: float,
    latency_max: float | None,
    errors: tuple[str, ...],
    flow_control_qps: float | None,
    flow_control_code: str,
    drops: tuple[str, ...],
    seed: int,
) -> Faults:
    try:
        return Faults.model_validate(
            {
                "latency": latency,
                "latency_max": latency_max,
                "errors": dict(parse_error_option(text) for text in errors),
                "flow_control_qps": flow_control_qps,
                "flow_control_code": flow_control_code,
                "drop": dict(parse_drop_option(text) for text in drops),
                "seed": seed,
            }
        )
    except ValidationError as exc:
        problems = "; ".join(err["msg"] for err in exc.errors())
        raise click.UsageError(f"invalid fault option: {problems}") from None
    except ValueError as exc:
        raise click.UsageError(f"invalid fault option: {exc}") from None


@emulator.command()
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The apps file (YAML), see docs/emulator.md.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--state",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite file that keeps the bindings across restarts (default: in memory).",
)
@click.option("--latency", default=0.0, type=float, help="Seconds added to every request.")
@click.option("--latency-max", type=float, help="With --latency: a random delay in the range.")
@click.option(
    "--error",
    "errors",
    multiple=True,
    metavar="OP=RATE[:CODE]",
    help="Answer a share of an operation's requests with a result code (default 1010001).",
)
@click.option("--flow-control-qps", type=float, help="Per-app requests per second allowed.")
@click.option(
    "--flow-control-code",
    type=click.Choice(["1010010", "1011006"]),
    default="1010010",
    show_default=True,
)
@click.option(
    "--drop",
    "drops",
    multiple=True,
    metavar="OP=RATE|OP=next:N",
    help="Commit the request, then close the connection without a response.",
)
@click.option("--seed", default=0, type=int, show_default=True, help="Seed of the fault RNG.")
@click.option("--now", help="Freeze the emulator clock at this ISO 8601 instant.")
@click.option("--log-level", default="warning", show_default=True)
def serve(
    *,
    config_path: str,
    host: str,
    port: int,
    state: str | None,
    latency: float,
    latency_max: float | None,
    errors: tuple[str, ...],
    flow_control_qps: float | None,
    flow_control_code: str,
    drops: tuple[str, ...],
    seed: int,
    now: str | None,
    log_level: str,
) -> None:
    """Serve the emulator over HTTP until SIGINT or SIGTERM."""
    faults = _faults(
        latency=latency,
        latency_max=latency_max,
        errors=errors,
        flow_control_qps=flow_control_qps,
        flow_control_code=flow_control_code,
        drops=drops,
        seed=seed,
    )
    frozen_at = None
    if now is not None:
        try:
            frozen_at = datetime.fromisoformat(now)
        except ValueError:
            raise click.UsageError(f"--now {now!r} is not an ISO 8601 instant") from None
        if frozen_at.tzinfo is None:
            raise click.UsageError("--now needs a timezone, e.g. 2026-01-01T00:00:00Z")
    try:
        with Emulator(load_config(config_path), state, faults, frozen_at) as emu:
            serve_http(
                emu,
                host,
                port,
                on_ready=lambda url: click.echo(f"privcall emulator listening on {url}"),
                log_level=log_level,
            )
    except PrivcallError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("privcall emulator stopped")
