with films as (
    select * from {{ ref('int_films_financial') }}
),

ratings as (
    select * from {{ ref('int_film_ratings') }}
),

primary_genres as (
    select * from {{ source('genres', 'movie_primary_genre') }}
),

links as (
    select * from {{ ref('stg_movielens__links') }}
),

first_link as (
    select
        tmdb_id as film_id,
        min(movie_id) as movielens_movie_id,
        min(imdb_id) as imdb_id
    from links
    where tmdb_id is not null
    group by tmdb_id
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

select * from final
