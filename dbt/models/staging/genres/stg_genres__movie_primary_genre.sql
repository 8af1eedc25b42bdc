with source as (
    select * from {{ source('genres', 'movie_primary_genre') }}
),

renamed as (
    select
        film_id,
        primary_genre,
        genre_count
    from source
)

select * from renamed
