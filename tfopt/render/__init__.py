"""Render: records and their numbers → report.md, report.html, PNG charts, README figures.

    views           one run → its plots and report (the entry point)
    document        the document model (Section, Table) and its Markdown and HTML renderers
    cells           table cells: times, intervals, changes, counts, CPU flags, worded once
    report          the report of a run: its sections
    engines_report  the report of a multi-engine run
    plots           latency, speedup and race charts
    back_to_back    back-to-back.md: does a second run reproduce the first (analysis/reproduce)
    race_vs_full    race-vs-full.md: a race beside a full profile (analysis/race_vs_full)
    readme_figures  README figures generated from a committed run
"""
