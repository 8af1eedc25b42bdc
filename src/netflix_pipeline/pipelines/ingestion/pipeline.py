from kedro.pipeline import Pipeline, node, pipeline

from .nodes import load_raw, scan_raw_files


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                scan_raw_files,
                inputs={
                    "raw_movies": "raw_movies",
                    "raw_ratings": "raw_ratings",
                    "raw_links": "raw_links",
                    "raw_tags": "raw_tags",
                    "raw_movies_metadata": "raw_movies_metadata",
                    "ingest": "params:ingest",
                },
                outputs="scanned_raw_files",
                name="scan_raw_files_node",
            ),
            node(
                load_raw,
                inputs={
                    "scanned_raw_files": "scanned_raw_files",
                    "warehouse": "warehouse",
                    "ingest": "params:ingest",
                },
                outputs="raw_load_report",
                name="load_raw_tables_node",
            ),
        ],
        tags="ingestion",
    )
