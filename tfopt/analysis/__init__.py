"""Analysis: numbers from records, nothing rendered (render/ writes them).

    stats          per-case summaries, speedups with intervals, A/A noise, stability
    gate           the correctness gate: predictions against the family's reference
    compute_bound  distance to the hardware's limit
    floor          the real floor: per step, compute or the memory stream, whichever is longer
    race_record    a race's ranking, what it knew round by round, and its cost
    reproduce      two runs side by side: does the second reproduce the first?
    race_vs_full   a race and a full profile of one grid side by side
"""
