from g2p import macs


def test_issue_figures():
    assert macs.network_macs() == 7234560
    assert macs.per_word("rerun") == macs.per_word("loop") == 144691200
    assert macs.per_word("incremental") == 7234560


def test_parts_add_up():
    assert macs.encoder_macs() == 2 * 20 * 157 * 384
    assert macs.keys_macs() == 20 * 256 * 128
    assert macs.decoder_step_macs() == 328 * 384 + 128 * 128 + 20 * 128 + 20 * 256 + 384 * 128 + 128 * 72


def test_per_case_is_per_word_times_words():
    doc = macs.document("incremental", 3)
    assert doc["per_case"] == {"1": 7234560, "2": 2 * 7234560, "3": 3 * 7234560}
    assert "T x network" in doc["formula"]
