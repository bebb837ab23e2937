"""The results store: one JSON document per variant per run.

Layout::

    results/runs/<run_id>/run.json          what the run was (seed, order, host, kind) and
                                            how it ended: "status" running | complete |
                                            interrupted | failed, with "reason"; and
                                            "target_ci", "stop_reason", "rounds_done",
                                            "widest_ci" (docs/running.md)
    results/runs/<run_id>/<variant>.json    one result document per variant

A multi-engine run is a parent folder (run.json with "kind": "engines", "engines" and
"parts", no result documents) plus one ordinary run per engine, its "part", in
results/runs/<run_id>@<engine name>/ (see part_id).

A result document (schema "tfopt.result/1")::

    {
      "schema": "tfopt.result/1",
      "run_id": "20261124T193000Z-1a2b",
      "variant": {"name", "description", "family", "parent", "reference",
                  "changes": {key: [parent value, this value]},
                  "may_change_predictions": bool, "arm_of": name or null,
                  "settings": {resolved build and run settings},
                  "runtime", "decoding", "knobs": {dotted knob key: value}},
      "image": {"id", "tag", "size_bytes", "labels"},
      "limits": {"cpus", "memory_bytes", "cpuset"},
      "host": {"tfopt_version", "git_commit", "docker_version", "kernel",
               "cpu_model", "cpu_flags"},
      "visits": [{"round", "position", "started_at", "finished_at",
                  "exit_code", "oom_killed", "profile": <tfopt.profile/1 doc>}]
    }

Runs are never overwritten: a new run gets a new run_id.
"""

import json
import os
import secrets
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from ..errors import ConfigError

RESULT_SCHEMA = "tfopt.result/1"
RUN_SCHEMA = "tfopt.run/1"


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(2)


PART_SEPARATOR = "@"  # a multi-engine run's part on engine NAME is "<run id>@NAME"


def part_id(run_id: str, engine: str) -> str:
    """The id of a multi-engine run's part measured on `engine`."""
    return f"{run_id}{PART_SEPARATOR}{engine}"


def is_part(run_id: str) -> bool:
    return PART_SEPARATOR in run_id


def parent_of(run_id: str) -> str:
    """The multi-engine run a part belongs to (a run that is no part is its own)."""
    return run_id.split(PART_SEPARATOR, 1)[0]


def runs_dir(results_dir: Path) -> Path:
    return Path(results_dir) / "runs"


def run_dir(results_dir: Path, run_id: str) -> Path:
    return runs_dir(results_dir) / run_id


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def write_run_meta(results_dir: Path, run_id: str, meta: dict) -> Path:
    path = run_dir(results_dir, run_id) / "run.json"
    _write_json(path, dict(meta, schema=RUN_SCHEMA, run_id=run_id))
    return path


RUNNING, COMPLETE, INTERRUPTED, FAILED = "running", "complete", "interrupted", "failed"
ENDINGS = (COMPLETE, INTERRUPTED, FAILED)


def update_run_meta(results_dir: Path, run_id: str, **changes) -> Path:
    meta = read_run_meta(run_dir(results_dir, run_id))
    return write_run_meta(results_dir, run_id, dict(meta, **changes))


def mark_ended(results_dir: Path, run_id: str, status: str, reason: Optional[str] = None, **extra) -> Path:
    """Record how a run ended: complete, interrupted (Ctrl-C, SIGTERM, engine lost) or failed."""
    assert status in ENDINGS, status
    return update_run_meta(results_dir, run_id, status=status, reason=reason,
                           finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **extra)


def run_status(results_dir: Path, run_id: str) -> dict:
    """{"status", "reason"} of a run. A run.json without a status predates status
    recording ("unknown"); one still saying "running" was cut off without a chance to
    record its end (killed hard, or still going)."""
    try:
        meta = read_run_meta(run_dir(results_dir, run_id))
    except (OSError, ValueError):
        return {"status": "unknown", "reason": "no readable run.json"}
    status = meta.get("status")
    if status is None:
        return {"status": "unknown", "reason": "recorded before tfopt kept a run's status"}
    return {"status": status, "reason": meta.get("reason")}


def write_result(results_dir: Path, doc: dict) -> Path:
    """Write (or update, as visits accumulate) one variant's document in its run."""
    path = run_dir(results_dir, doc["run_id"]) / f"{doc['variant']['name']}.json"
    _write_json(path, dict(doc, schema=RESULT_SCHEMA))
    return path


def read_run_meta(run_path: Path) -> dict:
    return json.loads((Path(run_path) / "run.json").read_text())


def iter_results(results_dir: Path) -> Iterator[dict]:
    """Every result document with at least one visit, oldest run first."""
    root = runs_dir(results_dir)
    if not root.is_dir():
        return
    for run_path in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(run_path.glob("*.json")):
            if path.name == "run.json":
                continue
            doc = json.loads(path.read_text())
            if doc.get("schema") == RESULT_SCHEMA and doc.get("visits"):
                yield doc


def load_run(results_dir: Path, run_id: str) -> Dict[str, dict]:
    """The result documents of one run, by variant name."""
    path = run_dir(results_dir, run_id)
    if not path.is_dir():
        known = ", ".join(list_run_ids(results_dir)[-5:]) or "none yet"
        raise ConfigError(f"no run {run_id!r} under {runs_dir(results_dir)}",
                          hint=f"recent runs: {known}")
    return {d["variant"]["name"]: d for d in iter_results(results_dir) if d["run_id"] == run_id}


def list_run_ids(results_dir: Path) -> List[str]:
    root = runs_dir(results_dir)
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def latest_by_variant(results_dir: Path, run_id: Optional[str] = None) -> Dict[str, dict]:
    """The newest result of each variant (A/A arms excluded), or those of one run."""
    if run_id:
        return load_run(results_dir, run_id)
    latest: Dict[str, dict] = {}
    for doc in iter_results(results_dir):
        if doc["variant"].get("arm_of"):
            continue
        latest[doc["variant"]["name"]] = doc  # later runs sort later
    return latest


def latest_aa(results_dir: Path) -> Optional[Dict[str, dict]]:
    """The newest A/A run's two arms, by arm name, or None."""
    arms: Dict[str, Dict[str, dict]] = {}
    for doc in iter_results(results_dir):
        if doc["variant"].get("arm_of"):
            arms.setdefault(doc["run_id"], {})[doc["variant"]["name"]] = doc
    complete = [run for run, docs in arms.items() if len(docs) == 2]
    return arms[max(complete)] if complete else None
