with source as (
    select * from {{ source('genres', 'movie_genres') }}
),

renamed as (
    select
        film_id,
        genre,
        position as genre_position,
        source as first_seen_in
    from source
)

select * from renamed
