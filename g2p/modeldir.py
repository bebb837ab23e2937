"""A model directory's metadata (stdlib only: read before any runtime is imported).

``g2p-model.json``, written by ``python -m g2p.export``::

    {"runtime": R, "decoding": D, "form": F or null, "tool": ..., "exported_with": {...},
     "files": [...], "created_at": ..., ...}

Older directories have ``g2p-form.json`` (runtime tensorflow, decoding rerun); a bare
checkpoint directory means tensorflow / rerun / checkpoint.
"""

import json
from pathlib import Path

METADATA = "g2p-model.json"
OLD_METADATA = "g2p-form.json"


def read_metadata(model_dir):
    """The model directory's metadata (runtime/decoding/form filled in), or None."""
    model_dir = Path(model_dir)
    for name in (METADATA, OLD_METADATA):
        path = model_dir / name
        if path.is_file():
            with open(str(path)) as fh:
                meta = json.load(fh)
            meta.setdefault("runtime", "tensorflow")
            meta.setdefault("decoding", "rerun")
            meta.setdefault("form", None)
            return meta
    if model_dir.is_dir() and list(model_dir.glob("*.meta")):
        return {"runtime": "tensorflow", "decoding": "rerun", "form": "checkpoint",
                "source": "g2p_en 1.0.0 sdist (g2p_en/logdir)"}
    return None
