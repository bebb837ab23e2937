import pytest

from factories import OTHER_DIGEST, REFERENCE_DIGEST, experiment_family, make_result
from tfopt.analysis import gate
from tfopt.errors import CorrectnessError


def family(**variant_kwargs):
    return {
        "stock": make_result("stock"),
        "fast": make_result("fast", parent="stock", **variant_kwargs),
    }


def test_matching_variants_pass():
    results = family()
    assert gate.check(results) == []
    assert gate.enforce(results) == []
    assert gate.status(results, "fast") == gate.OK
    assert gate.digest(results["fast"]) == REFERENCE_DIGEST


def test_variant_that_disagrees_raises_with_names_and_how_to_allow():
    results = family(digest=OTHER_DIGEST)
    [m] = gate.check(results)
    assert (m.variant, m.reference, m.kind, m.allowed) == ("fast", "stock", "differs-from-reference", False)
    assert gate.status(results, "fast") == gate.DIFFERS
    with pytest.raises(CorrectnessError) as err:
        gate.enforce(results)
    text = str(err.value)
    assert "fast" in text and "stock" in text
    assert "may_change_predictions: true" in text and "variants.yaml" in text
    assert err.value.exit_code == 7


def test_allowed_change_is_reported_not_raised():
    results = family(digest=OTHER_DIGEST, may_change_predictions=True)
    [m] = gate.enforce(results)
    assert m.allowed and m.variant == "fast"
    assert gate.status(results, "fast") == gate.DIFFERS


def test_visits_that_disagree_with_each_other_fail():
    results = family(visit_digests=[REFERENCE_DIGEST, OTHER_DIGEST, REFERENCE_DIGEST])
    kinds = [m.kind for m in gate.check(results)]
    assert kinds == ["visits-disagree"]
    assert gate.digest(results["fast"]) is None
    with pytest.raises(CorrectnessError):
        gate.enforce(results)


def test_missing_reference_is_unchecked_not_a_failure():
    results = {"fast": make_result("fast", parent="stock")}
    assert gate.check(results) == []
    assert gate.status(results, "fast") == gate.UNCHECKED


def test_experiment_family_flags_only_optimized():
    results = experiment_family()
    assert [m.variant for m in gate.check(results)] == ["optimized"]
