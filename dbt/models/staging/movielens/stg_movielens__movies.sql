with source as (
    select * from {{ source('movielens', 'movies') }}
),

renamed as (
    select
        movie_id,
        title,
        genres as genres_raw,
        _line_number as source_line_number
    from source
)

select * from renamed
