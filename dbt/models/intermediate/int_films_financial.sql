-- The financial universe: films with a budget, a revenue and a release date.
with metadata as (
    select * from {{ ref('stg_tmdb__movies_metadata') }}
),

financial as (
    select
        film_id,
        title,
        release_date,
        release_year,
        floor(release_year / 10) * 10 as decade,
        budget_usd,
        revenue_usd,
        revenue_usd - budget_usd as profit_usd,
        vote_average,
        vote_count,
        genres_raw,
        source_line_number
    from metadata
    where budget_usd > 0
      and revenue_usd > 0
      and release_date is not null
)

select * from financial
