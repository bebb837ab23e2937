"""Run knobs, per runtime (pure Python 3.7+, no third-party imports).

Each runtime declares its knobs in its spec (g2p/specs.py); :data:`KNOBS` is all of
them. Host validation (tfopt), the profiler's command line, ``g2p.load`` and the profile
schema's ``settings`` part are all derived from KNOBS. A key is the dotted path of the
knob in variants.yaml; its command-line flag is :func:`flag`. Bool knobs are written
``on|off`` on the command line and recorded as true/false.

``python -m g2p.knobs --schema`` prints :func:`settings_schema` (JSON).
"""

import argparse
import json
import sys

from .specs import RUNTIMES, SPECS

KNOBS = tuple(k for s in SPECS for k in s.knobs)

_BY_KEY = {k.key: k for k in KNOBS}


def knobs_for(runtime):
    """The knobs of `runtime`, in declaration order."""
    if runtime not in RUNTIMES:
        raise ValueError("unknown runtime %r (one of: %s)" % (runtime, ", ".join(RUNTIMES)))
    return tuple(k for k in KNOBS if k.runtime == runtime)


def knob(key):
    return _BY_KEY[key]


def flag(knob):
    """The command-line flag of `knob`: "--" + key with "." and "_" replaced by "-"."""
    return "--" + knob.key.replace(".", "-").replace("_", "-")


def dest(knob):
    """The argparse destination of `knob`."""
    return flag(knob)[2:].replace("-", "_")


def parse_bool(text):
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in ("on", "true", "1", "yes"):
        return True
    if value in ("off", "false", "0", "no"):
        return False
    raise ValueError("expected on or off, got %r" % (text,))


def check(knob, value):
    """`value` converted to the knob's type; ValueError saying what is allowed otherwise."""
    if knob.type is bool:
        try:
            return parse_bool(value)
        except ValueError:
            raise ValueError("%s must be on or off, got %r" % (knob.key, value))
    if knob.type is int:
        if isinstance(value, bool):
            raise ValueError("%s must be an integer, got %r" % (knob.key, value))
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("%s must be an integer, got %r" % (knob.key, value))
        if isinstance(value, float) and number != value:
            raise ValueError("%s must be an integer, got %r" % (knob.key, value))
        if knob.minimum is not None and number < knob.minimum:
            raise ValueError("%s must be >= %d, got %d" % (knob.key, knob.minimum, number))
        return number
    value = str(value)
    if knob.choices and value not in knob.choices:
        raise ValueError("%s must be one of %s, got %r" % (knob.key, ", ".join(knob.choices), value))
    return value


def resolve(runtime, values=None):
    """{key: value} for every knob of `runtime`: `values` (keys or argparse dests) over defaults.

    Unknown keys raise ValueError naming the runtime's knobs.
    """
    values = dict(values or {})
    own = knobs_for(runtime)
    by_name = {}
    for k in own:
        by_name[k.key] = k
        by_name[dest(k)] = k
    out = {k.key: k.default for k in own}
    for name, value in values.items():
        if name not in by_name:
            known = ", ".join(k.key for k in own) or "none"
            raise ValueError("%r is not a knob of runtime %s (its knobs: %s)" % (name, runtime, known))
        k = by_name[name]
        out[k.key] = check(k, value)
    return out


def add_arguments(parser, runtime=None):
    """Add one flag per knob (of `runtime`, or of all runtimes) to an argparse parser."""
    for k in (knobs_for(runtime) if runtime else KNOBS):
        default = ("on" if k.default else "off") if k.type is bool else k.default
        kwargs = {"dest": dest(k), "default": default,
                  "help": "%s (default %s)" % (k.help, default)}
        if k.type is bool:
            kwargs["choices"] = ("on", "off")
        elif k.type is int:
            kwargs["type"] = _int_type(k)
        else:
            kwargs["choices"] = k.choices
        parser.add_argument(flag(k), **kwargs)
    return parser


def _int_type(k):
    def convert(text):
        try:
            return check(k, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc))
    convert.__name__ = "integer"
    return convert


def values_from_args(args, runtime):
    """{key: value} of `runtime`'s knobs from an argparse namespace made by add_arguments."""
    return resolve(runtime, {dest(k): getattr(args, dest(k)) for k in knobs_for(runtime)})


def _value_schema(k):
    if k.type is bool:
        return {"type": "boolean", "default": k.default, "description": k.help}
    if k.type is int:
        out = {"type": "integer", "default": k.default, "description": k.help}
        if k.minimum is not None:
            out["minimum"] = k.minimum
        return out
    return {"enum": list(k.choices), "default": k.default, "description": k.help}


def settings_schema():
    """JSON-schema fragment of the profile document's "settings": the model runtime's knobs."""
    variants = []
    for runtime in RUNTIMES:
        own = knobs_for(runtime)
        variants.append({
            "title": runtime,
            "type": "object",
            "properties": {k.key: _value_schema(k) for k in own},
            "required": [k.key for k in own],
            "additionalProperties": False,
        })
    return {"description": "The run knobs of the model's runtime (g2p/knobs.py), key -> value.",
            "oneOf": variants}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m g2p.knobs",
                                     description="Print the run knobs (or the settings schema).")
    parser.add_argument("--schema", action="store_true", help="print settings_schema() as JSON")
    args = parser.parse_args(argv)
    if args.schema:
        print(json.dumps(settings_schema(), indent=1, sort_keys=True))
        return 0
    for k in KNOBS:
        print("%-28s %-12s %-5s %-10s %s" % (k.key, k.runtime, k.type.__name__, k.default,
                                            ",".join(k.choices or ())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
