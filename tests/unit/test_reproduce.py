"""Back-to-back runs are compared speedup by speedup, each computed inside its own run."""

from factories import linear_ms, make_result
from tfopt.records import documents
from tfopt.analysis import reproduce, stats
from tfopt.render import back_to_back


def _run(run_id, fast_ms, seed):
    docs = {
        "ref": make_result("ref", family="f", reference="ref", median_ms=linear_ms(100, 300), sigma=0.1, seed=seed),
        "fast": make_result("fast", family="f", parent="ref", reference="ref", median_ms=fast_ms, sigma=0.1, seed=seed + 1),
    }
    return documents.Run(documents.RunRecord(run_id, kind="profile", status="complete"), variants=docs)


def test_a_second_run_of_the_same_speed_reproduces_the_first():
    first, second = _run("a", linear_ms(50, 150), 0), _run("b", linear_ms(50, 150), 20)
    (row,) = reproduce.compare(first, second)
    assert row.variant == "fast" and row.inside and row.overlap
    assert row.first.value == stats.against_reference(first.variants, "fast").overall.value
    text = back_to_back.to_markdown(first, second)
    assert "inside the first run's CI for 1 of 1 variants" in text and "| fast |" in text


def test_a_second_run_that_disagrees_is_reported_as_such():
    first, second = _run("a", linear_ms(50, 150), 0), _run("b", linear_ms(80, 240), 10)
    (row,) = reproduce.compare(first, second)
    assert not row.inside and not row.overlap
    assert "for 0 of 1 variants" in back_to_back.to_markdown(first, second)


def test_the_readme_back_to_back_claim_is_what_the_committed_runs_say():
    import re

    from tfopt import paths

    text = (paths.PROJECT_ROOT / "README.md").read_text()
    claim = re.search(r"reference run \(`(\S+)`\) ended \(`(\S+)`.*?inside the first\s+run's 95% CI for (\d+) "
                      r"of (\d+) variants, and all (\d+) pairs of intervals overlap", text, re.S)
    assert claim, "README's back-to-back sentence changed: update this test with it"
    first_id, second_id = claim.group(1, 2)
    inside, total, overlap = map(int, claim.group(3, 4, 5))
    folder = paths.PROJECT_ROOT / "results"
    rows = reproduce.compare(documents.load_run(folder, first_id), documents.load_run(folder, second_id))
    assert (sum(a.inside for a in rows), len(rows), sum(a.overlap for a in rows)) == (inside, total, overlap)
    assert overlap == total
