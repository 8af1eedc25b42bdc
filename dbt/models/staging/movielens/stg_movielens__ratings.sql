with source as (
    select * from {{ source('movielens', 'ratings') }}
),

renamed as (
    select
        user_id,
        movie_id,
        rating,
        to_timestamp_ntz(rated_at_epoch) as rated_at
    from source
)

select * from renamed
