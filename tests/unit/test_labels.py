from tfopt import labels as label


def test_managed_puts_its_label_first():
    assert list(label.managed({label.KIND: label.Kind.PROFILE})) == ["tfopt.managed", "tfopt.kind"]
    assert label.managed({}) == {"tfopt.managed": "true"}


def test_label_instruction_as_docker_import_takes_it():
    assert label.label_instruction(label.managed({label.KIND: label.Kind.MARKER})) == \
        'LABEL tfopt.managed="true" tfopt.kind="marker"'


def test_isa_counts_reads_the_label_older_images_carry():
    assert label.isa_counts("fma=12,avx2=340,avx512f=5600,avx=9000") == {
        "avx": 9000, "fma": 12, "avx2": 340, "avx512f": 5600}
