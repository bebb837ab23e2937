"""The profile job end to end: plan → images → interleaved runs → gate."""

import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .. import labels as label
from ..engine import fleet
from ..records import store
from ..plan.engines import Target, run_targets
from ..plan.limits import LOW_MEMORY_BYTES, parse_cpuset
from ..plan.variant import Plan, Variant, describe
from ..engine import ContainerInfo, Engine
from ..errors import ConfigError, RunError
from ..host import process_alive
from ..log import log
from ..records import documents
from ..records.documents import VariantResult
from .multi_engine import measure_everywhere
from ..build.prepare import prepare
from ..plan.protocol import Protocol
from .rounds import Arm, RunReport, check_target_has_pairs, measure

# The quickstart's small default: g2p_en's own procedure on stock TensorFlow against the
# fastest setups that keep its predictions (3 rounds: enough for an interval per speedup).
DEFAULT_VARIANTS = ("tf2-stock", "tf2-incremental", "ort-incremental", "numpy-incremental")
DEMO_PROTOCOL = {"rounds": 3, "repeats": 3}


def print_plan(plan: Plan, names: List[str], protocol: Protocol,
               engines: Sequence[Target] = ()) -> None:
    variants = plan.select(names)
    images = len({v.build_key() for v in variants})
    log.info(f"plan: {len(variants)} variant(s) from {plan.path}, {images} image(s); "
             f"{protocol.rounds} round(s) × {protocol.repeats} repeat(s) after {protocol.warmups} warmup(s), "
             f"seed {protocol.seed}" + (f", pinned to cpuset {protocol.pin}" if protocol.pin else ""))
    if len(engines) > 1:
        log.info(f"  on {len(engines)} engines, each running every round on its own: "
                 + ", ".join(t.shown for t in engines))
    for v in variants:
        for line in describe(v):
            log.info("  " + line)


def unchecked_notes(measured: Dict[str, VariantResult], names: List[str]) -> List[str]:
    """Say which variants the gate could not check, and how to check them."""
    from ..analysis.gate import UNCHECKED, status

    notes = []
    for name in names:
        if name in measured and status(measured, name) == UNCHECKED:
            ref = measured[name].reference
            notes.append(f"predictions of {name} are unchecked: its reference {ref} has no result here; "
                         f"check them with: invoke profile --variant {ref} --variant {name}")
    return notes


def profile(plan: Plan, names: List[str], protocol: Protocol, results_dir: Path,
            aa: Sequence[str] = (),
            verbose: bool = False, engines: Sequence[str] = (), isa: bool = False,
            swarm: Optional[str] = None, registry: Optional[str] = None) -> RunReport:
    """Profile `names`; each variant in `aa` is also measured as two arms (NAME@A, NAME@B)
    interleaved with the others in the same rounds. `aa` alone is an A/A-only run.

    `engines` (URLs, NAME=URL, or names from the file's `engines:`; default the local
    engine): every engine is checked and locked first; images are built on the first and
    shipped to the others; each engine then runs every round on its own (multi_engine.py).
    `swarm` (a manager's URL; or the file's `swarm:` when no --engine is given): each ready node
    of that swarm is an engine, every visit a job on it (tfopt/engine/swarm.py); images are
    built on the manager's engine and pushed to `registry` (or the file's `registry:`).
    `isa`: count every TF wheel's instructions (build/prepare.py isa_wheels)."""
    aa = [aa] if isinstance(aa, str) else list(aa or [])
    aa = [v.name for v in plan.select(aa)]  # aliases resolve; unknown names fail here
    names = [v.name for v in plan.select(names)]
    if not names and not aa:
        raise ConfigError("no variants chosen", hint="pass --variant NAME (repeatable) or --all")
    protocol.check()
    check_target_has_pairs(protocol, plan.select(names))
    wanted = list(dict.fromkeys(names + aa))
    chosen = run_targets(engines, swarm, plan.engines, plan.swarm)
    print_plan(plan, wanted, protocol, chosen)
    members = fleet.connect(chosen, registry or plan.registry)
    check_limits_fit(members, plan.select(wanted), protocol)
    run_id = store.new_run_id()
    with fleet.locked(members, run_id):
        for member in members:
            remove_leftovers(member.engine)
        prepared = prepare(members[0].builder, plan.select(wanted), verbose, isa)
        arms = _arms(names, aa, prepared)
        if not arms:
            log.info("nothing to run: every chosen variant was skipped")
            return RunReport(run_id="")
        if len(members) > 1 or members[0].registry:
            log.info(f"images to the other engines ({len({a.image for a in arms})} image(s)):")
            fleet.distribute(members, [a.image for a in arms])
        for member in members:
            log.info("engine " + fleet.describe(fleet.probe(member, arms[0].image, run_id)))
            _check_instructions(member, arms)
        kind = "aa" if not names else "profile"
        if len(members) == 1:
            reports = {members[0].name: measure(members[0].engine, arms, protocol, plan.variants, results_dir,
                                                kind=kind, run_id=run_id, engine_facts=members[0].facts)}
        else:
            reports = measure_everywhere(members, arms, protocol, plan.variants, results_dir, run_id, kind)
    for name, report in reports.items():
        log.info(f"results{' of ' + name if len(reports) > 1 else ''}: {store.run_dir(results_dir, report.run_id)}")
        if names:
            _gate(results_dir, report, [a.name for a in arms])
    failures = {f"{name}@{engine}" if len(reports) > 1 else name: why
                for engine, report in reports.items() for name, why in report.failures.items()}
    if failures:
        raise RunError(f"{len(failures)} variant(s) failed: {', '.join(sorted(failures))}",
                       hint="their logs are named above; results of the others are kept")
    return reports[members[0].name]


def check_limits_fit(members: Sequence[fleet.Member], variants: Sequence[Variant], protocol: Protocol) -> None:
    """Limits an engine cannot give are refused before any build: Docker would refuse the first
    container, after the builds. Limits that look wrong are warned."""
    problems, warnings = [], []
    for member in members:
        info = member.engine.info()
        problems += [f"{v.name} asks for limits.cpus {v.cpus:g}, but engine {member.name} has {info.ncpu} CPU(s)"
                     for v in variants if v.cpus > info.ncpu]
        cpusets = [(f"{v.name}'s limits.cpuset", v.cpuset) for v in variants if v.cpuset]
        for what, cpuset in cpusets + ([("--pin", protocol.pin)] if protocol.pin else []):
            missing = sorted(c for c in parse_cpuset(cpuset) if c >= info.ncpu)
            if missing:
                warnings.append(f"{what} {cpuset!r} names CPU {missing[0]}, but engine {member.name} has "
                                f"{info.ncpu} CPU(s), numbered from 0: Docker refuses a CPU it does not have")
        warnings += [f"{v.name}: limits.memory {v.memory_bytes / 2**30:.1f} GiB is more than engine {member.name} "
                     f"has ({info.memory_bytes / 2**30:.1f} GiB), so it limits nothing"
                     for v in variants if 0 < info.memory_bytes < v.memory_bytes]
    warnings += [f"{v.name}: limits.memory is {v.memory_bytes >> 20} MiB; TensorFlow variants peak near 250 MB "
                 "(TF 1) to 600 MB (TF 2): a container past its limit is OOM-killed"
                 for v in variants if v.memory_bytes < LOW_MEMORY_BYTES]
    for warning in dict.fromkeys(warnings):
        log.info("warning: " + warning)
    if problems:
        raise ConfigError("limits an engine cannot give; nothing was built:\n  " + "\n  ".join(problems),
                          hint="lower limits.cpus in the variants file (a fraction such as 0.5 is fine), "
                               "or run on an engine with more CPUs (--engine)")


def _arms(names: List[str], aa: List[str], prepared) -> List[Arm]:
    arms = [Arm(n, prepared[n].variant, prepared[n].image, tf_isa=prepared[n].tf_isa)
            for n in names if prepared[n].image]
    for name in aa:
        if not prepared[name].image:
            if not names:
                raise ConfigError(f"{name} cannot run here: {prepared[name].skipped}")
            log.info(f"no A/A arms for {name}: it was skipped")
            continue
        arms += [Arm(f"{name}@{side}", prepared[name].variant, prepared[name].image, arm_of=name,
                     tf_isa=prepared[name].tf_isa) for side in ("A", "B")]
    return arms


def _check_instructions(member: fleet.Member, arms: List[Arm]) -> None:
    """A source-built wheel must find its instructions on every engine's CPU, not only here."""
    from ..source_build.build import built_wheel, check_host_supports

    for variant in {a.variant.name: a.variant for a in arms if a.variant.tensorflow.kind == "source"}.values():
        entry = built_wheel(variant)
        if entry is not None and member.facts.get("cpu_flags"):
            check_host_supports(entry, flags=member.facts["cpu_flags"], where=f"engine {member.name}")


def _gate(results_dir: Path, report: RunReport, arm_names: List[str]) -> None:
    from ..analysis.gate import enforce

    mine = documents.load_results(results_dir, report.run_id)
    latest = documents.latest_by_variant(results_dir)
    borrowed = {r.reference for r in mine.values()} - set(mine)
    measured = {**{n: latest[n] for n in borrowed if n in latest}, **mine}  # references from earlier runs
    for allowed in enforce(measured):
        if allowed.variant not in arm_names:
            continue
        log.info(f"predictions of {allowed.variant} differ from {allowed.reference} (allowed): {allowed.detail}")
    for line in unchecked_notes(measured, arm_names):
        log.info(line)


def remove_leftovers(engine: Engine) -> List[str]:
    """Profiling containers an interrupted run or a lost engine left behind: those whose tfopt
    process is gone. Other live runs' containers stay."""
    leftovers = []
    for container in engine.containers({label.KIND: label.Kind.PROFILE}):
        if not _owner_may_be_running(container) and engine.remove_container(container.name):
            leftovers.append(container.name)
    if leftovers:
        log.info(f"removed {len(leftovers)} container(s) left behind by an interrupted run: {', '.join(leftovers)}")
    return leftovers


def _owner_may_be_running(container: ContainerInfo) -> bool:
    """Its owner (label PID) is another process that is alive here; or it has no owner label
    and runs: an older tfopt's, which may still be measuring. This process's own are leftovers
    (of an earlier run whose engine went away)."""
    pid = container.labels.get(label.PID, "")
    if pid.isdigit():
        return int(pid) != os.getpid() and process_alive(int(pid))
    return container.status == "running"
