"""Which x86 instruction sets a build promises (from its copts), which its library really
uses (objdump -d on the host), and whether this host's CPU has them (/proc/cpuinfo).

Instruction classes counted, with the /proc/cpuinfo flag each needs:
  fma      FMA3: vfmadd/vfmsub/vfnmadd/vfnmsub{132,213,231}{ps,pd,ss,sd}
  avx2     256-bit integer ops (vp* on %ymm), vpbroadcast*, vperm{d,q,ps,pd}, gathers, ...
  avx512f  anything on %zmm registers or with {%kN} masks
  avx      anything on %ymm registers
Functions matching `ignore_symbols` (e.g. BoringSSL's hand-written, run-time
dispatched assembly) are not counted: their presence says nothing about the copts.
"""

import re
import shlex
import shutil
import subprocess
import tempfile
import zipfile
from fnmatch import fnmatch
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from ..errors import BuildError

COUNTED = ("fma", "avx2", "avx512f", "avx")

_V2 = ("ssse3", "sse4_1", "sse4_2", "popcnt", "cx16")
_V3 = _V2 + ("avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm")
_V4 = _V3 + ("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl")
# -march value → /proc/cpuinfo flags its code may use (the ones that matter for running it).
MARCH_FLAGS: Dict[str, Tuple[str, ...]] = {
    "x86-64": (), "k8": (), "nocona": (), "core2": ("ssse3",),
    "x86-64-v2": _V2, "nehalem": _V2, "westmere": _V2 + ("aes", "pclmulqdq"),
    "sandybridge": _V2 + ("avx", "aes", "pclmulqdq"),
    "ivybridge": _V2 + ("avx", "aes", "pclmulqdq", "f16c"),
    "x86-64-v3": _V3, "haswell": _V3, "broadwell": _V3 + ("adx", "rdseed"),
    "skylake": _V3 + ("adx", "rdseed"), "znver1": _V3, "znver2": _V3, "znver3": _V3,
    "x86-64-v4": _V4, "skylake-avx512": _V4, "cascadelake": _V4, "cooperlake": _V4,
    "icelake-client": _V4, "icelake-server": _V4, "tigerlake": _V4, "sapphirerapids": _V4,
    "znver4": _V4,
}
# -mFOO → cpuinfo flags it enables (and implies).
M_FLAGS: Dict[str, Tuple[str, ...]] = {
    "ssse3": ("ssse3",), "sse4.1": ("sse4_1",), "sse4.2": ("sse4_2",), "sse4": ("sse4_1", "sse4_2"),
    "popcnt": ("popcnt",), "avx": ("avx",), "avx2": ("avx2", "avx"), "fma": ("fma", "avx"),
    "f16c": ("f16c", "avx"), "bmi": ("bmi1",), "bmi2": ("bmi2",), "avx512f": ("avx512f", "avx2", "avx"),
    "avx512bw": ("avx512bw", "avx512f"), "avx512dq": ("avx512dq", "avx512f"),
    "avx512vl": ("avx512vl", "avx512f"), "avx512cd": ("avx512cd", "avx512f"),
}

FMA_RE = re.compile(r"^vf(n?m(add|sub)|maddsub|msubadd)(132|213|231)(ps|pd|ss|sd)$")
AVX2_MNEMONICS = {
    "vpbroadcastb", "vpbroadcastw", "vpbroadcastd", "vpbroadcastq", "vbroadcasti128",
    "vperm2i128", "vpermd", "vpermq", "vpermps", "vpermpd", "vinserti128", "vextracti128",
    "vpmaskmovd", "vpmaskmovq", "vpsllvd", "vpsllvq", "vpsrlvd", "vpsrlvq", "vpsravd", "vpblendd",
    "vpgatherdd", "vpgatherdq", "vpgatherqd", "vpgatherqq",
    "vgatherdps", "vgatherdpd", "vgatherqps", "vgatherqpd",
}
AVX1_VP_MNEMONICS = {"vptest", "vpermilps", "vpermilpd", "vperm2f128", "vpclmulqdq"}
PREFIXES = {"lock", "rep", "repz", "repnz", "repe", "repne", "bnd", "notrack", "data16", "addr32", "cs", "ds"}
MASK_RE = re.compile(r"\{%k[1-7]\}")


def required_flags(copts: str) -> Optional[Set[str]]:
    """cpuinfo flags the copts allow the compiler to use; None for -march=native (unknown here)."""
    flags: Set[str] = set()
    for token in shlex.split(copts or ""):
        if token.startswith("-march="):
            march = token.split("=", 1)[1]
            if march == "native":
                return None
            flags = set(MARCH_FLAGS.get(march, ()))
        elif token.startswith("-mno-") and token[5:] in M_FLAGS:
            flags -= {M_FLAGS[token[5:]][0]}
        elif token.startswith("-m") and token[2:] in M_FLAGS:
            flags |= set(M_FLAGS[token[2:]])
    return flags


def expected_classes(copts: str) -> List[str]:
    """The instruction classes a build with these copts should contain (those we count)."""
    flags = required_flags(copts)
    if flags is None:
        return []
    return [c for c in COUNTED if c in flags and c != "avx"]


def classify(mnemonic: str, operands: str) -> Set[str]:
    found = set()
    if FMA_RE.match(mnemonic):
        found.add("fma")
    if "%zmm" in operands or MASK_RE.search(operands):
        found.add("avx512f")
        return found
    if mnemonic in AVX2_MNEMONICS:
        found.add("avx2")
    elif mnemonic.startswith("vp") and "%ymm" in operands and mnemonic not in AVX1_VP_MNEMONICS:
        found.add("avx2")
    elif mnemonic in ("vbroadcastss", "vbroadcastsd") and operands.startswith("%xmm"):
        found.add("avx2")
    if "%ymm" in operands:
        found.add("avx")
    return found


def count_lines(lines: Iterable[str], ignore_symbols: Sequence[str] = ()) -> Tuple[Dict[str, int], int]:
    """Count instruction classes in `objdump -d --no-show-raw-insn` output.

    Returns (counts, instructions skipped inside ignored symbols)."""
    ignore = re.compile("|".join(f"(?:{p})" for p in ignore_symbols)) if ignore_symbols else None
    counts = {c: 0 for c in COUNTED}
    counts["instructions"] = 0
    skipping, skipped = False, 0
    for line in lines:
        if not line.startswith(" "):
            if line.rstrip().endswith(">:"):  # "0000000000001139 <saxpy>:"
                symbol = line[line.find("<") + 1:line.rfind(">")]
                skipping = bool(ignore and ignore.search(symbol))
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0].strip().endswith(":"):
            continue
        words = parts[-1].split(None, 1)
        while words and words[0] in PREFIXES:
            words = words[1].split(None, 1) if len(words) > 1 else []
        if not words:
            continue
        if skipping:
            skipped += 1
            continue
        counts["instructions"] += 1
        for cls in classify(words[0], words[1] if len(words) > 1 else ""):
            counts[cls] += 1
    return counts, skipped


def objdump_counts(library: Path, ignore_symbols: Sequence[str] = ()) -> Tuple[Dict[str, int], int]:
    objdump = shutil.which("objdump")
    if objdump is None:
        raise BuildError("objdump is not installed on this host; it checks the wheel's instructions",
                         hint="apt-get install -y binutils")
    process = subprocess.Popen([objdump, "-d", "--no-show-raw-insn", "-w", str(library)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    try:
        counts, skipped = count_lines(process.stdout, ignore_symbols)
    finally:
        process.stdout.close()
        error = process.stderr.read()
        process.wait()
    if process.returncode != 0:
        raise BuildError(f"objdump -d {library.name} failed: {error.strip()[:500]}")
    return counts, skipped


def inspect_wheel(wheel: Path, library_glob: str, copts: str,
                  ignore_symbols: Sequence[str] = ()) -> Dict[str, object]:
    """Disassemble the wheel's main library and say whether it holds what the copts promise."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if fnmatch(n, library_glob)]
        if len(names) != 1:
            raise BuildError(f"{wheel.name}: expected one library matching {library_glob!r}, found {names or 'none'}")
        with tempfile.TemporaryDirectory(prefix="tfopt-isa-") as tmp:
            library = Path(archive.extract(names[0], tmp))
            counts, skipped = objdump_counts(library, ignore_symbols)
    expected = expected_classes(copts)
    promised = required_flags(copts)
    found = [c for c in COUNTED if counts[c] > 0]
    missing = [c for c in expected if counts[c] == 0]
    # What a host must have: what the copts allow, plus whatever the library visibly uses.
    needs = sorted((promised or set()) | set(found))
    return {
        "library": names[0],
        "copts": copts,
        "expected": expected,
        "counts": counts,
        "found": found,
        "missing": missing,
        "ok": not missing,
        "ignored_symbols": list(ignore_symbols),
        "ignored_instructions": skipped,
        "required_cpu_flags": needs,
    }


def host_cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> Set[str]:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()
