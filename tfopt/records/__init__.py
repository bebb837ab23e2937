"""Records: the results store and its typed, versioned documents.

    formats    schema ids, their format history, run statuses: declared once
    store      results/runs/<run>/: paths, atomic writes, listing runs
    documents  VariantResult, RunRecord, Run, RaceRecord: each document as a type that
               writes (to_doc) and reads (from_doc, by schema) itself
"""
