"""Plan: variants.yaml and the command line → a validated Plan and Protocol. Pure data: no engine.

    schema     the variants.yaml tables: keys, types, build/run, defaults, allowed values, the name rule
    variant    the domain types: Variant, its TensorFlow source, Plan, and describe() for display
    load       variants.yaml → Plan (validation with file:line, extends and defaults resolved)
    matrix     the `matrix:` section → ordinary variant bodies
    engines    `--engine` values and `engines:` → named, checked Targets (connecting them is tfopt/engine)
    limits     container limits as Docker reads them (memory, cpus, cpusets) and Docker's floors
    protocol   every measuring flag of `invoke profile`, declared once
    runtimes   the host's view of the image side's runtimes: knobs, support, package pins
"""
