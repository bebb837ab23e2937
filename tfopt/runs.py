"""image + run settings → profiling containers, in interleaved rounds → result documents.

Each round visits every variant once, in a fresh container, in an order
shuffled per round from a recorded seed, so drift hits all variants alike.
A visit's document is written as soon as it is measured: an interrupted run
keeps everything measured so far.
"""

import json
import platform
import random
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from . import __version__, paths, results, runtimes
from .config import Variant
from .engine import ContainerSpec, Engine
from .errors import RunError
from .validate import validate_profile

MODEL_DIR = "/opt/g2p/model"


@dataclass
class Protocol:
    rounds: int = 3
    repeats: int = 4
    warmups: int = 1
    seed: int = 0
    pin: Optional[str] = None      # cpuset applied on top of each variant's quota
    max_words: int = 20
    timeout_s: float = 1800.0
    microbench: bool = True        # the single-core GEMM peak, for the distance-to-the-limit columns


@dataclass
class Arm:
    """One thing measured: a variant in an image (A/A runs measure one variant as two arms)."""

    name: str
    variant: Variant
    image: str
    arm_of: Optional[str] = None


@dataclass
class RunReport:
    run_id: str
    written: Dict[str, Path] = field(default_factory=dict)
    failures: Dict[str, str] = field(default_factory=dict)


def host_facts(engine: Engine) -> dict:
    cpu_model, flags = None, []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu_model is None:
                cpu_model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), "rev-parse", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or None
    except OSError:
        commit = None
    return {"tfopt_version": __version__, "git_commit": commit, "docker_version": engine.version(),
            "kernel": platform.release(), "cpu_model": cpu_model, "cpu_flags": flags}


def profile_command(variant: Variant, protocol: Protocol) -> List[str]:
    """Runtime, decoding and form come from the model directory; the knobs from g2p.knobs."""
    return ["python", "-m", "g2p.profile", "--model-dir", MODEL_DIR,
            *runtimes.flags(variant.runtime, variant.knobs),
            "--warmups", str(protocol.warmups), "--repeats", str(protocol.repeats),
            "--max-words", str(protocol.max_words), "--microbench", "on" if protocol.microbench else "off",
            "--out", "-"]


def container_spec(arm: Arm, protocol: Protocol, run_id: str) -> ContainerSpec:
    v = arm.variant
    return ContainerSpec(
        image=arm.image, command=profile_command(v, protocol),
        labels={"tfopt.kind": "profile", "tfopt.run": run_id, "tfopt.variant": arm.name},
        environment=v.run_environment(), nano_cpus=int(v.cpus * 1e9), mem_limit=v.memory_bytes,
        cpuset_cpus=protocol.pin or v.cpuset, timeout_s=protocol.timeout_s,
    ).locked_down()


def _result_doc(arm: Arm, run_id: str, image, host: dict, protocol: Protocol,
                plan_variants: Dict[str, Variant]) -> dict:
    v = arm.variant
    parent = plan_variants.get(v.parent) if v.parent else None
    return {
        "run_id": run_id,
        "variant": {"name": arm.name, "description": v.description, "family": v.family,
                    "parent": v.parent, "reference": v.reference, "changes": v.changes_from(parent),
                    "may_change_predictions": v.may_change_predictions, "arm_of": arm.arm_of,
                    "settings": v.settings, "runtime": v.runtime, "decoding": v.decoding,
                    "knobs": v.knobs},
        "image": {"id": image.id, "tag": arm.image, "size_bytes": image.attrs.get("Size"),
                  "labels": image.labels},
        "limits": {"cpus": v.cpus, "memory_bytes": v.memory_bytes, "cpuset": protocol.pin or v.cpuset},
        "protocol": {"rounds": protocol.rounds, "repeats": protocol.repeats,
                     "warmups": protocol.warmups, "seed": protocol.seed},
        "host": host,
        "visits": [],
    }


def measure(engine: Engine, arms: List[Arm], protocol: Protocol, plan_variants: Dict[str, Variant],
            results_dir: Path, say: Callable[[str], None] = print, kind: str = "profile") -> RunReport:
    run_id = results.new_run_id()
    report = RunReport(run_id)
    host = host_facts(engine)
    orders = []
    rng = random.Random(protocol.seed)
    for _ in range(protocol.rounds):
        order = [a.name for a in arms]
        rng.shuffle(order)
        orders.append(order)
    results.write_run_meta(results_dir, run_id, {
        "kind": kind, "arms": [a.name for a in arms], "orders": orders, "host": host,
        "protocol": vars(protocol), "started_at": _now(),
    })
    docs = {a.name: _result_doc(a, run_id, engine.image(a.image), host, protocol, plan_variants) for a in arms}
    by_name = {a.name: a for a in arms}
    say(f"run {run_id}: {len(arms)} variant(s) × {protocol.rounds} round(s), seed {protocol.seed}")
    for round_index, order in enumerate(orders):
        for position, name in enumerate(order):
            if name in report.failures:
                continue
            arm = by_name[name]
            say(f"  round {round_index + 1}/{protocol.rounds} · {name}")
            try:
                visit = _visit(engine, arm, protocol, run_id, round_index, position)
            except RunError as exc:
                report.failures[name] = str(exc)
                say(f"  ✗ {name}: {exc}")
                continue
            docs[name]["visits"].append(visit)
            report.written[name] = results.write_result(results_dir, docs[name])
            say("    " + _summary_line(visit["profile"]))
    meta = results.read_run_meta(results.run_dir(results_dir, run_id))
    results.write_run_meta(results_dir, run_id, dict(meta, finished_at=_now(), failures=report.failures))
    return report


def _visit(engine: Engine, arm: Arm, protocol: Protocol, run_id: str, round_index: int, position: int) -> dict:
    log_dir = paths.logs_dir() / "runs" / run_id
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{arm.name}-round{round_index + 1}.log"
    outcome = engine.run(container_spec(arm, protocol, run_id))
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
    return {"round": round_index, "position": position, "started_at": outcome.started_at,
            "finished_at": outcome.finished_at, "exit_code": outcome.exit_code,
            "oom_killed": outcome.oom_killed, "log": str(log_path), "profile": profile}


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


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
