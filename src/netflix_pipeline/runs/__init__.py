"""Runs on the record: who runs, alone, until when, and how each run ended.

- :mod:`.identity`: the run id, in every log line
- :mod:`.run`: one run's life: its ledger row, its lease, its end
- :mod:`.lease`: one run at a time per database (``OPS.RUN_LEASE``)
- :mod:`.ledger`: ``OPS.RUN_LEDGER`` and ``run.json``
- :mod:`.record`: what a run did, as one JSON document
- :mod:`.interrupt`: SIGTERM and SIGINT stop a run cleanly, within a bounded time
- :mod:`.outcome`: how a run ended and the exit code that says whether to retry
"""
