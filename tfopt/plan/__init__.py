"""Plan: variants.yaml and the command line → a validated Plan and Protocol. Pure data: no engine.

    load       variants.yaml → Plan (validation with file:line, extends, describe)
    matrix     the `matrix:` section → ordinary variant bodies
    protocol   every measuring flag of `invoke profile`, declared once
    runtimes   the host's view of the image side's runtimes: knobs, support, package pins
"""
