"""The bridge to dbt: the one package that runs dbt and reads what it reports.

- :mod:`.invocation`: one dbt command, as the ``dbt`` CLI would run it, its log relayed; the
  project folder; the run's lifecycle (start, parse early, stop).
- :mod:`.worker`: the process that runs those commands (dbt imported once per run).
- :mod:`.results`: what a command did, and its failures as text.
- :mod:`.artifacts`: dbt's target folder and the JSON files it writes there.
- :mod:`.summary`: a build told in the log, with the row count of each model.
- :mod:`.manifest` and :mod:`.dag`: the project's models and their dependencies.
- :mod:`.lineage`: one watcher node per model, so that kedro-viz shows dbt's lineage.
- :mod:`.docs`: ``make docs``.
"""
