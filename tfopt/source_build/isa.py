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

import json
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from fnmatch import fnmatch
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from ..errors import BuildError
from ..host import CPUINFO, host_cpu

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
UNDECODED = {"(bad)", ".byte"}
# Functions that pick their instructions at run time, or are data objdump decodes as
# code: their instructions say nothing about the copts. A recipe row may add more.
IGNORE_SYMBOLS = (
    "^(aesni|aes_hw|aes_nohw|vpaes|bsaes|gcm|GFp_|gcm_)",   # BoringSSL AES/GHASH; aes_nohw's tables sit in .text
    "^(sha1|sha256|sha512)_block_data_order",
    "^(ChaCha20|chacha20|Poly1305|poly1305|CRYPTO_poly1305|CRYPTO_chacha)",
    "^(bn_|rsaz_|ecp_nistz256|x25519|fiat_|abi_test)",
    "(avx2|avx512|AVX2|AVX512)",                            # kernels named for one ISA level
)


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
    vector = mnemonic.startswith(("v", "k"))
    if vector and ("%zmm" in operands or MASK_RE.search(operands)):
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


def ignore_pattern(extra: Sequence[str] = ()) -> "re.Pattern[str]":
    """The symbols whose instructions are not counted: IGNORE_SYMBOLS plus a recipe's own."""
    return re.compile("|".join(f"(?:{p})" for p in (*IGNORE_SYMBOLS, *extra)))


def count_lines(lines: Iterable[str], ignore_symbols: Sequence[str] = ()) -> Tuple[Dict[str, int], int]:
    """Count instruction classes in `objdump -d --no-show-raw-insn -w` output.

    Functions matching IGNORE_SYMBOLS or `ignore_symbols` are skipped, and so are bytes
    objdump cannot decode (`(bad)`, `.byte`): data in .text is not code the copts made.
    Returns (counts, instructions skipped inside ignored symbols)."""
    ignore = ignore_pattern(ignore_symbols)
    counts = {c: 0 for c in COUNTED}
    counts["instructions"] = 0
    skipping, skipped = False, 0
    for line in lines:
        if not line.startswith(" "):
            if line.rstrip().endswith(">:"):  # "0000000000001139 <saxpy>:"
                symbol = line[line.find("<") + 1:line.rfind(">")]
                skipping = bool(ignore.search(symbol))
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0].strip().endswith(":"):
            continue
        words = parts[-1].split(None, 1)
        while words and words[0] in PREFIXES:
            words = words[1].split(None, 1) if len(words) > 1 else []
        if not words or words[0] in UNDECODED:
            continue
        if skipping:
            skipped += 1
            continue
        counts["instructions"] += 1
        for cls in classify(words[0], words[1] if len(words) > 1 else ""):
            counts[cls] += 1
    return counts, skipped


def has_symtab(library: Path) -> bool:
    """Whether the ELF file keeps its .symtab (a stripped library defeats the ignore list)."""
    with open(library, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:
            raise BuildError(f"{library}: not a 64-bit ELF file")
        order = "<" if header[5] == 1 else ">"
        shoff, = struct.unpack_from(order + "Q", header, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", header, 0x3A)
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        sections = [struct.unpack_from(order + "IIQQQQ", table, i * shentsize) for i in range(shnum)]
        if not sections or shstrndx >= shnum:
            return False
        f.seek(sections[shstrndx][4])
        names = f.read(sections[shstrndx][5])
    return any(names[s[0]:names.find(b"\0", s[0])] == b".symtab" for s in sections)


def objdump_counts(library: Path, ignore_symbols: Sequence[str] = ()) -> Tuple[Dict[str, int], int]:
    objdump = shutil.which("objdump")
    if objdump is None:
        raise BuildError("objdump is not installed on this host; it checks the wheel's instructions",
                         hint="apt-get install -y binutils")
    if not has_symtab(library):
        raise BuildError(f"{library.name} has no .symtab (it was stripped): its instructions cannot be told "
                         f"apart from run-time dispatched code (BoringSSL's assembly, *avx512* kernels), so "
                         f"the ISA check would report instructions the copts never asked for",
                         hint="build without stripping (no --strip=always, no `strip` in the package step)")
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


# Where a wheel keeps its compiled TensorFlow, first match wins. The leading * also
# matches `tensorflow-X.data/purelib/`, where some setuptools versions put it.
TF_LIBRARIES = ("*tensorflow/python/_pywrap_tensorflow_internal.so",
                "*tensorflow/libtensorflow_cc.so*", "*tensorflow/libtensorflow_framework.so*")


def wheel_libraries(names: Sequence[str], globs: Sequence[str]) -> List[str]:
    """The wheel members matching any of `globs` (in their order), else every shared library."""
    chosen = [n for g in globs for n in names if fnmatch(n, g)]
    chosen = list(dict.fromkeys(chosen))
    return chosen or [n for n in names if re.search(r"\.so(\.\d+)*$", n)]


def library_counts(path: Path, globs: Sequence[str] = TF_LIBRARIES,
                   ignore_symbols: Sequence[str] = ()) -> Tuple[Dict[str, int], int, List[str]]:
    """Summed counts over a .so, or over a wheel's libraries: (counts, skipped, libraries read)."""
    if not zipfile.is_zipfile(path):
        counts, skipped = objdump_counts(path, ignore_symbols)
        return counts, skipped, [path.name]
    total: Dict[str, int] = {}
    skipped_total = 0
    with zipfile.ZipFile(path) as archive:
        names = wheel_libraries(archive.namelist(), globs)
        if not names:
            raise BuildError(f"{path.name}: no shared library in the wheel (looked for {', '.join(globs)})")
        for name in names:
            with tempfile.TemporaryDirectory(prefix="tfopt-isa-") as tmp:
                counts, skipped = objdump_counts(Path(archive.extract(name, tmp)), ignore_symbols)
            skipped_total += skipped
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
    return total, skipped_total, names


def inspect_wheel(wheel: Path, library_glob: str, copts: str,
                  ignore_symbols: Sequence[str] = ()) -> Dict[str, object]:
    """Disassemble the wheel's main library and say whether it holds what the copts promise."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if fnmatch(n, library_glob)]
    if len(names) != 1:
        raise BuildError(f"{wheel.name}: expected one library matching {library_glob!r}, found {names or 'none'}",
                         hint="the recipe's isa.library glob must match exactly one member of the wheel "
                              "(unzip -l WHEEL lists them)")
    counts, skipped, _ = library_counts(wheel, [names[0]], ignore_symbols)
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
        "ignored_symbols": [*IGNORE_SYMBOLS, *ignore_symbols],
        "ignored_instructions": skipped,
        "required_cpu_flags": needs,
    }


def _isa_cache(sha256: str) -> Path:
    from .. import paths

    return paths.cache_dir() / "isa" / f"{sha256}.json"


def cached_isa(sha256: str) -> Optional[Dict[str, int]]:
    """The counts recorded for a wheel of this sha256, if it was ever read."""
    path = _isa_cache(sha256)
    return json.loads(path.read_text())["counts"] if path.is_file() else None


def wheel_isa(wheel: Path, sha256: Optional[str] = None) -> Dict[str, int]:
    """A TF wheel's counts (fma, avx2, avx512f, avx, instructions), computed once per sha256.

    The cache is ~/.cache/tfopt/isa/<sha256>.json: a TF library takes minutes to disassemble."""
    from ..build.wheels import sha256_file

    digest = sha256 or sha256_file(wheel)
    known = cached_isa(digest)
    if known is not None:
        return known
    counts, _, libraries = library_counts(wheel)
    cached = _isa_cache(digest)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".tmp")
    partial.write_text(json.dumps({"wheel": wheel.name, "libraries": libraries, "counts": counts}, indent=1))
    partial.replace(cached)
    return counts


def host_cpu_flags(cpuinfo: Path = CPUINFO) -> Set[str]:
    return set(host_cpu(cpuinfo).flags)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """python -m tfopt.source_build.isa FILE: which instruction families a wheel or .so really uses."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tfopt.source_build.isa", description=main.__doc__)
    parser.add_argument("file", type=Path, help="a wheel (its TensorFlow libraries are read) or a .so")
    parser.add_argument("--library", action="append", metavar="GLOB",
                        help="wheel members to read (default: TensorFlow's own libraries, else every .so)")
    parser.add_argument("--ignore", action="append", default=[], metavar="REGEX",
                        help="also skip functions matching REGEX (always skipped: " + ", ".join(IGNORE_SYMBOLS) + ")")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"{args.file}: no such file")
    try:
        counts, skipped, libraries = library_counts(args.file, args.library or TF_LIBRARIES, args.ignore)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BuildError.exit_code
    print(f"# {args.file.name}: {', '.join(libraries)}; {counts['instructions']} instructions counted, "
          f"{skipped} skipped in ignored functions", file=sys.stderr)
    for family in COUNTED:
        print(f"{family} {counts[family]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
