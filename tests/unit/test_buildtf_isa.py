"""Instruction classes from objdump text, flags promised by copts, and the host check."""

import pytest

from tfopt.errors import UnsupportedHost
from tfopt.tfbuild import isa
from tfopt.tfbuild.manifest import ManifestEntry

OBJDUMP = """\

lib.so:     file format elf64-x86-64


Disassembly of section .text:

0000000000001100 <saxpy>:
    1100:\tvbroadcastss %xmm0,%ymm0
    1105:\tvmovups (%rsi,%rax,1),%ymm1
    110a:\tvfmadd213ps (%rdx,%rax,1),%ymm0,%ymm1
    1110:\tvfmadd231ss (%rdi),%xmm2,%xmm3
    1115:\tret

0000000000001200 <madd_i32>:
    1200:\tvpmulld (%rsi,%rax,1),%ymm1,%ymm0
    1205:\tvpaddd (%rdx,%rax,1),%ymm0,%ymm0
    120a:\tvpaddd %xmm1,%xmm0,%xmm0
    120e:\tvptest %ymm0,%ymm0
    1212:\tlock cmpxchg %rdx,(%rdi)
    1217:\tvpermd %ymm1,%ymm2,%ymm3

0000000000001300 <sha256_block_data_order_avx2>:
    1300:\tvpaddd %ymm4,%ymm5,%ymm6
    1304:\tvfmadd231ps %zmm1,%zmm2,%zmm3

0000000000001400 <wide>:
    1400:\tvaddps %zmm1,%zmm2,%zmm3{%k1}
    1406:\tvpaddd %ymm1,%ymm2,%ymm3
"""


def test_count_lines_classifies_and_ignores_symbols():
    counts, skipped = isa.count_lines(OBJDUMP.splitlines(True), ["^sha256_block_data_order"])
    assert skipped == 2
    assert counts["fma"] == 2            # vfmadd213ps, vfmadd231ss
    assert counts["avx2"] == 5           # vbroadcastss reg, vpmulld ymm, vpaddd ymm, vpermd, vpaddd ymm
    assert counts["avx512f"] == 1
    assert counts["instructions"] == 13


def test_classify_edge_cases():
    assert isa.classify("vptest", "%ymm0,%ymm0") == {"avx"}            # AVX1 despite vp*
    assert isa.classify("vpaddd", "%xmm1,%xmm0,%xmm0") == set()        # 128-bit: AVX, not AVX2
    assert isa.classify("vbroadcastss", "(%rdi),%ymm0") == {"avx"}     # memory source: AVX1
    assert isa.classify("vfmaddps", "%xmm1,%xmm2,%xmm3,%xmm4") == set()  # FMA4 is not FMA3
    assert isa.classify("vfnmsub132sd", "%xmm1,%xmm2,%xmm3") == {"fma"}
    assert isa.classify("vpbroadcastd", "%xmm0,%xmm1") == {"avx2"}
    assert isa.classify("addps", "%xmm1,%xmm0") == set()


@pytest.mark.parametrize("copts,flags", [
    ("-O3 -march=haswell", {"avx", "avx2", "fma", "bmi2"}),
    ("-march=x86-64 -O3", set()),
    ("-O3 -mavx2", {"avx", "avx2"}),
    ("-march=haswell -mavx2 -mfma -O3", {"avx2", "fma"}),
    ("-march=haswell -mno-fma", {"avx2"}),
    ("-march=skylake-avx512", {"avx512f", "avx2", "fma"}),
])
def test_required_flags(copts, flags):
    got = isa.required_flags(copts)
    assert flags <= got
    if "-mno-fma" in copts:
        assert "fma" not in got
    if not flags:
        assert got == set()


def test_native_is_unknown_until_the_binary_is_read():
    assert isa.required_flags("-O3 -march=native") is None
    assert isa.expected_classes("-O3 -march=native") == []


def test_expected_classes():
    assert isa.expected_classes("-march=haswell -mavx2 -mfma -O3") == ["fma", "avx2"]
    assert isa.expected_classes("-O3 -march=x86-64") == []
    assert isa.expected_classes("-march=icelake-server") == ["fma", "avx2", "avx512f"]


def entry(required):
    return ManifestEntry(variant="tf1-avx2", recipe_hash="h", recipe="r", tf_version="1.13.1",
                         flags={"copts": "-march=haswell"}, wheel="/w/tensorflow-1.13.1-cp37-cp37m-linux_x86_64.whl",
                         sha256="0" * 64, build_seconds=1, log="l", built_at="t", builder_image="i",
                         isa={"required_cpu_flags": required})


def cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {' '.join(flags)}\n\nprocessor\t: 1\n")
    return path


def test_check_host_supports_names_missing_instructions(tmp_path):
    from tfopt.buildtf import check_host_supports

    with pytest.raises(UnsupportedHost) as caught:
        check_host_supports(entry(["avx", "avx2", "fma"]), cpuinfo(tmp_path, ["avx"]))
    message = str(caught.value)
    assert "avx2, fma" in message and "tf1-avx2" in message and "-march=haswell" in message
    assert caught.value.exit_code == 8


def test_check_host_supports_passes_when_present(tmp_path):
    from tfopt.buildtf import check_host_supports

    check_host_supports(entry(["avx", "avx2", "fma"]), cpuinfo(tmp_path, ["avx", "avx2", "fma", "avx512f"]))
    check_host_supports(entry([]), cpuinfo(tmp_path, []))
