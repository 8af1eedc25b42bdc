-- MovieLens ratings per TMDB film: aggregated per MovieLens movie first (the big table is
-- scanned once), then combined over every MovieLens movie linked to the film.
with ratings as (
    select * from {{ ref('stg_movielens__ratings') }}
),

links as (
    select * from {{ ref('stg_movielens__links') }}
),

per_movie as (
    select
        movie_id,
        sum(rating) as rating_sum,
        count(*) as rating_count
    from ratings
    group by movie_id
),

per_film as (
    select
        links.tmdb_id as film_id,
        sum(per_movie.rating_sum) / sum(per_movie.rating_count) as rating_avg,
        sum(per_movie.rating_count) as rating_count
    from per_movie
    inner join links on links.movie_id = per_movie.movie_id
    where links.tmdb_id is not null
    group by links.tmdb_id
)

select * from per_film
