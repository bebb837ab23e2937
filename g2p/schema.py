"""Keep g2p/profile.schema.json's "settings" part equal to g2p/knobs.py's declaration.

    python -m g2p.schema --check    # exit 1 if the file's settings differ from knobs.py
    python -m g2p.schema --write    # rewrite that part of the file from knobs.py
"""

import argparse
import json
import sys
from collections import OrderedDict
from pathlib import Path

from .knobs import settings_schema

SCHEMA_FILE = Path(__file__).resolve().parent / "profile.schema.json"


def load_schema(path=SCHEMA_FILE):
    with open(str(path)) as fh:
        return json.load(fh, object_pairs_hook=OrderedDict)


def is_current(schema):
    return json.loads(json.dumps(schema["properties"]["settings"])) == \
        json.loads(json.dumps(settings_schema()))


def write(path=SCHEMA_FILE):
    schema = load_schema(path)
    schema["properties"]["settings"] = settings_schema()
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
    print("%s: settings differ from g2p/knobs.py; run `python -m g2p.schema --write`" % SCHEMA_FILE,
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
