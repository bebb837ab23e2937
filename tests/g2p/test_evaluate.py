from g2p.evaluate import edit_distance, sample_words, score


def test_sample_is_fixed_and_eligible():
    a, entries = sample_words(50)
    b, _ = sample_words(50, entries=entries)
    assert a == b and len(set(a)) == 50
    assert all(w.isalpha() and w.islower() and len(w) <= 19 for w in a)


def test_scoring_counts_any_pronunciation():
    entries = {"either": [["IY1", "DH", "ER0"], ["AY1", "DH", "ER0"]], "cat": [["K", "AE1", "T"]]}
    r = score(["either", "cat"], [["AY1", "DH", "ER0"], ["K", "AH1", "T"]], entries)
    assert r["wer"] == 0.5 and r["wer_first"] == 1.0
    assert r["per"] == 1 / 6.0 and r["per_first"] == 2 / 6.0
    assert edit_distance(["a", "b"], ["b"]) == 1
