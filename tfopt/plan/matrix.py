"""The `matrix:` section of variants.yaml → ordinary variant bodies.

A grid is a variant body plus `axes:`, a mapping of variant key (dotted paths
reach into mappings: `env.X`, `threads.intra_op`) → list of values. It expands
to the cartesian product of the axes, one variant per combination, named
`<grid>-<value>-<value>…` in axis order (see `name_part` for the name-safe
form). Expansion happens before validation, so every expanded variant is then
checked exactly like a hand-written one, and errors point back into the grid.
"""

import copy
import itertools
import math
from typing import Any, Dict, List, Optional, Tuple

from .schema import NAME_RE, NAME_RULE, variant_keys
from ..errors import MatrixTooLarge, did_you_mean

SECTION = "matrix"
LIMIT = 200  # variants one grid may expand to without --yes
SAFE_NAMES = ("values must differ once made name-safe (lowercase; runs of characters other than a-z 0-9 . "
              "become '-'; booleans on/off)")


def name_part(value: Any) -> str:
    """A value as it appears in a variant name: booleans on/off, null none, '' empty,
    lists and mappings their items (values) joined by '-'; then lowercased, every run
    of characters other than a-z, 0-9 and '.' turned into one '-', and '-' trimmed."""
    if isinstance(value, bool):
        text = "on" if value else "off"
    elif value is None:
        text = "none"
    elif isinstance(value, dict):
        text = "-".join(name_part(v) for v in value.values())
    elif isinstance(value, (list, tuple)):
        text = "-".join(name_part(v) for v in value)
    else:
        text = str(value)
    safe, dash = [], False
    for ch in text.lower():
        if ch.isascii() and (ch.isalnum() or ch == "."):
            safe.append(ch)
            dash = False
        elif not dash:
            safe.append("-")
            dash = True
    return "".join(safe).strip("-") or ("empty" if text == "" else "x")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return "none" if value is None else str(value)


def expand(where, variants: Optional[dict], matrix: Any, *, yes: bool = False) -> Optional[dict]:
    """The hand-written variant bodies followed by every grid's expansion, in file order.

    Records each expanded variant's grid in `where.matrix` and points its keys'
    line numbers at the grid, so later errors about it name the grid's lines."""
    if matrix is None:
        return variants
    if not isinstance(matrix, dict):
        raise where.error((SECTION,), "'matrix' must be a mapping of grid name → {axes: ..., variant keys}")
    if variants is not None and not isinstance(variants, dict):
        return variants  # load_plan reports the malformed 'variants' section
    out = dict(variants or {})
    for grid, body in matrix.items():
        if grid in out:
            raise where.error((SECTION, str(grid)), f"matrix {grid!r} has the name of a variant; `--variant "
                              f"{grid}` selects a whole grid, so give the grid another name")
        for name, expanded in _expand_grid(where, str(grid), body, yes).items():
            _refuse_duplicate(where, str(grid), name, out)
            out[name] = expanded
            _point_at_grid(where, str(grid), name, [tuple(str(a).split(".")) for a in body["axes"]])
            where.matrix[name] = str(grid)
    return out


def _expand_grid(where, grid: str, body: Any, yes: bool) -> Dict[str, dict]:
    at = (SECTION, grid)
    if not NAME_RE.match(grid):
        raise where.error(at, f"matrix {grid!r}: grid names {NAME_RULE}")
    if not isinstance(body, dict):
        raise where.error(at, f"matrix {grid!r}: a grid is a mapping with `axes:` and variant keys")
    grid_keys = ("axes",) + tuple(variant_keys())
    for key in body:
        if key not in grid_keys:
            raise where.error(at + (str(key),), f"matrix {grid!r}: unknown key {key!r}"
                              + did_you_mean(str(key), grid_keys), hint="known keys: " + ", ".join(grid_keys))
    axes = body.get("axes")
    if not isinstance(axes, dict) or not axes:
        raise where.error(at + ("axes",) if "axes" in body else at,
                          f"matrix {grid!r} needs `axes:`, a mapping of variant key → list of values",
                          hint="e.g. axes: {allocator: [system, tcmalloc], env.OMP_NUM_THREADS: [\"1\", \"2\"]}")
    paths = [_check_axis(where, grid, body, str(axis), values) for axis, values in axes.items()]
    count = math.prod(len(values) for values in axes.values())
    if count > LIMIT and not yes:
        raise where.error(at, f"matrix {grid!r} expands to {count} variants, past the limit of {LIMIT}",
                          hint="shrink its axes, or confirm with --yes (`invoke variants --yes`, "
                               "`invoke profile --yes`)", kind=MatrixTooLarge)
    settings = {k: v for k, v in body.items() if k != "axes"}
    out: Dict[str, dict] = {}
    for combination in itertools.product(*axes.values()):
        name = "-".join([grid] + [name_part(v) for v in combination])
        if name in out:
            raise where.error(at + ("axes",), f"matrix {grid!r}: two combinations are both named {name!r}",
                              hint=SAFE_NAMES)
        variant = copy.deepcopy(settings)
        for path, value in zip(paths, combination):
            _set(variant, path, copy.deepcopy(value))
        if isinstance(settings.get("description", ""), str):
            chosen = ", ".join(f"{axis}={_shown(v)}" for axis, v in zip(axes, combination))
            given = settings.get("description")
            variant["description"] = f"{given}: {chosen}" if given else chosen
        out[name] = variant
    return out


def _check_axis(where, grid: str, body: dict, axis: str, values: Any) -> Tuple[str, ...]:
    at = (SECTION, grid, "axes", axis)
    path = tuple(axis.split("."))
    head = path[0]
    hint = "an axis is a variant key, with dots into mappings: env.X, threads.intra_op"
    known = variant_keys()
    if head not in known:
        raise where.error(at, f"matrix {grid!r}: unknown axis {axis!r}" + did_you_mean(head, known), hint=hint)
    if not all(path):
        raise where.error(at, f"matrix {grid!r}: axis {axis!r} has an empty part", hint=hint)
    if len(path) > 1 and known[head][0] is not dict:
        raise where.error(at, f"matrix {grid!r}: axis {axis!r}: {head!r} is not a mapping, so it has no sub-keys",
                          hint=hint)
    if head == "tensorflow" and len(path) > 1 and "tensorflow" not in body:
        raise where.error(at, f"matrix {grid!r}: axis {axis!r} changes the grid's own `tensorflow:`, "
                              "but the grid states none (a TensorFlow source replaces the parent's, never merges)",
                          hint="state the full `tensorflow:` in the grid and vary one part of it")
    for other in body["axes"]:
        if other != axis and tuple(str(other).split("."))[:len(path)] == path:
            raise where.error(at, f"matrix {grid!r}: axes {axis!r} and {other!r} overlap; keep one")
    if _get(body, path) is not None:
        raise where.error(at, f"matrix {grid!r}: {axis!r} is both set in the grid and an axis; keep one")
    if not isinstance(values, list) or not values:
        raise where.error(at, f"matrix {grid!r}: axis {axis!r} needs a non-empty list of values",
                          hint=f"write e.g. {axis}: [a, b]")
    named: Dict[str, Any] = {}
    for value in values:
        part = name_part(value)
        if part in named:
            raise where.error(at, f"matrix {grid!r}: values {named[part]!r} and {value!r} of axis {axis!r} "
                                  f"both become {part!r} in variant names", hint=SAFE_NAMES)
        named[part] = value
    return path


def _get(body: dict, path: Tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def _set(body: dict, path: Tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        body = body.setdefault(part, {})
        if not isinstance(body, dict):
            return  # the grid's own value has the wrong type; validation says so at its line
    body[path[-1]] = value


def _refuse_duplicate(where, grid: str, name: str, known: dict) -> None:
    if name not in known:
        return
    origin = where.matrix.get(name)
    if origin:
        first = f"matrix {origin!r}"
    else:
        line = where.lines.get(("variants", name))
        first = f"a hand-written variant{f' at {where.path}:{line}' if line else ''}"
    raise where.error((SECTION, grid), f"matrix {grid!r} makes variant {name!r}, already defined by {first}",
                      hint="rename the grid or the variant; names must be unique")


def _point_at_grid(where, grid: str, name: str, axis_paths: List[Tuple[str, ...]]) -> None:
    """Line numbers for the expanded variant's keys: the grid's own keys, then each axis."""
    prefix = (SECTION, grid)
    here = ("variants", name)
    for keys, line in list(where.lines.items()):
        if keys[:2] == prefix and (len(keys) == 2 or keys[2] != "axes"):
            where.lines[here + keys[2:]] = line
    for path in axis_paths:
        where.lines[here + path] = where.lines.get(prefix + ("axes", ".".join(path)), where.lines.get(prefix))
