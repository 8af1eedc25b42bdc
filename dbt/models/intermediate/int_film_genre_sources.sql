-- Every genre list that describes a film of the financial universe: its TMDB genres, then the
-- genres of each MovieLens movie linked to it. The genre normalization node reads this table.
with films as (
    select * from {{ ref('int_films_financial') }}
),

links as (
    select * from {{ ref('stg_movielens__links') }}
),

movies as (
    select * from {{ ref('stg_movielens__movies') }}
),

tmdb_genres as (
    select
        film_id,
        'tmdb' as source,
        0 as item_order,
        genres_raw,
        source_line_number
    from films
),

movielens_genres as (
    select
        films.film_id,
        'movielens' as source,
        movies.movie_id as item_order,
        movies.genres_raw,
        movies.source_line_number
    from films
    inner join links on links.tmdb_id = films.film_id
    inner join movies on movies.movie_id = links.movie_id
),

final as (
    select * from tmdb_genres
    union all
    select * from movielens_genres
)

select * from final
