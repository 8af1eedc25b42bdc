-- One row per film of the financial universe, with its primary genre and ratings.
with films as (
    select * from {{ ref('int_films_financial') }}
),

ratings as (
    select * from {{ ref('int_film_ratings') }}
),

primary_genres as (
    select * from {{ ref('stg_genres__movie_primary_genre') }}
),

links as (
    select * from {{ ref('stg_movielens__links') }}
),

-- A film linked from several MovieLens movies is identified by the first of them; its IMDb id
-- comes from that same link row.
first_link as (
    select
        tmdb_id as film_id,
        movie_id as movielens_movie_id,
        imdb_id
    from links
    where tmdb_id is not null
    qualify row_number() over (partition by tmdb_id order by movie_id) = 1
),

final as (
    select
        films.film_id,
        first_link.movielens_movie_id,
        first_link.imdb_id,
        films.title,
        films.release_date,
        films.release_year,
        films.decade,
        films.budget_usd,
        films.revenue_usd,
        films.profit_usd,
        films.profit_usd / films.budget_usd as roi,
        ratings.rating_avg,
        coalesce(ratings.rating_count, 0) as rating_count,
        films.vote_average,
        films.vote_count,
        primary_genres.primary_genre
    from films
    inner join primary_genres on primary_genres.film_id = films.film_id
    left join ratings on ratings.film_id = films.film_id
    left join first_link on first_link.film_id = films.film_id
)

-- Each published column cast to its contract (the YAML): macros/cast_to_contract.sql
select {{ cast_to_contract() }}
from final
