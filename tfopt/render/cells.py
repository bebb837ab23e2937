"""Table cells: how every report writes a time, an interval, a change, a count or a flag list.

One home, so the report, the multi-engine report and the README figures word a figure alike.
"""

from typing import Dict, List, Optional, Sequence

from ..analysis import stats

ISA_BASICS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni")
ISA_FAMILIES = ("avx512", "amx")  # shown by member: avx512 (f, bw, vl), amx (bf16, tile)


def ms(x: float) -> str:
    """Milliseconds with three significant figures at most (1.23, 12.3, 123)."""
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def ms_cell(summary: Dict[int, stats.CaseStats], words: int) -> str:
    c = summary.get(words)
    if not c:
        return "—"
    if not c.ci.has_interval:
        return f"{ms(c.median)} (no CI: {c.ci.reason})"
    return f"{ms(c.median)} [{ms(c.ci_low)}–{ms(c.ci_high)}]"


def tail_cell(c: Optional[stats.CaseStats]) -> str:
    if not c:
        return "—"
    tails = [ms(x) if x is not None else "—" for x in (c.p90, c.p99)]
    return f"{ms(c.p50)} / {tails[0]} / {tails[1]}"


def speedup_cell(s: Optional[stats.Speedup], floor: float) -> str:
    return s.describe(floor) if s else "—"


def changes(result) -> str:
    """What a variant changes against its parent ('reference' for a reference)."""
    if not result.changes:
        return "reference" if result.is_reference else "—"
    return "; ".join(_change(key, old, new) for key, (old, new) in result.changes.items())


def _change(key: str, old, new) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        parts = [f"{k} {value(old.get(k))} → {value(new.get(k))}"
                 for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        return f"{key}: " + ", ".join(parts)
    return f"{key}: {value(old)} → {value(new)}"


def value(v) -> str:
    """A setting's value: 'unset', 'on'/'off', or nested settings as 'key value …'."""
    if v is None:
        return "unset"
    if isinstance(v, dict):
        return " ".join(f"{k} {value(x)}" for k, x in v.items())
    if isinstance(v, bool):
        return "on" if v else "off"
    return str(v)


def or_dash(x) -> str:
    return "—" if x in (None, "", ()) else str(x)


def distinct(values) -> str:
    found = sorted({str(v) for v in values if v not in (None, "", [])})
    return ", ".join(found) if found else "unknown"


def macs(n: Optional[int]) -> str:
    return "—" if not n else f"{n / 1e9:.2f} G" if n >= 1e9 else f"{n / 1e6:.1f} M"


def times(x: Optional[float]) -> str:
    return "—" if not x else f"{x:.1f}x" if x < 10 else f"{x:.0f}x"


def pair(values: Sequence[str]) -> str:
    return " / ".join(values) if values else "—"


# The two flag views below pick differently (the report's list leaves out sse4_2 and keeps every
# avx_vnni* flag; the engines table groups families and shows sse4_2): one choice for both would
# change the committed reports, so both are kept here, side by side.

def cpu_flags(flags) -> List[str]:
    """The vector-ISA flags of /proc/cpuinfo (a list or its space-separated text), sorted."""
    if isinstance(flags, str):
        flags = flags.split()
    relevant = [f for f in flags or [] if f in ISA_BASICS[1:5] or f.startswith(ISA_FAMILIES + ("avx_vnni",))]
    return sorted(set(relevant))


def isa_summary(flags: Sequence[str]) -> str:
    """'avx, avx2, fma, avx512 (f, bw, vl, vnni), amx (bf16, tile)' from /proc/cpuinfo flags."""
    have = set(flags)
    parts = [f for f in ISA_BASICS if f in have]
    for family in ISA_FAMILIES:
        members = sorted(f[len(family):].lstrip("_") for f in have if f.startswith(family))
        if members:
            parts.append(f"{family} ({', '.join(members)})")
    return ", ".join(parts) or ("none of " + "/".join(ISA_BASICS[1:4]) if flags else "unknown")
