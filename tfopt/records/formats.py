"""The schema ids of tfopt's documents and the run statuses, declared once, with their history.

Format history. A schema id changes only when a reader of the previous version would misread
the new one; keys added with a default that old documents imply keep the id. The loaders in
documents.py read every shape listed here and refuse any other id (UnknownFormat).

tfopt.result/1  one variant (or A/A arm) in one run, results/runs/<run>/<variant>.json
  - first shape: run_id, variant {name, description, family, parent, reference, changes,
    may_change_predictions, arm_of, settings}, image {id, tag, size_bytes, labels}, limits,
    protocol, host, visits [{round, position, started_at, finished_at, exit_code,
    oom_killed, log, profile}]
  - variant.runtime, variant.decoding, variant.knobs (absent: tensorflow, rerun, {})
  - engine: the facts of the Docker engine measured on (absent: the host's facts are the machine)
  - image.labels["tfopt.tf_isa"]: the TF wheel's instruction counts (absent: not known)
  - tf_isa: the TF wheel's instruction counts, when the run counted them (build/prepare.py
    isa_wheels); images no longer carry the label above (absent from both: not counted)

tfopt.run/1  what a run was and how it ended, results/runs/<run>/run.json
  - first shape: kind, arms, orders, host, protocol, started_at; finished_at and failures
    at the end
  - status and reason (absent: inferred, see documents.RunRecord.ended_as), target_ci,
    rounds_done; at a normal end stop_reason and widest_ci
  - race: a raced run's drops, verdict and cost
  - engine, engines, parent: a part of a multi-engine run, or a run on a named engine
  - kind "engines" with engines and parts: a multi-engine run's parent
"""

RESULT_SCHEMA = "tfopt.result/1"  # what this tfopt writes
RUN_SCHEMA = "tfopt.run/1"
RESULT_SCHEMAS = (RESULT_SCHEMA,)  # what it reads
RUN_SCHEMAS = (RUN_SCHEMA,)

RUNNING, COMPLETE, INTERRUPTED, FAILED = "running", "complete", "interrupted", "failed"
ENDINGS = (COMPLETE, INTERRUPTED, FAILED)
STATUSES = (RUNNING,) + ENDINGS  # running: no end recorded
UNKNOWN = "unknown"  # no run.json to say
