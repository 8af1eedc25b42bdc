with source as (
    select * from {{ source('movielens', 'links') }}
),

renamed as (
    select
        movie_id,
        imdb_id,
        tmdb_id
    from source
)

select * from renamed
