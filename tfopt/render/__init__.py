"""Render: records and their numbers → report.md, report.html, PNG charts, README figures.

    views           one run → its plots and report (the entry point)
    report          the report of a run
    engines_report  the report of a multi-engine run
    plots           latency, speedup and race charts
    readme_figures  README figures generated from a committed run
"""
