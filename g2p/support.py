"""Which runtime can express which decoding (pure data, no imports; host validation reads it).

``SUPPORT[runtime][decoding]`` is None when supported, else the reason it is not.
Decodings (docs/g2p.md):

* ``rerun``: g2p_en 1.0.0's procedure: the whole network MAXLEN times per batch, the
  predictions so far fed back as the decoder input;
* ``loop``: the same MAXLEN steps inside one graph, one runtime call per batch;
* ``incremental``: the encoder once, then one new decoder position per step from the
  cached decoder state (GRU state, attention vector, encoder keys/values).
"""

SUPPORT = {
    "tensorflow": {"rerun": None, "loop": None, "incremental": None},
    "numpy": {
        "rerun": "the numpy runtime computes each decoder position once from cached state "
                 "(incremental); recomputing the whole network 20 times in Python would only "
                 "reproduce TensorFlow's call pattern, 20x slower; use decoding incremental",
        "loop": "numpy has no graph to hold a loop: a 'loop' would be the same Python loop "
                "as incremental; use decoding incremental",
        "incremental": None,
    },
    # Rows of the converted runtimes are owned by their exporters (g2p/exporters/).
    "onnxruntime": {"rerun": None, "loop": None, "incremental": None},
    "openvino": {"rerun": None, "loop": None, "incremental": None},
}


def reason(runtime, decoding):
    """None if `runtime` can run `decoding`, else why not (unknown names included)."""
    if runtime not in SUPPORT:
        return "unknown runtime %r (one of: %s)" % (runtime, ", ".join(sorted(SUPPORT)))
    row = SUPPORT[runtime]
    if decoding not in row:
        return "unknown decoding %r (one of: %s)" % (decoding, ", ".join(sorted(row)))
    return row[decoding]


# Forms (runtime tensorflow only; other runtimes have no form).
TF_FORMS = {
    "rerun": {"checkpoint": None, "savedmodel": None, "frozen": None, "optimized": None},
    "loop": {"checkpoint": None, "frozen": None, "optimized": None,
             "savedmodel": "the loop graph holds its weights as constants (no variables "
                           "to save); use form frozen, optimized or checkpoint"},
    "incremental": {"checkpoint": None, "frozen": None, "optimized": None,
                    "savedmodel": "the incremental graph holds its weights as constants (no "
                                  "variables to save); use form frozen, optimized or checkpoint"},
}
DEFAULT_FORM = "checkpoint"


def form_reason(runtime, decoding, form):
    """None if `form` is allowed for runtime/decoding (None = the default), else why not."""
    if form is None:
        return None
    if runtime != "tensorflow":
        return ("form is a TensorFlow knob; runtime %s has none (its converter picks the "
                "TensorFlow graph it converts)" % runtime)
    row = TF_FORMS.get(decoding, {})
    if form not in row:
        return "unknown form %r (one of: %s)" % (form, ", ".join(sorted(row)))
    return row[form]
