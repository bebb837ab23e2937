from tfopt import labels as label


def test_managed_puts_its_label_first():
    assert list(label.managed({label.KIND: label.Kind.PROFILE})) == ["tfopt.managed", "tfopt.kind"]
    assert label.managed({}) == {"tfopt.managed": "true"}


def test_label_instruction_as_docker_import_takes_it():
    assert label.label_instruction(label.managed({label.KIND: label.Kind.MARKER})) == \
        'LABEL tfopt.managed="true" tfopt.kind="marker"'


def test_isa_value_round_trips_in_the_given_order():
    counts = {"avx": 9000, "fma": 12, "avx2": 340, "avx512f": 5600}
    value = label.isa_value(counts, ("fma", "avx2", "avx512f", "avx"))
    assert value == "fma=12,avx2=340,avx512f=5600,avx=9000"
    assert label.isa_counts(value) == counts
