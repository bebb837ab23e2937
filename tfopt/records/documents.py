"""Typed view of the results store: the one place that reads result and run documents' keys.

Other modules take a result document or its typed view (Doc; Results by variant name) and
read it through variant_result(), or read a whole run through load_run().

Loaders are versioned by each document's "schema" field. A multi-engine run (results.py)
loads as an EnginesRun: its parent's record and each engine's part, an ordinary Run. Known: tfopt.result/1 and
tfopt.run/1 (a run.json without "status" predates run status: it is inferred and
marked as such). Anything else is refused with a ConfigError that names the file.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from . import store
from ..errors import ConfigError

RESULT_SCHEMAS = ("tfopt.result/1",)
RUN_SCHEMAS = ("tfopt.run/1",)
STATUSES = ("complete", "interrupted", "failed", "running")  # running: no end recorded


@dataclass(frozen=True)
class Container:
    """One visit: a fresh container of one variant in one round."""

    round: Optional[int]
    samples_ms: Dict[int, np.ndarray]  # timed predict() calls by input word count
    cgroup: dict = field(default_factory=dict)
    profile: dict = field(default_factory=dict)  # the raw tfopt.profile/1 document

    @property
    def periods(self) -> Tuple[int, int]:
        """(throttled CFS periods, all CFS periods)."""
        return int(self.cgroup.get("nr_throttled") or 0), int(self.cgroup.get("nr_periods") or 0)

    @property
    def predictions_digest(self) -> Optional[str]:
        """The digest of every prediction this container made (the correctness gate compares them)."""
        return (self.profile.get("predictions") or {}).get("digest")


@dataclass(frozen=True)
class Visit:
    """One visit as recorded, whether or not its container produced a profile."""

    round: Optional[int]
    seconds: Optional[float]  # how long its container ran; None when its times are not recorded


@dataclass(frozen=True)
class Limits:
    """The container limits a variant was measured under."""

    cpus: Optional[float] = None
    memory_bytes: Optional[int] = None
    cpuset: Optional[str] = None


@dataclass(frozen=True)
class VariantResult:
    """One variant (or A/A arm) measured in one run."""

    name: str
    family: str
    parent: Optional[str]
    reference: Optional[str]
    arm_of: Optional[str]
    run_id: Optional[str]
    settings: dict
    containers: Tuple[Container, ...]
    visits: Tuple[Visit, ...] = ()  # every visit, also those whose container produced no profile
    changes: Dict[str, list] = field(default_factory=dict)  # {key: [parent's value, this value]}
    may_change_predictions: bool = False
    runtime: str = "tensorflow"
    decoding: str = "rerun"
    protocol: dict = field(default_factory=dict)  # the measuring protocol as this result recorded it
    limits: Limits = Limits()
    image_size_bytes: Optional[int] = None
    image_labels: Dict[str, str] = field(default_factory=dict)
    engine: Optional["EngineFacts"] = None  # the Docker engine measured on, where recorded
    host: Optional["EngineFacts"] = None  # the machine as the controlling host saw it
    tfopt_version: Optional[str] = None
    git_commit: Optional[str] = None  # of the tfopt that measured

    @property
    def is_reference(self) -> bool:
        return self.reference == self.name

    @property
    def machine(self) -> Optional["EngineFacts"]:
        """The machine measured on: the engine's facts (its CPU is read on that machine), else the host's."""
        return self.engine or self.host

    @property
    def predictions_digests(self) -> Tuple[Optional[str], ...]:
        """The predictions digest of each container that produced a profile (None where it has none)."""
        return tuple(c.predictions_digest for c in self.containers)

    @property
    def threads(self) -> Tuple[Optional[int], Optional[int]]:
        """(intra_op, inter_op) session threads; 0 or None means TensorFlow's default."""
        threads = self.settings.get("threads") or {}
        return threads.get("intra_op"), threads.get("inter_op")

    @property
    def env(self) -> Dict[str, str]:
        return dict(self.settings.get("env") or {})

    @property
    def tensorflow(self) -> Optional[dict]:
        """Where its TensorFlow comes from, as the settings give it (e.g. {"pypi": "tensorflow-cpu==2.21.0"})."""
        return self.settings.get("tensorflow")

    def first_rounds(self, rounds: int) -> "VariantResult":
        """This variant as it stood after `rounds` rounds (a visit's round counts from 0)."""
        return replace(self, containers=tuple(c for c in self.containers
                                              if c.round is not None and c.round < rounds))


def _instant(text) -> Optional[datetime]:
    """A recorded UTC time ('…Z', with up to nanosecond fractions, which datetime cannot hold)."""
    try:
        return datetime.fromisoformat(str(text)[:26].rstrip("Z") + "+00:00")
    except (TypeError, ValueError):
        return None


def seconds_between(started_at, finished_at) -> Optional[float]:
    """Seconds from one recorded time to another; None when either is missing or unreadable."""
    start, end = _instant(started_at), _instant(finished_at)
    return (end - start).total_seconds() if start and end else None


def _visit(visit: dict) -> Visit:
    """Its container's time comes from its engine's start and finish times."""
    return Visit(round=visit.get("round"), seconds=seconds_between(visit.get("started_at"), visit.get("finished_at")))


def _container(visit: dict) -> Optional[Container]:
    profile = visit.get("profile")
    if not isinstance(profile, dict):
        return None
    samples: Dict[int, List[float]] = {}
    for case in profile.get("cases") or []:
        if case.get("samples_ns"):
            samples.setdefault(int(case["words"]), []).extend(s / 1e6 for s in case["samples_ns"])
    return Container(round=visit.get("round"),
                     samples_ms={w: np.asarray(samples[w], dtype=float) for w in sorted(samples)},
                     cgroup=profile.get("cgroup") or {}, profile=profile)


Doc = Union[dict, VariantResult]  # a raw result document or its typed view
Results = Dict[str, Doc]  # by variant name


def variant_result(doc: Doc) -> VariantResult:
    """A result document (tfopt.result/1; synthetic test documents may omit "schema")."""
    if isinstance(doc, VariantResult):
        return doc
    schema = doc.get("schema", RESULT_SCHEMAS[0])
    if schema not in RESULT_SCHEMAS:
        raise ConfigError(f"result document of {doc.get('variant', {}).get('name', '?')} has schema "
                          f"{schema!r}; this tfopt reads {', '.join(RESULT_SCHEMAS)}",
                          hint="use the tfopt version that wrote it, or re-run the measurement")
    variant, image, limits = doc["variant"], doc.get("image") or {}, doc.get("limits") or {}
    engine, host = doc.get("engine"), doc.get("host") or {}
    visits = doc.get("visits") or []
    return VariantResult(
        name=variant["name"], family=variant.get("family") or "?",
        parent=variant.get("parent"), reference=variant.get("reference"),
        arm_of=variant.get("arm_of"), run_id=doc.get("run_id"),
        settings=variant.get("settings") or {},
        containers=tuple(c for c in map(_container, visits) if c is not None), visits=tuple(map(_visit, visits)),
        changes=variant.get("changes") or {}, may_change_predictions=bool(variant.get("may_change_predictions")),
        runtime=variant.get("runtime") or "tensorflow", decoding=variant.get("decoding") or "rerun",
        protocol=doc.get("protocol") or {},
        limits=Limits(cpus=limits.get("cpus"), memory_bytes=limits.get("memory_bytes"), cpuset=limits.get("cpuset")),
        image_size_bytes=image.get("size_bytes"), image_labels=image.get("labels") or {},
        engine=engine_facts(engine) if engine else None, host=engine_facts(host) if host else None,
        tfopt_version=host.get("tfopt_version"), git_commit=host.get("git_commit"))


def variant_results(docs: Results) -> Dict[str, VariantResult]:
    """Each document's typed view, by the same names (read once, then passed around)."""
    return {name: variant_result(doc) for name, doc in docs.items()}


@dataclass(frozen=True)
class EngineFacts:
    """One Docker engine a run measured on, as recorded (CPU facts read inside a container on
    that engine). `part`, `status` and `reason` are set in a multi-engine run's parent only."""

    name: str
    endpoint: Optional[str] = None
    host_name: Optional[str] = None
    cpu_model: Optional[str] = None
    cpu_flags: Tuple[str, ...] = ()
    ncpu: Optional[int] = None
    memory_bytes: Optional[int] = None
    docker_version: Optional[str] = None
    kernel: Optional[str] = None
    os: Optional[str] = None
    architecture: Optional[str] = None
    part: Optional[str] = None
    status: Optional[str] = None  # complete | interrupted | failed | lost
    reason: Optional[str] = None


def engine_facts(doc: dict) -> EngineFacts:
    """Engine facts from a run.json or result document; unknown keys are ignored."""
    flags = doc.get("cpu_flags") or ()
    return EngineFacts(
        name=str(doc.get("name") or "?"), endpoint=doc.get("endpoint"), host_name=doc.get("host_name"),
        cpu_model=doc.get("cpu_model"), cpu_flags=tuple(flags.split() if isinstance(flags, str) else flags),
        ncpu=doc.get("ncpu"), memory_bytes=doc.get("memory_bytes"), docker_version=doc.get("docker_version"),
        kernel=doc.get("kernel"), os=doc.get("os"), architecture=doc.get("architecture"),
        part=doc.get("part"), status=doc.get("status"), reason=doc.get("reason"))


@dataclass(frozen=True)
class Run:
    """One run: its variants and its A/A arms, never mixed with another run's."""

    run_id: str
    kind: str
    status: str  # complete | interrupted | failed | running | unknown
    status_recorded: bool  # False: inferred for a run.json that predates run status
    protocol: dict
    meta: dict
    docs: Dict[str, dict]  # raw result documents of the variants (A/A arms excluded)
    arm_docs: Dict[str, dict]  # raw result documents of the A/A arms

    @property
    def variants(self) -> Dict[str, VariantResult]:
        return variant_results(self.docs)

    @property
    def engine(self) -> Optional[EngineFacts]:
        """The engine this run measured on: a part's "engine", a single-engine run's only
        entry of "engines"; None when not recorded (runs before engines were recorded)."""
        if isinstance(self.meta.get("engine"), dict):
            return engine_facts(self.meta["engine"])
        listed = self.meta.get("engines") or []
        return engine_facts(listed[0]) if len(listed) == 1 and not self.is_parent else None

    @property
    def is_parent(self) -> bool:
        """A multi-engine run's parent: no results of its own, one part run per engine."""
        return is_parent_meta(self.meta)

    @property
    def rounds_done(self) -> int:
        """Rounds recorded in run.json, else the rounds any visit ran in."""
        if isinstance(self.meta.get("rounds_done"), int):
            return self.meta["rounds_done"]
        return len({c.round for v in self.variants.values() for c in v.containers})

    @property
    def parent(self) -> Optional[str]:
        """The multi-engine run this run is one engine's part of; None for a run of its own."""
        return self.meta.get("parent")

    @property
    def race(self) -> Optional["RaceRecord"]:
        """The race record of a `--race` run; None for a run that profiled every variant fully."""
        return race_record(self.meta)

    @property
    def stop_reason(self) -> Optional[str]:
        return self.meta.get("stop_reason")

    @property
    def wall_minutes(self) -> Optional[float]:
        """From the run's start to its end as run.json records them (the round loop, images ready)."""
        seconds = seconds_between(self.meta.get("started_at"), self.meta.get("finished_at"))
        return seconds / 60 if seconds is not None else None

    @property
    def visit_count(self) -> int:
        return sum(len(v.visits) for v in self.variants.values())

    @property
    def container_minutes(self) -> Optional[float]:
        """Every visit's container time summed; None when a visit has no recorded times."""
        seconds = [visit.seconds for v in self.variants.values() for visit in v.visits]
        return sum(seconds) / 60 if seconds and None not in seconds else None

    def describe_status(self) -> str:
        if not self.status_recorded:
            return f"{self.status} (inferred: this run.json predates recorded run status)"
        if self.status == "running":
            return "running (no end recorded: still going, or stopped without a chance to record it)"
        reason = self.meta.get("reason")
        return f"{self.status} ({reason})" if reason else self.status


def is_parent_meta(meta: dict) -> bool:
    return meta.get("kind") == "engines" or bool(meta.get("parts"))


@dataclass(frozen=True)
class RaceDrop:
    name: str
    after_round: int
    reason: str


@dataclass(frozen=True)
class RaceRecord:
    """run.json's `race` (tfopt/measure/race.py): who was dropped when and why, the verdict, the cost."""

    margin: float
    tie: float
    survivors_per_round: Tuple[int, ...]
    dropped: Tuple[RaceDrop, ...]
    survivors: Tuple[str, ...]  # ranked, fastest first
    winner: Optional[str]
    verdict: Optional[str]
    visits: int
    full_visits: int  # every variant in every round the race took
    minutes: Optional[float]  # container-minutes
    full_minutes: Optional[float]  # estimated from each variant's mean visit
    saved: float

    @property
    def best(self) -> Optional[str]:
        """The winner, else the fastest survivor by estimate."""
        return self.winner or next(iter(self.survivors), None)

    @classmethod
    def of(cls, raw: dict) -> "RaceRecord":
        return cls(margin=raw["margin"], tie=raw["tie"],
                   survivors_per_round=tuple(raw.get("survivors_per_round") or ()),
                   dropped=tuple(RaceDrop(d["name"], d["after_round"], d["reason"]) for d in raw.get("dropped") or ()),
                   survivors=tuple(raw.get("survivors") or ()), winner=raw.get("winner"),
                   verdict=raw.get("verdict"), visits=raw["visits"], full_visits=raw["full_visits"],
                   minutes=raw.get("minutes"), full_minutes=raw.get("full_minutes"), saved=raw["saved"])


def race_record(meta: dict) -> Optional[RaceRecord]:
    """The race record of a run.json; None for a run that profiled every variant fully."""
    return RaceRecord.of(meta["race"]) if meta.get("race") else None


def _status(meta: dict) -> Tuple[str, bool]:
    if meta.get("status") in STATUSES:
        return meta["status"], True
    if not meta:
        return "unknown", False
    if not meta.get("finished_at"):
        return "interrupted", False
    return ("failed" if meta.get("failures") else "complete"), False


def read_meta(results_dir: Path, run_id: str) -> dict:
    path = store.run_dir(results_dir, run_id) / "run.json"
    try:
        meta = store.read_run_meta(path.parent)
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}", hint="restore it from git or re-run") from None
    if meta.get("schema", RUN_SCHEMAS[0]) not in RUN_SCHEMAS:
        raise ConfigError(f"{path} has schema {meta.get('schema')!r}; this tfopt reads "
                          f"{', '.join(RUN_SCHEMAS)}", hint="use the tfopt version that wrote it")
    return meta


def load_run(results_dir: Path, run_id: str) -> Run:
    docs = store.load_run(results_dir, run_id)  # raises ConfigError for an unknown run
    for doc in docs.values():
        variant_result(doc)  # refuse unknown schemas before any statistics
    meta = read_meta(results_dir, run_id)
    status, recorded = _status(meta)
    return Run(run_id=run_id, kind=meta.get("kind", "profile"), status=status, status_recorded=recorded,
               protocol=meta.get("protocol") or {}, meta=meta,
               docs={n: d for n, d in docs.items() if not d["variant"].get("arm_of")},
               arm_docs={n: d for n, d in docs.items() if d["variant"].get("arm_of")})


@dataclass(frozen=True)
class EnginesRun:
    """A multi-engine run: the parent's record and one ordinary run per engine (its part).
    Comparisons are only ever made inside one part."""

    run_id: str
    status: str
    meta: dict
    engines: Tuple[EngineFacts, ...]  # in the order the run listed them
    parts: Dict[str, Run]  # by engine name; a lost engine's part may have no results at all

    def describe_status(self) -> str:
        reason = self.meta.get("reason")
        return f"{self.status} ({reason})" if reason else self.status


def _part(results_dir: Path, engine: EngineFacts) -> Run:
    """The engine's part run; an empty one when the engine was lost before the part was recorded."""
    if store.run_dir(results_dir, engine.part).is_dir():
        return load_run(results_dir, engine.part)
    return Run(run_id=engine.part, kind="profile", status=engine.status or "unknown", status_recorded=False,
               protocol={}, meta={}, docs={}, arm_docs={})


def load_engines_run(results_dir: Path, run_id: str) -> EnginesRun:
    """A multi-engine run by its (parent) id; ConfigError when `run_id` is no such run."""
    meta = read_meta(results_dir, run_id)
    if not is_parent_meta(meta):
        found = "no run.json" if not meta else f"a {meta.get('kind', 'profile')} run"
        raise ConfigError(f"run {run_id!r} is not a multi-engine run ({found})",
                          hint="invoke report --run ID renders single-engine runs and parts as well")
    parts_by_name = meta.get("parts") or {}
    listed = [dict(e, part=e.get("part") or parts_by_name.get(e.get("name"))
                   or store.part_id(run_id, e.get("name"))) for e in meta.get("engines") or []]
    listed += [{"name": name, "part": part} for name, part in parts_by_name.items()
               if name not in {e.get("name") for e in listed}]
    engines = tuple(engine_facts(e) for e in listed)
    status, _ = _status(meta)
    return EnginesRun(run_id=run_id, status=status, meta=meta, engines=engines,
                      parts={e.name: _part(results_dir, e) for e in engines})


def latest_run_id(results_dir: Path) -> Optional[str]:
    """The newest run with at least one measured visit. A multi-engine run's parts are never
    chosen themselves: the parent counts as measured when one of its parts is."""
    measured = {store.parent_of(d["run_id"]) for d in store.iter_results(results_dir)}
    ids = [r for r in store.list_run_ids(results_dir) if r in measured and not store.is_part(r)]
    return ids[-1] if ids else None
