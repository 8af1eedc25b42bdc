-- One row per primary genre and decade, for every genre and every decade of the financial
-- universe (a genre with no film in a decade has a row of zeros), so that projections can look
-- back one decade even where the genre is absent.
with movies as (
    select * from {{ ref('fct_movies') }}
),

genres as (
    select distinct primary_genre from movies
),

decades as (
    select distinct decade from movies
),

grid as (
    select
        genres.primary_genre,
        decades.decade
    from genres
    cross join decades
),

per_genre_decade as (
    select
        primary_genre,
        decade,
        count(*) as films,
        sum(revenue_usd) as revenue_usd,
        sum(budget_usd) as budget_usd,
        sum(profit_usd) as profit_usd
    from movies
    group by primary_genre, decade
),

per_decade as (
    select
        decade,
        sum(revenue_usd) as decade_revenue_usd
    from movies
    group by decade
),

filled as (
    select
        grid.primary_genre,
        grid.decade,
        coalesce(per_genre_decade.films, 0) as films,
        coalesce(per_genre_decade.revenue_usd, 0) as revenue_usd,
        coalesce(per_genre_decade.budget_usd, 0) as budget_usd,
        coalesce(per_genre_decade.profit_usd, 0) as profit_usd,
        per_decade.decade_revenue_usd
    from grid
    left join per_genre_decade
        on per_genre_decade.primary_genre = grid.primary_genre
        and per_genre_decade.decade = grid.decade
    inner join per_decade on per_decade.decade = grid.decade
),

with_previous as (
    select
        current_decade.*,
        coalesce(previous_genre.revenue_usd, 0) as previous_revenue_usd,
        coalesce(previous_decade.decade_revenue_usd, 0) as previous_decade_revenue_usd
    from filled as current_decade
    left join filled as previous_genre
        on previous_genre.primary_genre = current_decade.primary_genre
        and previous_genre.decade = current_decade.decade - 10
    left join per_decade as previous_decade
        on previous_decade.decade = current_decade.decade - 10
),

final as (
    select
        primary_genre,
        decade,
        films,
        revenue_usd,
        budget_usd,
        profit_usd,
        profit_usd / nullif(films, 0) as avg_profit_usd,
        profit_usd / nullif(budget_usd, 0) as roi,
        revenue_usd / decade_revenue_usd as market_share,
        -- Projection: last decade's revenue of the genre grown like the whole market; a decade
        -- whose previous decade has no film at all projects 0.
        iff(
            previous_decade_revenue_usd > 0,
            previous_revenue_usd * decade_revenue_usd / previous_decade_revenue_usd,
            0
        ) as projected_revenue_usd,
        revenue_usd - iff(
            previous_decade_revenue_usd > 0,
            previous_revenue_usd * decade_revenue_usd / previous_decade_revenue_usd,
            0
        ) as outperformance_usd
    from with_previous
)

-- Each published column cast to its contract (the YAML): macros/cast_to_contract.sql
select {{ cast_to_contract() }}
from final
