with source as (
    select * from {{ source('tmdb', 'movies_metadata') }}
),

renamed as (
    select
        tmdb_id as film_id,
        title,
        release_date,
        year(release_date) as release_year,
        budget as budget_usd,
        revenue as revenue_usd,
        genres as genres_raw,
        vote_average,
        vote_count,
        _line_number as source_line_number
    from source
)

select * from renamed
