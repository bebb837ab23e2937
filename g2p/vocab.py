"""Hyper-parameters and vocabularies of g2p_en 1.0.0 (copied from its train.py)."""

MAXLEN = 20          # max graphemes (incl. EOS) and max phonemes per word
BATCH_WORDS = 20     # words per batch of session.run calls in predict()

GRAPHEMES = ["P", "E", "U"] + list("abcdefghijklmnopqrstuvwxyz")  # Padding, EOS, UNK
PHONEMES = [
    "<PAD>", "<EOS>", "AA0", "AA1", "AA2", "AE0", "AE1", "AE2", "AH0", "AH1", "AH2", "AO0",
    "AO1", "AO2", "AW0", "AW1", "AW2", "AY0", "AY1", "AY2", "B", "CH", "D", "DH",
    "EH0", "EH1", "EH2", "ER0", "ER1", "ER2", "EY0", "EY1", "EY2", "F", "G", "HH",
    "IH0", "IH1", "IH2", "IY0", "IY1", "IY2", "JH", "K", "L", "M", "N", "NG", "OW0", "OW1",
    "OW2", "OY0", "OY1", "OY2", "P", "R", "S", "SH", "T", "TH", "UH0", "UH1", "UH2", "UW",
    "UW0", "UW1", "UW2", "V", "W", "Y", "Z", "ZH",
]

EOS = PHONEMES.index("<EOS>")   # a row is finished once it has emitted this (early stop)

G2IDX = {g: i for i, g in enumerate(GRAPHEMES)}
IDX2P = {i: p for i, p in enumerate(PHONEMES)}
UNK = 2


def words_of(text):
    """The original preprocessing: lowercase, split on whitespace."""
    if not isinstance(text, str):
        raise TypeError("expected a str, not %s" % type(text).__name__)
    return text.lower().split()


def encode(word):
    """Grapheme indices of `word` + 'E' (EOS), truncated to MAXLEN (not padded)."""
    return [G2IDX.get(g, UNK) for g in (word + "E")[:MAXLEN]]


def decode(indices):
    """Phoneme strings up to (not including) the first <EOS>."""
    out = [IDX2P[int(i)] for i in indices]
    if "<EOS>" in out:
        out = out[:out.index("<EOS>")]
    return out

HIDDEN = 128         # GRU units (encoder each way, decoder) and attention size
