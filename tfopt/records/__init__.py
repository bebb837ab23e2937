"""Records: the results store and its typed, versioned documents.

    store      results/runs/<run>/: paths, atomic writes, listing runs
    documents  VariantResult, Run, RaceRecord: the typed view of each document
"""
