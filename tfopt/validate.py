"""The profiler's JSON document checked against the schema the image side ships."""

import json
from functools import lru_cache

from . import paths
from .errors import RunError

SCHEMA_PATH = paths.PROJECT_ROOT / "g2p" / "profile.schema.json"


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft7Validator(schema)


def validate_profile(doc: dict, where: str = "profile") -> None:
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        at = "/".join(str(p) for p in first.path) or "(top)"
        raise RunError(f"{where}: profile document does not match {SCHEMA_PATH.name} at {at}: {first.message}"
                       + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                       hint="the image's g2p and the host's schema disagree; rebuild the image")
