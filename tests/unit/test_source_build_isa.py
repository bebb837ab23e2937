"""Instruction classes from objdump text, flags promised by copts, and the host check."""

import pytest

from tfopt.errors import UnsupportedHost
from tfopt.source_build import isa
from tfopt.source_build.manifest import ManifestEntry

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
    from tfopt.source_build.build import check_host_supports

    with pytest.raises(UnsupportedHost) as caught:
        check_host_supports(entry(["avx", "avx2", "fma"]), cpuinfo(tmp_path, ["avx"]))
    message = str(caught.value)
    assert "avx2, fma" in message and "tf1-avx2" in message and "-march=haswell" in message
    assert caught.value.exit_code == 8


def test_an_engines_own_cpu_flags_are_checked_when_given(tmp_path):
    from tfopt.source_build.build import check_host_supports

    with pytest.raises(UnsupportedHost, match="uses CPU instructions engine zen2 lacks: avx512f"):
        check_host_supports(entry(["avx2", "avx512f"]), cpuinfo(tmp_path, ["avx2", "avx512f"]),
                            flags=["avx", "avx2", "fma"], where="engine zen2")
    check_host_supports(entry(["avx2"]), cpuinfo(tmp_path, ["avx"]), flags=["avx", "avx2"], where="engine x")


def test_check_host_supports_passes_when_present(tmp_path):
    from tfopt.source_build.build import check_host_supports

    check_host_supports(entry(["avx", "avx2", "fma"]), cpuinfo(tmp_path, ["avx", "avx2", "fma", "avx512f"]))
    check_host_supports(entry([]), cpuinfo(tmp_path, []))


# --- the false avx512f of the audit (stock 1.13.1: BoringSSL's AES tables in .text) ----------
AES_NOHW = """\
0000000000b27a40 <aes_nohw_cbc_encrypt>:
  b27a40:\tpush   %rbp
  b27a41:\tvmovdqu (%rdi),%xmm0
  b27b10:\t(bad)  {%k5}
  b27b16:\t.byte 0x62
  b27b17:\tadc    %al,(%rax){%k1}

0000000000b27c00 <after_the_tables>:
  b27c00:\t(bad)  {%k5}
  b27c06:\t.byte 0xc4
  b27c07:\tadd    %al,(%rax){%k3}
  b27c0a:\tvaddps %ymm1,%ymm2,%ymm3
  b27c0e:\tkmovw  %k1,%eax
  b27c12:\tvpaddd %zmm1,%zmm2,%zmm3{%k2}
"""


def test_undecodable_bytes_and_aes_nohw_tables_are_not_avx512():
    counts, skipped = isa.count_lines(AES_NOHW.splitlines(True))
    assert skipped == 3                  # push, vmovdqu, adc inside aes_nohw_cbc_encrypt
    assert counts["avx512f"] == 1        # only the real vpaddd on zmm with a mask
    assert counts["avx"] == 1 and counts["instructions"] == 4   # add, vaddps, kmovw, vpaddd


def test_mask_registers_count_only_on_vector_and_mask_mnemonics():
    assert isa.classify("(bad)", "{%k5}") == set()
    assert isa.classify("adc", "%al,(%rax){%k1}") == set()
    assert isa.classify("vmovaps", "%xmm1,%xmm2{%k1}") == {"avx512f"}
    assert isa.classify("kandw", "%k1,%k2,%k3") == set()      # no {%kN} mask: AVX-512 mask op, not counted
    assert isa.classify("vaddps", "%zmm1,%zmm2,%zmm3") == {"avx512f"}


def test_aes_nohw_is_in_the_built_in_ignore_list():
    assert isa.ignore_pattern().search("aes_nohw_cbc_encrypt")
    assert isa.ignore_pattern().search("sha256_block_data_order_avx2")
    assert not isa.ignore_pattern().search("tensorflow::ops::MatMul")


def shared_library(tmp_path, strip=False):
    import shutil
    import subprocess

    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to make a shared library (apt-get install gcc)")
    source = tmp_path / "k.c"
    source.write_text("void saxpy(float a, const float *x, float *y, int n)"
                      "{ for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i]; }\n")
    library = tmp_path / "libk.so"
    subprocess.run(["gcc", "-O3", "-march=haswell", "-shared", "-fPIC", "-o", library, source], check=True)
    if strip:
        subprocess.run(["strip", "--strip-all", library], check=True)
    return library


def test_a_stripped_library_fails_the_check(tmp_path):
    from tfopt.errors import BuildError

    library = shared_library(tmp_path, strip=True)
    assert not isa.has_symtab(library)
    with pytest.raises(BuildError, match="has no .symtab"):
        isa.objdump_counts(library)


def test_cli_prints_one_line_per_family_for_a_so_and_a_wheel(tmp_path, capsys):
    import zipfile

    library = shared_library(tmp_path)
    assert isa.has_symtab(library)
    assert isa.main([str(library)]) == 0
    lines = capsys.readouterr().out.splitlines()
    counts = dict((name, int(n)) for name, n in (line.split() for line in lines))
    assert list(counts) == ["fma", "avx2", "avx512f", "avx"] and counts["fma"] > 0 and counts["avx512f"] == 0
    wheel = tmp_path / "k-1.0-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(library, "k-1.0.data/purelib/k/libk.so")
    assert isa.main([str(wheel)]) == 0
    assert capsys.readouterr().out.splitlines() == lines


def test_wheel_isa_is_computed_once_per_sha256(tmp_path, monkeypatch):
    import zipfile

    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path / "cache"))
    wheel = tmp_path / "k-1.0-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(shared_library(tmp_path), "k/libk.so")
    first = isa.wheel_isa(wheel)
    monkeypatch.setattr(isa, "library_counts", lambda *a, **k: pytest.fail("disassembled twice"))
    assert isa.wheel_isa(wheel) == first and first["fma"] > 0


def test_report_has_an_isa_row_per_profiled_wheel_from_its_image_labels_only(tmp_path, monkeypatch):
    from tfopt.render import report
    from tfopt.records.documents import VariantResult

    monkeypatch.setenv("TFOPT_CACHE", str(tmp_path))
    (tmp_path / "isa").mkdir()
    (tmp_path / "isa" / ("b" * 64 + ".json")).write_text(
        '{"counts": {"fma": 0, "avx2": 0, "avx512f": 0, "avx": 111664, "instructions": 9}}')

    def result(name, tf, labels):
        return VariantResult.from_doc({"variant": {"name": name, "settings": {"tensorflow": {"pypi": tf}}},
                               "image": {"labels": labels}})

    results = {
        "intel-avx512": result("intel-avx512", "intel-tensorflow-avx512==2.14.0", {
            "tfopt.tf_wheel_sha256": "a" * 64, "tfopt.tf_isa": "fma=12,avx2=340,avx512f=5600,avx=9000"}),
        "stock-1": result("stock-1", "tensorflow==1.13.1", {"tfopt.tf_wheel_sha256": "b" * 64}),  # no label
        "stock-2": result("stock-2", "tensorflow==1.13.1", {"tfopt.tf_wheel_sha256": "b" * 64}),
    }
    table = report._isa_section(results).tables[0]
    assert table.header[-4:] == ["avx", "avx2", "fma", "avx512"]
    rows = {row[0]: row for row in table.rows}
    assert rows["intel-avx512"][-4:] == ["9,000", "340", "12", "5,600"]
    assert rows["stock-1, stock-2"][-4:] == ["—"] * 4  # the host's ISA cache is not the run's: not read
