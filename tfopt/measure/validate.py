"""The profiler's JSON document checked against the schema the image side ships.

Each document names its schema (`tfopt.profile/1`, `/2`, ...); it is checked against that
version's file, so results written by older images stay readable."""

import json
from functools import lru_cache

from .. import paths
from ..errors import RunError

SCHEMA_DIR = paths.PROJECT_ROOT / "g2p"
SCHEMA_FILES = {"tfopt.profile/2": "profile.schema.json", "tfopt.profile/1": "profile-1.schema.json"}


@lru_cache(maxsize=None)
def _validator(schema_id: str):
    import jsonschema

    schema = json.loads((SCHEMA_DIR / SCHEMA_FILES[schema_id]).read_text())
    return jsonschema.Draft7Validator(schema)


def validate_profile(doc: dict, where: str = "profile") -> None:
    schema_id = doc.get("schema") if isinstance(doc, dict) else None
    if schema_id not in SCHEMA_FILES:
        raise RunError(f"{where}: profile document has schema {schema_id!r}; this tfopt reads "
                       + ", ".join(sorted(SCHEMA_FILES)),
                       hint="the image's g2p and the host disagree; rebuild the image (`invoke profile` does)")
    errors = sorted(_validator(schema_id).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        at = "/".join(str(p) for p in first.path) or "(top)"
        raise RunError(f"{where}: profile document does not match {SCHEMA_FILES[schema_id]} at {at}: {first.message}"
                       + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                       hint="the image's g2p and the host's schema disagree; rebuild the image")
