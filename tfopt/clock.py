"""The wall-clock stamp tfopt records: UTC to the second ("2026-11-24T19:30:00Z").

Run records, run ends and engine locks write it; a ground module so that the engine layer
can use it without importing the records above it."""

import time


def utc_stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
