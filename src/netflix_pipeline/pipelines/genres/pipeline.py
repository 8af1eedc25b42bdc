from kedro.pipeline import Pipeline, node, pipeline

from .nodes import normalize_genres


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                normalize_genres,
                inputs={
                    "staging_built": "dbt_staging_run",
                    "film_genre_sources": "film_genre_sources",
                    "genres": "params:genres",
                },
                outputs=[
                    "movie_genres",
                    "movie_primary_genre",
                    "genre_rejected_rows",
                    "genre_summary",
                ],
                name="normalize_genres_node",
            ),
        ],
        tags="genres",
    )
