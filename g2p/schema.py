"""Keep g2p/profile.schema.json's generated parts equal to the runtimes' specs (g2p/specs.py).

    python -m g2p.schema --check    # exit 1 if a generated part of the file differs
    python -m g2p.schema --write    # rewrite those parts of the file

Generated: ``settings`` (the knobs, g2p/knobs.py) and the enums that name runtimes,
decodings and forms. Everything else in the file is written by hand.
"""

import argparse
import json
import sys
from collections import OrderedDict
from pathlib import Path

from .knobs import settings_schema
from .specs import DECODINGS, FORMS, RUNTIMES

SCHEMA_FILE = Path(__file__).resolve().parent / "profile.schema.json"


def generated():
    """{path of keys in the schema: its value}, for every part derived from the specs."""
    return {
        ("properties", "settings"): settings_schema(),
        ("properties", "model", "properties", "runtime", "enum"): list(RUNTIMES),
        ("properties", "model", "properties", "decoding", "enum"): list(DECODINGS),
        ("properties", "model", "properties", "form", "enum"): list(FORMS) + [None],
        ("properties", "runtime", "properties", "name", "enum"): list(RUNTIMES),
    }


def load_schema(path=SCHEMA_FILE):
    with open(str(path)) as fh:
        return json.load(fh, object_pairs_hook=OrderedDict)


def _parent(schema, path):
    for key in path[:-1]:
        schema = schema[key]
    return schema


def is_current(schema):
    return all(json.loads(json.dumps(_parent(schema, path)[path[-1]])) == json.loads(json.dumps(value))
               for path, value in generated().items())


def write(path=SCHEMA_FILE):
    schema = load_schema(path)
    for keys, value in generated().items():
        _parent(schema, keys)[keys[-1]] = value
    with open(str(path), "w") as fh:
        json.dump(schema, fh, indent=1)
        fh.write("\n")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m g2p.schema", description=__doc__.split("\n\n")[0])
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", action="store_true")
    group.add_argument("--write", action="store_true")
    args = p.parse_args(argv)
    if args.write:
        write()
        return 0
    if is_current(load_schema()):
        return 0
    print("%s: its generated parts differ from g2p/specs.py; run `python -m g2p.schema --write`"
          % SCHEMA_FILE, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
