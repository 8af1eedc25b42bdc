-- The best films of each decade, four ways. One row per decade, ranking and rank.
with movies as (
    select * from {{ ref('fct_movies') }}
),

candidates as (
    select decade, 'revenue' as ranking, film_id, title, primary_genre, revenue_usd as metric_value
    from movies
    union all
    select decade, 'profit' as ranking, film_id, title, primary_genre, profit_usd as metric_value
    from movies
    union all
    select decade, 'roi' as ranking, film_id, title, primary_genre, roi as metric_value
    from movies
    where budget_usd >= {{ var('top_roi_min_budget_usd') }}
    union all
    select decade, 'rating' as ranking, film_id, title, primary_genre, rating_avg as metric_value
    from movies
    where rating_count >= {{ var('top_rating_min_ratings') }}
      -- a film without ratings has no average; Snowflake would sort it first (nulls first desc)
      and rating_avg is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by decade, ranking order by metric_value desc, film_id
        ) as rank_in_decade
    from candidates
    qualify rank_in_decade <= {{ var('top_n') }}
),

final as (
    select
        decade,
        ranking,
        rank_in_decade,
        film_id,
        title,
        primary_genre,
        metric_value
    from ranked
)

-- Each published column cast to its contract (the YAML): macros/cast_to_contract.sql
select {{ cast_to_contract() }}
from final
