"""Measure: images + protocol → containers in interleaved rounds → result documents.

    pipeline      the profile job end to end: plan → images → rounds → gate
    rounds        the interleaved round loop of one engine
    race          the racing policy the round loop consults (drop, stop)
    multi_engine  one run over several engines, one thread each
    validate      a profiler document checked against the image side's schema
    flamegraph    `invoke flamegraph`: py-spy inside a variant's container
"""
