"""The bridge to dbt: invocation, results, the manifest and the lineage nodes for kedro-viz."""
