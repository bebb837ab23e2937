"""image + run settings → profiling containers, in interleaved rounds → result documents.

Each round visits every variant once, in a fresh container, in an order
shuffled per round from a recorded seed, so drift hits all variants alike.
A visit's document is written as soon as it is measured: an interrupted run
keeps everything measured so far, and run.json says how the run ended.

With a precision target (Protocol.target_ci) rounds are added, each again
visiting every variant, until every speedup against its reference has a CI
half-width within the target, or the round or time limit is reached.
"""

import json
import math
import os
import platform
import random
import subprocess
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from .. import __version__, paths
from .. import labels as label
from ..clock import utc_stamp
from ..records import store
from ..plan import runtimes
from ..plan.variant import Variant
from ..build.images import MODEL_IN_IMAGE
from ..engine import ContainerSpec, Engine, ImageInfo, container_name
from ..errors import ConfigError, EngineUnavailable, RunError
from ..host import host_cpu, sigterm_as_ctrl_c
from ..log import log
from ..records.documents import Limits, RunRecord, VariantResult, Visit
from ..records.formats import COMPLETE, FAILED, INTERRUPTED, RUNNING
from ..plan.protocol import Protocol
from ..analysis.race_record import describe_cost
from .race import Race
from .validate import validate_profile


@dataclass
class Arm:
    """One thing measured: a variant in an image (A/A runs measure one variant as two arms)."""

    name: str
    variant: Variant
    image: str
    arm_of: Optional[str] = None
    tf_isa: Dict[str, int] = field(default_factory=dict)  # its TF wheel's instruction counts, when counted


@dataclass
class RunReport:
    run_id: str
    written: Dict[str, Path] = field(default_factory=dict)
    failures: Dict[str, str] = field(default_factory=dict)


def host_facts(engine: Engine, engine_facts: Optional[dict] = None) -> dict:
    """The machine measured on: the engine's own facts when probed (tfopt/engine/fleet.py), else
    the controlling host's /proc/cpuinfo (the same machine when the engine is local)."""
    if engine_facts:
        return {"tfopt_version": __version__, "git_commit": _git_commit(),
                **{k: engine_facts.get(k) for k in ("docker_version", "kernel", "cpu_model", "cpu_flags")}}
    cpu = host_cpu()
    return {"tfopt_version": __version__, "git_commit": _git_commit(), "docker_version": engine.version(),
            "kernel": platform.release(), "cpu_model": cpu.model, "cpu_flags": list(cpu.flags)}


def _git_commit() -> Optional[str]:
    try:
        return subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), "rev-parse", "HEAD"],
                              capture_output=True, text=True).stdout.strip() or None
    except OSError:
        return None


def profile_command(variant: Variant, protocol: Protocol) -> List[str]:
    """Runtime, decoding and form come from the model directory; the knobs from g2p.knobs."""
    return ["python", "-m", "g2p.profile", "--model-dir", MODEL_IN_IMAGE,
            *runtimes.flags(variant.runtime, variant.knobs),
            "--warmups", str(protocol.warmups), "--repeats", str(protocol.repeats),
            "--max-words", str(protocol.max_words), "--microbench", "on" if protocol.microbench else "off",
            "--out", "-"]


def container_spec(arm: Arm, protocol: Protocol, run_id: str, round_index: int = 0) -> ContainerSpec:
    v = arm.variant
    return ContainerSpec(
        image=arm.image, command=profile_command(v, protocol),
        name=container_name("tfopt", run_id, arm.name, f"r{round_index + 1}"),
        labels={label.KIND: label.Kind.PROFILE, label.RUN: run_id, label.VARIANT: arm.name,
                label.ROUND: str(round_index + 1), label.PID: str(os.getpid())},
        environment=v.run_environment(), nano_cpus=int(v.cpus * 1e9), mem_limit=v.memory_bytes,
        cpuset_cpus=protocol.pin or v.cpuset, timeout_s=protocol.timeout_s,
    ).locked_down()


def _result(arm: Arm, run_id: str, image: ImageInfo, host: dict, protocol: Protocol,
            plan_variants: Dict[str, Variant], engine_facts: Optional[dict]) -> VariantResult:
    """The arm's result before its first visit: what was measured, in which image, under which limits."""
    v = arm.variant
    parent = plan_variants.get(v.parent) if v.parent else None
    return VariantResult(
        name=arm.name, description=v.description, family=v.family, parent=v.parent, reference=v.reference,
        changes=v.changes_from(parent), may_change_predictions=v.may_change_predictions, arm_of=arm.arm_of,
        settings=v.settings, runtime=v.runtime, decoding=v.decoding, knobs=v.knobs, run_id=run_id,
        image_id=image.id, image_tag=arm.image, image_size_bytes=image.size_bytes, image_labels=image.labels,
        tf_isa_counts=arm.tf_isa, limits=Limits(cpus=v.cpus, memory_bytes=v.memory_bytes, cpuset=protocol.pin or v.cpuset),
        protocol={"rounds": protocol.rounds, "repeats": protocol.repeats, "warmups": protocol.warmups,
                  "seed": protocol.seed, "target_ci": protocol.target_ci},
        host_doc=host, engine_doc=engine_facts or None)


def measure(engine: Engine, arms: List[Arm], protocol: Protocol, plan_variants: Dict[str, Variant],
            results_dir: Path, kind: str = "profile", *,
            run_id: Optional[str] = None, engine_facts: Optional[dict] = None, parent: Optional[str] = None,
            stop: Optional[threading.Event] = None,
            clock: Callable[[], float] = time.monotonic) -> RunReport:
    """Interleaved rounds until the protocol says stop; run.json records how the run ended.

    `engine_facts` (tfopt/engine/fleet.py probe) describe the engine's machine in run.json and in
    every result; `parent` is the multi-engine run this run is a part of; `stop`, when
    set by another thread, ends the run before its next container, like Ctrl-C. `clock` gives the
    seconds that --max-minutes counts (a stand-in engine's own clock in tests)."""
    protocol.check()
    check_target_has_pairs(protocol, [a.variant for a in arms if a.arm_of is None])
    if protocol.race and any(a.arm_of for a in arms):
        raise ConfigError("--race does not take --aa arms (an A/A pair is a tie by design)",
                          hint="run the A/A check on its own: invoke profile --aa NAME")
    if protocol.race and len(arms) < 2:
        raise ConfigError("--race needs at least two variants to race",
                          hint="pass several --variant NAME, or a matrix grid's name")
    race = Race(protocol.race_margin, protocol.race_tie) if protocol.race else None
    run_id = run_id or store.new_run_id()
    report = RunReport(run_id)
    host = host_facts(engine, engine_facts)
    rng = random.Random(protocol.seed)
    record = RunRecord(run_id=run_id, kind=kind, arms=tuple(a.name for a in arms), host=host,
                       protocol=vars(protocol), target_ci=protocol.target_ci, started_at=utc_stamp(),
                       status=RUNNING, engine=engine_facts or None,
                       engines=(engine_facts,) if engine_facts else (), parent=parent)
    _write(results_dir, record)
    results = {a.name: _result(a, run_id, engine.image(a.image), host, protocol, plan_variants, engine_facts)
               for a in arms}
    goal = f"until every speedup's CI is within ±{protocol.target_ci:.1%} " \
           f"({protocol.rounds}..{protocol.round_limit} rounds" \
           + (f", at most {protocol.max_minutes:g} min)" if protocol.max_minutes else ")") \
        if protocol.target_ci is not None else f"× {protocol.rounds} round(s)"
    if race:
        goal = (f"raced: drop a variant slower than the best by > {race.margin:.0%}; stop when separated or "
                f"tied within ±{race.tie:.0%} ({protocol.rounds}..{protocol.round_limit} rounds"
                + (f", at most {protocol.max_minutes:g} min)" if protocol.max_minutes else ")"))
    log.info(f"run {run_id}: {len(arms)} variant(s) {goal}, seed {protocol.seed}")
    started = clock()
    with sigterm_as_ctrl_c():  # `kill` ends the run like Ctrl-C: containers removed, run.json marked interrupted
        return _rounds(engine, arms, protocol, results_dir, report, results, rng, record, started, race, stop,
                       clock=clock)


def _rounds(engine: Engine, arms: List[Arm], protocol: Protocol, results_dir: Path, report: RunReport,
            results: Dict[str, VariantResult], rng: random.Random, record: RunRecord, started: float,
            race: Optional[Race] = None, stop: Optional[threading.Event] = None, *,
            clock: Callable[[], float]) -> RunReport:
    by_name = {a.name: a for a in arms}
    stop_reason = None
    try:
        while True:
            measured = _measured(results, report.failures)
            stop_reason = _stop_reason(protocol, len(record.orders), clock() - started, measured, race)
            if stop_reason:
                break
            order = [a.name for a in arms if race is None or race.alive(a.name)]
            rng.shuffle(order)
            record = _write(results_dir, replace(record, orders=record.orders + (tuple(order),)))
            round_index = len(record.orders) - 1
            for position, name in enumerate(order):
                if name in report.failures:
                    continue
                if stop is not None and stop.is_set():
                    raise KeyboardInterrupt
                of = f"/{protocol.rounds}" if protocol.target_ci is None and race is None else ""
                log.info(f"  round {round_index + 1}{of} · {name}")
                try:
                    visit = _visit(engine, by_name[name], protocol, report.run_id, round_index, position)
                except RunError as exc:
                    report.failures[name] = str(exc)
                    log.info(f"  ✗ {name}: {exc}")
                    continue
                results[name] = results[name].with_visit(visit)
                report.written[name] = store.write_result(results_dir, results[name].to_doc())
                log.info("    " + _summary_line(visit.profile))
            measured = _measured(results, report.failures)
            if race:
                race.after_round(len(record.orders), measured)
                record = _write(results_dir, replace(record, race=race.record(results, len(record.orders))))
            log.info(race.progress(len(record.orders), measured) if race
                     else progress_line(protocol, len(record.orders), clock() - started, measured))
    except BaseException as exc:
        status, reason = _cut_short(exc)
        _write(results_dir, record.ended(status, reason, failures=report.failures,
                                         rounds_done=_rounds_done(_racing(results, report.failures, race))))
        raise
    if report.failures:
        status, reason = FAILED, "variant(s) failed: " + ", ".join(sorted(report.failures))
    else:
        status, reason = COMPLETE, None
    rounds_done = len(record.orders)
    record = _write(results_dir, record.ended(
        status, reason, stop_reason=stop_reason, rounds_done=rounds_done, failures=report.failures,
        widest_ci=_widest(measured)[0] if protocol.target_ci is not None else None,
        race=race.record(results, rounds_done, stop_reason) if race else None))
    log.info(f"stopped: {stop_reason}")
    if race:
        log.info(describe_cost(record.race_record))
    return report


def _write(results_dir: Path, record: RunRecord) -> RunRecord:
    store.write_run_meta(results_dir, record.run_id, record.to_doc())
    return record


def _cut_short(exc: BaseException) -> Tuple[str, str]:
    """(status, reason) of a run an exception ended: interrupted by the user or by a lost engine, else failed."""
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED, "interrupted (Ctrl-C or SIGTERM)"
    if isinstance(exc, EngineUnavailable):
        return INTERRUPTED, f"engine lost: {exc.args[0]}"
    return FAILED, f"{type(exc).__name__}: {exc}"


def check_target_has_pairs(protocol: Protocol, variants: List[Variant]) -> None:
    """A precision target is about speedups: some variant must run beside its reference."""
    names = {v.name for v in variants}
    if protocol.target_ci is not None and not any(v.reference in names and v.reference != v.name
                                                  for v in variants):
        raise ConfigError("--target-ci needs a variant and its reference in the same run",
                          hint="add the reference variant (`invoke variants` names each one's reference)")


def _measured(results: Dict[str, VariantResult], failures: Dict[str, str]) -> Dict[str, VariantResult]:
    return {n: r for n, r in results.items() if r.visits and n not in failures}


def _racing(results: Dict[str, VariantResult], failures: Dict[str, str],
            race: Optional[Race]) -> Dict[str, VariantResult]:
    """The measured arms still in the race (all of them when not racing)."""
    return {n: r for n, r in _measured(results, failures).items() if race is None or race.alive(n)}


def _rounds_done(results: Dict[str, VariantResult]) -> int:
    """Rounds in which every arm that has not failed (or been dropped from a race) was visited."""
    done = [len(r.visits) for r in results.values() if r.visits]
    return min(done) if done else 0


def _widest(measured: Dict[str, VariantResult]) -> Tuple[Optional[float], Optional[str]]:
    """The widest relative CI half-width of a speedup vs its reference, and whose (None: not yet)."""
    from ..analysis.stats import widest_half_width

    overall = widest_half_width(measured)
    if overall is None:
        return None, None
    per_variant = {}
    for name, result in measured.items():
        ref = result.reference
        if ref in measured and ref != name and not result.arm_of:
            width = widest_half_width({ref: measured[ref], name: result})
            if width is not None:
                per_variant[name] = width
    which = max(per_variant, key=per_variant.get) if per_variant else None
    return overall, which


def _stop_reason(protocol: Protocol, rounds_done: int, elapsed_s: float,
                 measured: Dict[str, VariantResult], race: Optional[Race] = None) -> Optional[str]:
    """Why no further round starts, or None to start one. --rounds is always the minimum."""
    if rounds_done < protocol.rounds:
        return None
    if race is not None:
        return race.stop_reason(measured) or _limit_reason(protocol, rounds_done, elapsed_s, "no winner yet")
    if protocol.target_ci is None:
        return f"{rounds_done} round(s) done as asked"
    widest, _ = _widest(measured)
    if widest is not None and widest <= protocol.target_ci:
        return f"target reached: widest CI ±{widest:.1%} ≤ ±{protocol.target_ci:.1%} after {rounds_done} round(s)"
    shortfall = "not computable" if widest is None else f"±{widest:.1%}"
    return _limit_reason(protocol, rounds_done, elapsed_s, f"widest CI {shortfall}, target ±{protocol.target_ci:.1%}")


def _limit_reason(protocol: Protocol, rounds_done: int, elapsed_s: float, state: str) -> Optional[str]:
    """The round or time limit that stops an open-ended run (precision target or race), if reached."""
    if rounds_done >= protocol.round_limit:
        return f"max rounds ({protocol.round_limit}) reached with {state}"
    if protocol.max_minutes is not None:
        per_round = elapsed_s / max(rounds_done, 1)
        if elapsed_s + per_round > protocol.max_minutes * 60:
            return (f"max minutes ({protocol.max_minutes:g}) would be exceeded by another round "
                    f"(~{per_round / 60:.1f} min each); {state}")
    return None


def rounds_still_needed(rounds_done: int, widest: Optional[float], target: float, limit: int) -> int:
    """Rounds left to reach the target, assuming CI width ∝ 1/√containers; at least 1 below the limit."""
    if widest is None:
        return max(1, min(limit, 2) - rounds_done) if rounds_done < limit else 0
    if widest <= target:
        return 0
    needed = math.ceil(rounds_done * (widest / target) ** 2)
    return max(1, min(limit, needed) - rounds_done) if rounds_done < limit else 0


def progress_line(protocol: Protocol, rounds_done: int, elapsed_s: float,
                  measured: Dict[str, VariantResult]) -> str:
    per_round = elapsed_s / max(rounds_done, 1)
    if protocol.target_ci is None:
        left = (protocol.rounds - rounds_done) * per_round
        return f"  round {rounds_done}/{protocol.rounds} done · ~{_minutes(left)} left"
    widest, which = _widest(measured)
    width = "not computable yet (needs 2 containers per variant)" if widest is None else \
        f"±{widest:.1%}" + (f" ({which})" if which else "")
    more = max(protocol.rounds - rounds_done,
               rounds_still_needed(rounds_done, widest, protocol.target_ci, protocol.round_limit))
    left = more * per_round
    if protocol.max_minutes is not None:
        left = min(left, max(0.0, protocol.max_minutes * 60 - elapsed_s))
    return (f"  round {rounds_done} done · widest CI {width} · target ±{protocol.target_ci:.1%} · "
            f"about {more} more round(s), ~{_minutes(left)} left")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _visit(engine: Engine, arm: Arm, protocol: Protocol, run_id: str, round_index: int, position: int) -> Visit:
    log_dir = paths.logs_dir() / "runs" / run_id
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{arm.name}-round{round_index + 1}.log"
    outcome = engine.run(container_spec(arm, protocol, run_id, round_index))
    log_path.write_text(outcome.stderr)
    if outcome.oom_killed:
        raise RunError(f"killed for running out of memory (limit {arm.variant.memory_bytes >> 20} MiB)",
                       hint=f"raise limits.memory for {arm.variant.name}; log: {log_path}")
    if outcome.timed_out:
        raise RunError(f"did not finish within {protocol.timeout_s:.0f}s and was stopped",
                       hint=f"raise --timeout or lower --repeats; log: {log_path}")
    if outcome.exit_code != 0:
        tail = "\n    ".join(outcome.stderr.strip().splitlines()[-5:])
        raise RunError(f"profiler exited with {outcome.exit_code}:\n    {tail}", hint=f"full log: {log_path}")
    try:
        profile = json.loads(outcome.stdout)
    except ValueError:
        raise RunError("profiler printed no JSON document", hint=f"log: {log_path}") from None
    validate_profile(profile, where=str(log_path))
    return Visit(round=round_index, position=position, started_at=outcome.started_at,
                 finished_at=outcome.finished_at, exit_code=outcome.exit_code,
                 oom_killed=outcome.oom_killed, log=str(log_path), profile=profile)


def _summary_line(profile: dict) -> str:
    cases = {c["words"]: c["samples_ns"] for c in profile["cases"]}

    def median_ms(samples):
        s = sorted(samples)
        return s[len(s) // 2] / 1e6

    first, last = min(cases), max(cases)
    cg = profile.get("cgroup") or {}
    return (f"{first} word: {median_ms(cases[first]):.1f} ms · {last} words: {median_ms(cases[last]):.1f} ms"
            f" · peak RSS {profile.get('peak_rss_bytes', 0) / 2**20:.0f} MiB"
            f" · cgroup cpus {cg.get('cpus')} memory {cg.get('memory_limit_bytes')}")

