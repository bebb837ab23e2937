"""The profile job end to end: plan → images → interleaved runs → gate."""

from pathlib import Path
from typing import Callable, List, Sequence

from . import results
from .config import Plan, describe
from .engine import Engine
from .errors import ConfigError, RunError
from .prepare import prepare
from .runs import Arm, Protocol, RunReport, check_target_has_pairs, measure

# The quickstart's small default: g2p_en's own procedure on stock TensorFlow against the
# fastest setups that keep its predictions (3 rounds: enough for an interval per speedup).
DEFAULT_VARIANTS = ("tf2-stock", "tf2-incremental", "ort-incremental", "numpy-incremental")
DEMO_PROTOCOL = {"rounds": 3, "repeats": 3}


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
            say: Callable[[str], None] = print, aa: Sequence[str] = (),
            verbose: bool = False) -> RunReport:
    """Profile `names`; each variant in `aa` is also measured as two arms (NAME@A, NAME@B)
    interleaved with the others in the same rounds. `aa` alone is an A/A-only run."""
    aa = [aa] if isinstance(aa, str) else list(aa or [])
    aa = [v.name for v in plan.select(aa)]  # aliases resolve; unknown names fail here
    names = [v.name for v in plan.select(names)]
    if not names and not aa:
        raise ConfigError("no variants chosen", hint="pass --variant NAME (repeatable) or --all")
    protocol.check()
    check_target_has_pairs(protocol, plan.select(names))
    wanted = list(dict.fromkeys(names + aa))
    print_plan(plan, wanted, protocol, say)
    engine = Engine.connect()
    remove_leftovers(engine, say)
    prepared = prepare(engine, plan.select(wanted), say, verbose)
    arms = [Arm(n, prepared[n].variant, prepared[n].image) for n in names if prepared[n].image]
    for name in aa:
        if not prepared[name].image:
            if not names:
                raise ConfigError(f"{name} cannot run here: {prepared[name].skipped}")
            say(f"no A/A arms for {name}: it was skipped")
            continue
        arms += [Arm(f"{name}@{side}", prepared[name].variant, prepared[name].image, arm_of=name)
                 for side in ("A", "B")]
    if not arms:
        say("nothing to run: every chosen variant was skipped")
        return RunReport(run_id="")
    kind = "aa" if not names else "profile"
    report = measure(engine, arms, protocol, plan.variants, results_dir, say, kind=kind)
    say(f"results: {results.run_dir(results_dir, report.run_id)}")
    if names:
        from .gate import enforce

        measured = {**results.latest_by_variant(results_dir), **results.load_run(results_dir, report.run_id)}
        for allowed in enforce(measured):
            say(f"predictions of {allowed.variant} differ from {allowed.reference} (allowed): {allowed.detail}")
        for line in unchecked_notes(measured, [a.name for a in arms]):
            say(line)
    if report.failures:
        failed = ", ".join(sorted(report.failures))
        raise RunError(f"{len(report.failures)} variant(s) failed: {failed}",
                       hint="their logs are named above; results of the others are kept")
    return report


def remove_leftovers(engine: Engine, say: Callable[[str], None] = print) -> List[str]:
    """Containers an interrupted run or a lost engine left behind (their tfopt process is gone)."""
    leftovers = engine.remove_leftovers({"tfopt.kind": "profile"})
    if leftovers:
        say(f"removed {len(leftovers)} container(s) left behind by an interrupted run: {', '.join(leftovers)}")
    return leftovers
