from kedro.pipeline import Pipeline, node, pipeline

from .nodes import genre_values, normalize_genres, summarize_genres


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                genre_values,
                inputs={
                    "staging_built": "dbt_staging_run",
                    "film_genre_sources": "film_genre_sources",
                    "genres": "params:genres",
                },
                outputs="genre_values",
                name="genre_values_node",
            ),
            node(
                normalize_genres,
                inputs={
                    "film_genre_sources": "film_genre_sources",
                    "genre_values": "genre_values",
                    "genres": "params:genres",
                },
                outputs=["movie_genres", "movie_primary_genre", "genre_rejected_rows"],
                name="normalize_genres_node",
            ),
            node(
                summarize_genres,
                inputs={
                    "movie_genres": "movie_genres",
                    "movie_primary_genre": "movie_primary_genre",
                    "genre_rejected_rows": "genre_rejected_rows",
                    "genres": "params:genres",
                },
                outputs="genre_summary",
                name="summarize_genres_node",
            ),
        ],
        tags="genres",
    )
