with source as (
    select * from {{ source('movielens', 'tags') }}
),

renamed as (
    select
        user_id,
        movie_id,
        tag,
        to_timestamp_ntz(tagged_at_epoch) as tagged_at
    from source
)

select * from renamed
