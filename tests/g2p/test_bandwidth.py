"""The read-bandwidth microbenchmark: cache sizes from sysfs, the record's shape."""

from g2p import bandwidth


def _fake_sysfs(root, sizes):
    for index, (level, kind, size) in enumerate(sizes):
        d = root / "cpu0" / "cache" / ("index%d" % index)
        d.mkdir(parents=True)
        for name, value in (("level", str(level)), ("type", kind), ("size", size),
                            ("shared_cpu_list", "0")):
            (d / name).write_text(value + "\n")


def test_parse_size():
    assert bandwidth.parse_size("32K") == 32768
    assert bandwidth.parse_size("32M") == 32 << 20
    assert bandwidth.parse_size("512") == 512
    assert bandwidth.parse_size("") is None and bandwidth.parse_size("x1K") is None


def test_buffers_fit_the_caches_read_from_sysfs(tmp_path):
    _fake_sysfs(tmp_path, [(1, "Data", "32K"), (1, "Instruction", "32K"), (2, "Unified", "512K"),
                           (3, "Unified", "32768K")])
    caches = bandwidth.cache_levels(0, str(tmp_path))
    assert [c["size_bytes"] for c in caches] == [32768, 32768, 512 << 10, 32 << 20]
    assert bandwidth.buffer_sizes(caches) == [("L1", 32768, 16384), ("L2", 512 << 10, 256 << 10),
                                             ("L3", 32 << 20, 8 << 20), ("DRAM", None, 64 << 20)]


def test_no_sysfs_no_levels(tmp_path):
    doc = bandwidth.measure(str(tmp_path))
    assert doc["levels"] is None and "no cache sizes" in doc["error"]


def test_record_shape_in_a_single_threaded_child():
    doc = bandwidth.run_single_threaded()
    assert doc["kind"] == "bandwidth" and doc["threads"] == 1 and doc["error"] is None
    assert [x["level"] for x in doc["levels"]] == ["L1", "L2", "L3", "DRAM"]
    for level in doc["levels"]:
        assert level["gb_per_s"] > 0 and level["kernel"] in ("dot", "matmul-stack")
        assert level["cache_bytes"] is None or level["buffer_bytes"] < level["cache_bytes"]
    assert doc["library"].startswith("numpy ")
