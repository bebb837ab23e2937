"""Developer tasks, not part of the pipeline.

    testing    `invoke test`: the three suites, each in the interpreter it needs
    stacks     the host virtualenvs that run the g2p tests on both TensorFlow stacks
"""
