"""The ISA tool on the real stock TensorFlow 1.13.1 wheel from PyPI (through the wheelhouse):
it must read AVX without AVX2, FMA or AVX-512 (the audit's false avx512f came from BoringSSL's
AES tables after aes_nohw_cbc_encrypt, decoded by objdump as `(bad) {%k5}`).

About 100 s of objdump on a cold machine; then cached per wheel sha256 (~/.cache/tfopt/isa)."""

import pytest

from tfopt.source_build import isa
from tfopt.build.wheels import ensure_lock

pytestmark = pytest.mark.integration


def test_stock_1_13_1_is_avx_without_avx2_fma_or_avx512():
    lock = ensure_lock("3.7", ["tensorflow==1.13.1", "numpy<1.17", "protobuf<=3.20"])
    wheel = next(f for f in lock.files() if f.name.startswith("tensorflow-1.13.1-"))
    counts = isa.wheel_isa(wheel, lock.sha256_of("tensorflow"))
    print(f"\n{wheel.name}: {counts}")
    assert counts["avx"] > 10_000
    assert counts["avx2"] == 0 and counts["fma"] == 0 and counts["avx512f"] == 0
    assert counts["instructions"] > 20_000_000  # both libraries were read, not an empty match
