"""Records: each document of the results store as a type that reads and writes it.

VariantResult is one result document (results/runs/<run>/<variant>.json), RunRecord one run.json;
each has to_doc(), what the round loop writes, and from_doc(), a loader by the document's
"schema" (formats.py keeps the history of the shapes it still reads, and refuses other ids
with UnknownFormat). Run is a run read back: its record and its results, never mixed with
another run's; EnginesRun a multi-engine run: its parent's record and each engine's part.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from . import store
from .formats import (COMPLETE, ENDINGS, FAILED, INTERRUPTED, RESULT_SCHEMA, RESULT_SCHEMAS, RUN_SCHEMA,
                      RUN_SCHEMAS, STATUSES, UNKNOWN)
from .. import labels as label
from ..clock import utc_stamp
from ..errors import ConfigError, DamagedRecord, UnknownFormat
from ..log import log

def _checked(doc: dict, readable: Tuple[str, ...], where: str) -> None:
    """Refuse a document whose schema this tfopt cannot read (synthetic test documents may omit it)."""
    schema = doc.get("schema", readable[0])
    if schema not in readable:
        raise UnknownFormat(f"{where} has schema {schema!r}; this tfopt reads {', '.join(readable)}",
                            hint="use the tfopt version that wrote it, or re-run the measurement")


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


@dataclass(frozen=True)
class Visit:
    """One visit as recorded, whether or not its container produced a profile."""

    round: Optional[int]
    position: Optional[int] = None  # its place in the round's shuffled order
    started_at: Optional[str] = None  # its container's start and finish, as its engine recorded them
    finished_at: Optional[str] = None
    exit_code: Optional[int] = None
    oom_killed: Optional[bool] = None
    log: Optional[str] = None  # the container's stderr, on the host that ran it
    profile: Optional[dict] = None  # the tfopt.profile/1 document it printed

    @property
    def seconds(self) -> Optional[float]:
        """How long its container ran; None when its times are not recorded."""
        return seconds_between(self.started_at, self.finished_at)

    @property
    def container(self) -> Optional[Container]:
        """Its timings by word count; None when its container produced no profile."""
        if not isinstance(self.profile, dict):
            return None
        samples: Dict[int, List[float]] = {}
        for case in self.profile.get("cases") or []:
            if case.get("samples_ns"):
                samples.setdefault(int(case["words"]), []).extend(s / 1e6 for s in case["samples_ns"])
        return Container(round=self.round,
                         samples_ms={w: np.asarray(samples[w], dtype=float) for w in sorted(samples)},
                         cgroup=self.profile.get("cgroup") or {}, profile=self.profile)

    def to_doc(self) -> dict:
        return {"round": self.round, "position": self.position, "started_at": self.started_at,
                "finished_at": self.finished_at, "exit_code": self.exit_code, "oom_killed": self.oom_killed,
                "log": self.log, "profile": self.profile}

    @classmethod
    def from_doc(cls, doc: dict) -> "Visit":
        return cls(round=doc.get("round"), position=doc.get("position"), started_at=doc.get("started_at"),
                   finished_at=doc.get("finished_at"), exit_code=doc.get("exit_code"),
                   oom_killed=doc.get("oom_killed"), log=doc.get("log"), profile=doc.get("profile"))


@dataclass(frozen=True)
class Limits:
    """The container limits a variant was measured under."""

    cpus: Optional[float] = None
    memory_bytes: Optional[int] = None
    cpuset: Optional[str] = None

    def to_doc(self) -> dict:
        return {"cpus": self.cpus, "memory_bytes": self.memory_bytes, "cpuset": self.cpuset}

    @classmethod
    def from_doc(cls, doc: dict) -> "Limits":
        return cls(cpus=doc.get("cpus"), memory_bytes=doc.get("memory_bytes"), cpuset=doc.get("cpuset"))


@dataclass(frozen=True)
class VariantResult:
    """One variant (or A/A arm) measured in one run: a tfopt.result document."""

    name: str
    family: str
    parent: Optional[str]
    reference: Optional[str]
    arm_of: Optional[str]
    run_id: Optional[str]
    settings: dict
    visits: Tuple[Visit, ...] = ()  # every visit, also those whose container produced no profile
    description: Optional[str] = None
    changes: Dict[str, list] = field(default_factory=dict)  # {key: [parent's value, this value]}
    may_change_predictions: bool = False
    runtime: str = "tensorflow"
    decoding: str = "rerun"
    knobs: dict = field(default_factory=dict)  # {dotted knob key: value}
    protocol: dict = field(default_factory=dict)  # the measuring protocol as this result recorded it
    limits: Limits = Limits()
    image_id: Optional[str] = None
    image_tag: Optional[str] = None
    image_size_bytes: Optional[int] = None
    image_labels: Dict[str, str] = field(default_factory=dict)
    tf_isa_counts: Dict[str, int] = field(default_factory=dict)  # as the run counted them; {}: not counted
    host_doc: dict = field(default_factory=dict)  # the machine as the controlling host saw it, as recorded
    engine_doc: Optional[dict] = None  # the Docker engine's facts (tfopt/engine/fleet.py), where recorded

    @cached_property
    def containers(self) -> Tuple[Container, ...]:
        """The visits whose container produced a profile, parsed once."""
        return tuple(c for c in (v.container for v in self.visits) if c is not None)

    @property
    def engine(self) -> Optional["EngineFacts"]:
        """The Docker engine measured on, where recorded."""
        return engine_facts(self.engine_doc) if self.engine_doc else None

    @property
    def host(self) -> Optional["EngineFacts"]:
        """The machine as the controlling host saw it."""
        return engine_facts(self.host_doc) if self.host_doc else None

    @property
    def tfopt_version(self) -> Optional[str]:
        return self.host_doc.get("tfopt_version")

    @property
    def git_commit(self) -> Optional[str]:
        """Of the tfopt that measured."""
        return self.host_doc.get("git_commit")

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

    @property
    def tf_wheel_sha256(self) -> Optional[str]:
        """The sha256 of the TensorFlow wheel its image installed, as the image's label records it."""
        return self.image_labels.get(label.TF_WHEEL_SHA256) or None

    @property
    def tf_isa(self) -> Dict[str, int]:
        """Instructions of each family in its TensorFlow wheel, as this result recorded them, or
        older results their image's label; {} when the run did not count them (or has no TF wheel)."""
        if self.tf_isa_counts:
            return dict(self.tf_isa_counts)
        text = self.image_labels.get(label.TF_ISA)
        return label.isa_counts(text) if text else {}

    def first_rounds(self, rounds: int) -> "VariantResult":
        """This variant as it stood after `rounds` rounds (a visit's round counts from 0)."""
        return replace(self, visits=tuple(v for v in self.visits if v.round is not None and v.round < rounds))

    def with_visit(self, visit: Visit) -> "VariantResult":
        return replace(self, visits=self.visits + (visit,))

    def to_doc(self) -> dict:
        doc = {
            "schema": RESULT_SCHEMA,
            "run_id": self.run_id,
            "variant": {"name": self.name, "description": self.description, "family": self.family,
                        "parent": self.parent, "reference": self.reference, "changes": self.changes,
                        "may_change_predictions": self.may_change_predictions, "arm_of": self.arm_of,
                        "settings": self.settings, "runtime": self.runtime, "decoding": self.decoding,
                        "knobs": self.knobs},
            "image": {"id": self.image_id, "tag": self.image_tag, "size_bytes": self.image_size_bytes,
                      "labels": self.image_labels},
            "limits": self.limits.to_doc(),
            "protocol": self.protocol,
            "host": self.host_doc,
            "visits": [v.to_doc() for v in self.visits],
        }
        if self.tf_isa_counts:
            doc["tf_isa"] = self.tf_isa_counts
        if self.engine_doc is not None:
            doc["engine"] = self.engine_doc
        return doc

    @classmethod
    def from_doc(cls, doc: dict, where: Optional[str] = None) -> "VariantResult":
        """A result document of any shape formats.py lists; UnknownFormat for another schema."""
        variant, image = doc.get("variant") or {}, doc.get("image") or {}
        _checked(doc, RESULT_SCHEMAS, where or f"result document of {variant.get('name', '?')}")
        return cls(
            name=variant["name"], family=variant.get("family") or "?", description=variant.get("description"),
            parent=variant.get("parent"), reference=variant.get("reference"),
            arm_of=variant.get("arm_of"), run_id=doc.get("run_id"),
            settings=variant.get("settings") or {},
            visits=tuple(Visit.from_doc(v) for v in doc.get("visits") or []),
            changes=variant.get("changes") or {}, may_change_predictions=bool(variant.get("may_change_predictions")),
            runtime=variant.get("runtime") or "tensorflow", decoding=variant.get("decoding") or "rerun",
            knobs=variant.get("knobs") or {}, protocol=doc.get("protocol") or {},
            limits=Limits.from_doc(doc.get("limits") or {}),
            image_id=image.get("id"), image_tag=image.get("tag"),
            image_size_bytes=image.get("size_bytes"), image_labels=image.get("labels") or {},
            tf_isa_counts=doc.get("tf_isa") or {}, host_doc=doc.get("host") or {}, engine_doc=doc.get("engine") or None)


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
class RunRecord:
    """A run's run.json: what the run was, and how it ended (tfopt.run/1, formats.py).

    A single-engine run (or one engine's part) records its orders and host; a multi-engine
    run's parent (kind "engines") its engines and parts instead. The end adds finished_at,
    and, for a run of its own, rounds_done and failures; a normal end also stop_reason,
    widest_ci and race (null when not raced)."""

    run_id: str
    kind: Optional[str] = None  # profile | aa | engines; None where the run.json does not say
    arms: Tuple[str, ...] = ()
    protocol: dict = field(default_factory=dict)  # the Protocol as run (its vars)
    started_at: Optional[str] = None
    status: Optional[str] = None  # formats.STATUSES; None: predates recorded run status
    reason: Optional[str] = None
    orders: Tuple[Tuple[str, ...], ...] = ()  # each round's shuffled order
    host: Optional[dict] = None  # rounds.host_facts
    target_ci: Optional[float] = None
    engine: Optional[dict] = None  # the engine's facts (a part, or a run on a named engine)
    engines: Tuple[dict, ...] = ()  # a parent: each engine's facts, part, status and reason
    parent: Optional[str] = None  # a part: its multi-engine run
    parts: Dict[str, str] = field(default_factory=dict)  # a parent: part run id by engine name
    finished_at: Optional[str] = None
    rounds_done: Optional[int] = None
    failures: Dict[str, str] = field(default_factory=dict)  # variant name: why it failed
    stop_reason: Optional[str] = None
    widest_ci: Optional[float] = None
    race: Optional[dict] = None  # tfopt/measure/race.py's record; race_record reads it
    found: bool = True  # False: the run has no run.json (status: what its parent recorded of it)

    @property
    def is_parent(self) -> bool:
        """A multi-engine run's parent: no results of its own, one part run per engine."""
        return self.kind == "engines" or bool(self.parts)

    @property
    def race_record(self) -> Optional["RaceRecord"]:
        """The race of a `--race` run; None for a run that profiled every variant fully."""
        return RaceRecord.of(self.race) if self.race else None

    def ended_as(self) -> Tuple[str, bool]:
        """(status, recorded): the one rule for a run's status. A run.json that predates
        recorded status ended as its end says (interrupted without finished_at, failed with
        failures, else complete) and says it is inferred. A run without run.json is what its
        multi-engine parent recorded of it (a lost engine's part), else "unknown"."""
        if not self.found:
            return self.status or UNKNOWN, False
        if self.status in STATUSES:
            return self.status, True
        if not self.finished_at:
            return INTERRUPTED, False
        return (FAILED if self.failures else COMPLETE), False

    def ended(self, status: str, reason: Optional[str] = None, **changes) -> "RunRecord":
        """This run ended: complete, interrupted (Ctrl-C, SIGTERM, engine lost) or failed, now."""
        assert status in ENDINGS, status
        return replace(self, status=status, reason=reason, finished_at=utc_stamp(), **changes)

    def to_doc(self) -> dict:
        doc = {"schema": RUN_SCHEMA, "run_id": self.run_id, "kind": self.kind, "arms": list(self.arms),
               "protocol": self.protocol, "started_at": self.started_at, "status": self.status,
               "reason": self.reason}
        if self.is_parent:
            doc.update(engines=list(self.engines), parts=self.parts)
        else:
            doc.update(orders=[list(o) for o in self.orders], host=self.host, target_ci=self.target_ci)
            if self.engines:
                doc["engines"] = list(self.engines)
            if self.engine is not None:
                doc["engine"] = self.engine
            if self.parent is not None:
                doc["parent"] = self.parent
        if self.race is not None or self.stop_reason is not None:
            doc["race"] = self.race
        if self.finished_at is not None:
            doc["finished_at"] = self.finished_at
            if not self.is_parent:
                doc.update(rounds_done=self.rounds_done, failures=self.failures)
        if self.stop_reason is not None:
            doc.update(stop_reason=self.stop_reason, widest_ci=self.widest_ci)
        return doc

    @classmethod
    def from_doc(cls, doc: dict, run_id: Optional[str] = None, where: Optional[str] = None) -> "RunRecord":
        """A run.json of any shape formats.py lists; UnknownFormat for another schema."""
        run_id = doc.get("run_id") or run_id or "?"
        _checked(doc, RUN_SCHEMAS, where or f"run.json of {run_id}")
        return cls(run_id=run_id, kind=doc.get("kind"), arms=tuple(doc.get("arms") or ()),
                   protocol=doc.get("protocol") or {}, started_at=doc.get("started_at"),
                   status=doc.get("status"), reason=doc.get("reason"),
                   orders=tuple(tuple(o) for o in doc.get("orders") or ()), host=doc.get("host"),
                   target_ci=doc.get("target_ci"), engine=doc.get("engine"),
                   engines=tuple(doc.get("engines") or ()), parent=doc.get("parent"),
                   parts=doc.get("parts") or {}, finished_at=doc.get("finished_at"),
                   rounds_done=doc.get("rounds_done"), failures=doc.get("failures") or {},
                   stop_reason=doc.get("stop_reason"), widest_ci=doc.get("widest_ci"), race=doc.get("race"))


@dataclass(frozen=True)
class Run:
    """One run read back: its run.json and its results, never mixed with another run's."""

    record: RunRecord
    variants: Dict[str, VariantResult]  # A/A arms excluded
    arms: Dict[str, VariantResult] = field(default_factory=dict)  # the A/A arms

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def kind(self) -> str:
        return self.record.kind or "profile"

    @property
    def status(self) -> str:
        """complete | interrupted | failed | running | unknown (RunRecord.ended_as)."""
        return self.record.ended_as()[0]

    @property
    def status_recorded(self) -> bool:
        """False: inferred for a run.json that predates run status."""
        return self.record.ended_as()[1]

    @property
    def protocol(self) -> dict:
        return self.record.protocol

    @property
    def engine(self) -> Optional["EngineFacts"]:
        """The engine this run measured on: a part's "engine", a single-engine run's only
        entry of "engines"; None when not recorded (runs before engines were recorded)."""
        if isinstance(self.record.engine, dict):
            return engine_facts(self.record.engine)
        listed = self.record.engines
        return engine_facts(listed[0]) if len(listed) == 1 and not self.is_parent else None

    @property
    def is_parent(self) -> bool:
        return self.record.is_parent

    @property
    def rounds_done(self) -> int:
        """Rounds recorded in run.json, else the rounds any visit ran in."""
        if isinstance(self.record.rounds_done, int):
            return self.record.rounds_done
        return len({c.round for v in self.variants.values() for c in v.containers})

    @property
    def parent(self) -> Optional[str]:
        """The multi-engine run this run is one engine's part of; None for a run of its own."""
        return self.record.parent

    @property
    def race(self) -> Optional["RaceRecord"]:
        """The race record of a `--race` run; None for a run that profiled every variant fully."""
        return self.record.race_record

    @property
    def stop_reason(self) -> Optional[str]:
        return self.record.stop_reason

    @property
    def wall_minutes(self) -> Optional[float]:
        """From the run's start to its end as run.json records them (the round loop, images ready)."""
        seconds = seconds_between(self.record.started_at, self.record.finished_at)
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
        if not self.record.found and self.status == UNKNOWN:
            return f"{UNKNOWN} (this run has no run.json)"
        if not self.status_recorded:
            return f"{self.status} (inferred: this run.json predates recorded run status)"
        if self.status == "running":
            return "running (no end recorded: still going, or stopped without a chance to record it)"
        reason = self.record.reason
        return f"{self.status} ({reason})" if reason else self.status


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


RESULT_HINT = ("restore it from git if it is committed (git checkout -- FILE), or move it aside to read the run "
               "without it (mv FILE FILE.damaged: its bytes are kept)")
RUN_HINT = ("restore it from git if it is committed (git checkout -- FILE), or move it aside (mv FILE FILE.damaged): "
            "the run's results are then read without their run record, status unknown")


def _read_json(path: Path, hint: str) -> dict:
    """A store document's JSON object; DamagedRecord, naming the file and what to do, for any other content."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except IsADirectoryError:
        raise DamagedRecord(f"{path} is a directory where a JSON document belongs",
                            hint="move it out of the run folder") from None
    except OSError as exc:
        raise DamagedRecord(f"cannot read {path}: {exc.strerror}",
                            hint="check its permissions (ls -l); " + hint) from None
    except UnicodeDecodeError as exc:
        raise DamagedRecord(f"{path} is not text (byte {exc.object[exc.start]:#04x} at offset {exc.start}), so not "
                            "a JSON document", hint=hint) from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        state = "is empty" if not text.strip() else f"is not valid JSON ({exc}); truncated?"
        raise DamagedRecord(f"{path} {state}", hint=hint) from None
    if not isinstance(doc, dict):
        raise DamagedRecord(f"{path} holds a JSON {type(doc).__name__}, not a document (a JSON object)",
                            hint=hint) from None
    return doc


def _shape_problem(doc: dict) -> Optional[str]:
    """What makes a result document unreadable, in words; None when its parts have their types."""
    variant = doc.get("variant")
    if not isinstance(variant, dict) or not isinstance(variant.get("name"), str):
        return 'it has no "variant" object with a "name"'
    for key in ("image", "limits", "host", "protocol", "engine"):
        if doc.get(key) is not None and not isinstance(doc[key], dict):
            return f'its "{key}" is a {type(doc[key]).__name__}, not an object'
    visits = doc.get("visits")
    if visits is not None and (not isinstance(visits, list) or not all(isinstance(v, dict) for v in visits)):
        return 'its "visits" is not a list of objects'
    return None


def load_result(path: Path) -> VariantResult:
    """One result document's file, its timings parsed; UnknownFormat for a schema this tfopt cannot
    read, DamagedRecord for a file that is not a readable result document: both name the file."""
    doc = _read_json(path, RESULT_HINT)
    _checked(doc, RESULT_SCHEMAS, str(path))
    problem = _shape_problem(doc)
    try:
        result = VariantResult.from_doc(doc, where=str(path)) if problem is None else None
        if result is not None:
            result.containers  # parsed now, so that a damaged visit is found here and not while rendering
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        problem = f"a visit's profile cannot be read ({type(exc).__name__}: {exc})"
    if problem:
        raise DamagedRecord(f"{path} is not a readable {RESULT_SCHEMA} document: {problem}",
                            hint=RESULT_HINT)
    return result


def _scan(results_dir: Path, run_id: str = "") -> Tuple[List[VariantResult], Dict[Path, ConfigError]]:
    """Every result with at least one visit (of one run, when given), oldest run first; and each
    file that could not be read, with why (DamagedRecord or UnknownFormat)."""
    found, unreadable = [], {}
    for path in store.iter_result_files(results_dir, run_id):
        try:
            found.append(load_result(path))
        except (DamagedRecord, UnknownFormat) as exc:
            unreadable[path] = exc
    return [r for r in found if r.visits], unreadable


def load_results(results_dir: Path, run_id: str) -> Dict[str, VariantResult]:
    """The results of one run (its A/A arms too), by variant name; ConfigError for no such run."""
    if not store.run_dir(results_dir, run_id).is_dir():
        known = ", ".join(store.list_run_ids(results_dir)[-5:]) or "none yet"
        raise ConfigError(f"no run {run_id!r} under {store.runs_dir(results_dir)}",
                          hint=f"recent runs: {known}")
    measured, unreadable = _scan(results_dir, run_id)
    for exc in unreadable.values():
        raise exc  # a report without it would be of a different run, without saying so
    for aside in sorted(store.run_dir(results_dir, run_id).glob("*.damaged")):
        log.info(f"warning: {aside} was set aside: this run is read without it")
    return {r.name: r for r in measured}


def latest_by_variant(results_dir: Path) -> Dict[str, VariantResult]:
    """The newest result of each variant (A/A arms excluded), whichever run measured it. A file
    that cannot be read is skipped with a warning naming it: another run's damage stops nothing."""
    measured, unreadable = _scan(results_dir)
    for path, exc in unreadable.items():
        log.info(f"warning: skipped {str(exc).splitlines()[0]}")
    return {r.name: r for r in measured if not r.arm_of}  # later runs sort later


def load_run_record(results_dir: Path, run_id: str) -> RunRecord:
    """A run's run.json; a record with found=False when it has none."""
    path = store.run_dir(results_dir, run_id) / "run.json"
    if not path.exists():
        return RunRecord(run_id=run_id, found=False)
    doc = _read_json(path, RUN_HINT)
    _checked(doc, RUN_SCHEMAS, str(path))
    problem = _run_shape_problem(doc)
    try:
        record = RunRecord.from_doc(doc, run_id, where=str(path)) if problem is None else None
        if record is not None:
            record.race_record  # read now, so that a damaged race record is found here and not while rendering
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        raise DamagedRecord(f"{path} is not a readable {RUN_SCHEMA} document: {problem}",
                            hint=RUN_HINT)
    return record


def _run_shape_problem(doc: dict) -> Optional[str]:
    for key, kind in (("protocol", dict), ("host", dict), ("engine", dict), ("parts", dict), ("failures", dict),
                      ("race", dict), ("arms", list), ("orders", list), ("engines", list)):
        if doc.get(key) is not None and not isinstance(doc[key], kind):
            return f'its "{key}" is a {type(doc[key]).__name__}, not {"an object" if kind is dict else "a list"}'
    for key in ("orders", "engines"):
        item = list if key == "orders" else dict
        if not all(isinstance(i, item) for i in doc.get(key) or ()):
            return f'its "{key}" holds something other than {"lists" if item is list else "objects"}'
    return None


def load_run(results_dir: Path, run_id: str) -> Run:
    """A run by its id; ConfigError for no such run or an empty run folder, DamagedRecord or
    UnknownFormat (naming the file) for a file of it that cannot be read."""
    results = load_results(results_dir, run_id)  # raises ConfigError for an unknown run
    record = load_run_record(results_dir, run_id)
    folder = store.run_dir(results_dir, run_id)
    if not record.found and not any(store.iter_result_files(results_dir, run_id)):
        raise ConfigError(f"run folder {folder} is empty: no run.json and no result documents",
                          hint="a run stopped before it recorded anything: remove the folder (rmdir), "
                               "or pick another run (`ls results/runs`)")
    if not record.found:
        log.info(f"warning: {folder / 'run.json'} is missing: the run's results are read without it, "
                 "its status is unknown (restore it from git if it is committed)")
    return Run(record,
               variants={n: r for n, r in results.items() if not r.arm_of},
               arms={n: r for n, r in results.items() if r.arm_of})


@dataclass(frozen=True)
class EnginesRun:
    """A multi-engine run: the parent's record and one ordinary run per engine (its part).
    Comparisons are only ever made inside one part."""

    record: RunRecord
    engines: Tuple[EngineFacts, ...]  # in the order the run listed them
    parts: Dict[str, Run]  # by engine name; a lost engine's part may have no results at all

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def status(self) -> str:
        return self.record.ended_as()[0]

    def describe_status(self) -> str:
        reason = self.record.reason
        return f"{self.status} ({reason})" if reason else self.status


def _part(results_dir: Path, engine: EngineFacts) -> Run:
    """The engine's part run; an empty one when the engine was lost before the part was recorded."""
    folder = store.run_dir(results_dir, engine.part)
    if (folder / "run.json").exists() or any(store.iter_result_files(results_dir, engine.part)):
        return load_run(results_dir, engine.part)
    return Run(RunRecord(run_id=engine.part, status=engine.status, found=False), variants={})


def load_engines_run(results_dir: Path, run_id: str) -> EnginesRun:
    """A multi-engine run by its (parent) id; ConfigError when `run_id` is no such run."""
    record = load_run_record(results_dir, run_id)
    if not record.is_parent:
        found = "no run.json" if not record.found else f"a {record.kind or 'profile'} run"
        raise ConfigError(f"run {run_id!r} is not a multi-engine run ({found})",
                          hint="invoke report --run ID renders single-engine runs and parts as well")
    listed = [dict(e, part=e.get("part") or record.parts.get(e.get("name"))
                   or store.part_id(run_id, e.get("name"))) for e in record.engines]
    listed += [{"name": name, "part": part} for name, part in record.parts.items()
               if name not in {e.get("name") for e in listed}]
    engines = tuple(engine_facts(e) for e in listed)
    return EnginesRun(record=record, engines=engines, parts={e.name: _part(results_dir, e) for e in engines})


def latest_run_id(results_dir: Path) -> Optional[str]:
    """The newest run with at least one measured visit. A multi-engine run's parts are never
    chosen themselves: the parent counts as measured when one of its parts is."""
    readable, unreadable = _scan(results_dir)
    # a run with an unreadable file may have measured: chosen, reading it says which file to mend
    measured = {store.parent_of(r.run_id) for r in readable} | {store.parent_of(p.parent.name) for p in unreadable}
    ids = [r for r in store.list_run_ids(results_dir) if r in measured and not store.is_part(r)]
    return ids[-1] if ids else None
