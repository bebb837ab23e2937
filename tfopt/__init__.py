"""tfopt: reproducible single-CPU TensorFlow optimization experiments.

One package per stage of the flow plan → build → engine → measure → records → analysis → render
(each package's __init__ maps its modules; tests/unit/test_layers.py holds the imports to it):

    plan          variants.yaml and flags → a validated Plan and Protocol (pure data)
    build         wheelhouse → base image → one image per build key
    source_build  TensorFlow wheels built from source (`invoke build-tf`)
    engine        the only code that talks to Docker
    measure       interleaved rounds of profiling containers → result documents
    records       the results store and its typed, versioned documents
    analysis      statistics, the gate, the distance to the limit
    render        report.md, report.html, plots, README figures
    dev           `invoke test` and its virtualenvs (not part of the pipeline)

and the ground modules, which import no tfopt package:

    errors   typed fatal errors with exit codes, and did_you_mean
    log      the one logger, with step timings
    paths    where tfopt keeps what it makes
    labels   the Docker label vocabulary
    host     facts and signals of the controlling host (/proc/cpuinfo, pids, SIGTERM)
    clock    UTC timestamps as documents write them
"""

__version__ = "0.1.0"
