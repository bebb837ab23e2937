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

A result document (schema "tfopt.result/1"; documents.VariantResult writes and reads it,
formats.py keeps the history of its shapes)::

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

Runs are never overwritten: a new run gets a new run_id. This module reads and writes the
files; documents.py gives them their types and refuses schema versions it cannot read.
"""

import json
import os
import secrets
import time
from pathlib import Path
from typing import Iterator, List

from .formats import RESULT_SCHEMA, RUN_SCHEMA
from ..errors import ConfigError


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
    """A run's folder. A run id is that folder's name, never a path: `--run ../x` cannot reach
    (or write to) a folder outside runs/."""
    text = str(run_id)
    if not text or "/" in text or "\\" in text or text.startswith(".") or "\0" in text:
        shown = Path(text.rstrip("/")).name
        raise ConfigError(f"{text!r} is not a run id: a run id is the name of a folder in {runs_dir(results_dir)}",
                          hint=f"give the folder's name, e.g. --run {shown}" if shown and not shown.startswith(".")
                          else "`ls results/runs` lists them")
    return runs_dir(results_dir) / text


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def write_run_meta(results_dir: Path, run_id: str, meta: dict) -> Path:
    path = run_dir(results_dir, run_id) / "run.json"
    _write_json(path, dict(meta, schema=RUN_SCHEMA, run_id=run_id))
    return path


def write_result(results_dir: Path, doc: dict) -> Path:
    """Write (or update, as visits accumulate) one variant's document in its run."""
    path = run_dir(results_dir, doc["run_id"]) / f"{doc['variant']['name']}.json"
    _write_json(path, dict(doc, schema=RESULT_SCHEMA))
    return path


def read_run_meta(run_path: Path) -> dict:
    return json.loads((Path(run_path) / "run.json").read_text())


def iter_result_files(results_dir: Path, run_id: str = "") -> Iterator[Path]:
    """Every result document's file (every JSON file of a run folder but run.json), oldest
    run first; those of one run when `run_id` is given. Their schemas are not checked here."""
    root = runs_dir(results_dir)
    if not root.is_dir():
        return
    for run_path in sorted(p for p in root.iterdir() if p.is_dir() and (not run_id or p.name == run_id)):
        for path in sorted(run_path.glob("*.json")):
            if path.name != "run.json":
                yield path


def list_run_ids(results_dir: Path) -> List[str]:
    root = runs_dir(results_dir)
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
