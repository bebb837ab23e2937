"""The profile job end to end: plan → images → interleaved runs → gate."""

from pathlib import Path
from typing import Callable, List, Optional

from . import results
from .config import Plan, describe
from .engine import Engine
from .errors import ConfigError, RunError
from .prepare import prepare
from .runs import Arm, Protocol, RunReport, measure

DEFAULT_VARIANTS = ("tf1-stock", "tf2-stock")


def print_plan(plan: Plan, names: List[str], protocol: Protocol, say: Callable[[str], None]) -> None:
    variants = plan.select(names)
    images = len({v.build_key() for v in variants})
    say(f"plan: {len(variants)} variant(s) from {plan.path}, {images} image(s); "
        f"{protocol.rounds} round(s) × {protocol.repeats} repeat(s) after {protocol.warmups} warmup(s), "
        f"seed {protocol.seed}" + (f", pinned to cpuset {protocol.pin}" if protocol.pin else ""))
    for v in variants:
        for line in describe(v):
            say("  " + line)


def unchecked_notes(measured: dict, names: List[str]) -> List[str]:
    """Say which variants the gate could not check, and how to check them."""
    from .gate import UNCHECKED, status

    notes = []
    for name in names:
        if name in measured and status(measured, name) == UNCHECKED:
            ref = measured[name]["variant"].get("reference")
            notes.append(f"predictions of {name} are unchecked: its reference {ref} has no result here; "
                         f"check them with: invoke profile --variant {ref} --variant {name}")
    return notes


def profile(plan: Plan, names: List[str], protocol: Protocol, results_dir: Path,
            say: Callable[[str], None] = print, aa: Optional[str] = None,
            verbose: bool = False) -> RunReport:
    if aa:
        names = [aa]
    if not names:
        raise ConfigError("no variants chosen", hint="pass --variant NAME (repeatable) or --all")
    print_plan(plan, names, protocol, say)
    engine = Engine.connect()
    leftovers = engine.remove_containers({"tfopt.kind": "profile"})
    if leftovers:
        say(f"removed {len(leftovers)} container(s) left behind by an interrupted run")
    prepared = prepare(engine, plan.select(names), say, verbose)
    arms = [Arm(p.variant.name, p.variant, p.image) for p in prepared.values() if p.image]
    if aa:
        if not arms:
            raise ConfigError(f"{aa} cannot run here: {prepared[aa].skipped}")
        only = arms[0]
        arms = [Arm(f"{aa}@{side}", only.variant, only.image, arm_of=aa) for side in ("A", "B")]
    if not arms:
        say("nothing to run: every chosen variant was skipped")
        return RunReport(run_id="")
    report = measure(engine, arms, protocol, plan.variants, results_dir, say, kind="aa" if aa else "profile")
    say(f"results: {results.run_dir(results_dir, report.run_id)}")
    if not aa:
        from .gate import enforce

        measured = {**results.latest_by_variant(results_dir), **results.load_run(results_dir, report.run_id)}
        for allowed in enforce(measured):
            say(f"predictions of {allowed.variant} differ from {allowed.reference} (allowed): {allowed.detail}")
        for line in unchecked_notes(measured, [a.name for a in arms]):
            say(line)
    if report.failures:
        names = ", ".join(sorted(report.failures))
        raise RunError(f"{len(report.failures)} variant(s) failed: {names}",
                       hint="their logs are named above; results of the others are kept")
    return report
