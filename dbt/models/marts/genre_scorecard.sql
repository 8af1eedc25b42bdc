-- One row per primary genre: the figures of insights.json plus risk figures.
with movies as (
    select * from {{ ref('fct_movies') }}
),

performance as (
    select * from {{ ref('genre_decade_performance') }}
),

recent_decades as (
    select decade
    from (select distinct decade from movies)
    qualify dense_rank() over (order by decade desc) <= 2
),

flagged as (
    select
        movies.*,
        recent_decades.decade is not null as is_recent
    from movies
    left join recent_decades on recent_decades.decade = movies.decade
),

totals as (
    select
        avg(profit_usd) as baseline_avg_profit_usd,
        sum(iff(is_recent, revenue_usd, 0)) as recent_revenue_usd,
        count_if(is_recent) as recent_films,
        sum(iff(is_recent, budget_usd, 0)) as recent_budget_usd,
        sum(iff(is_recent, profit_usd, 0)) as recent_profit_usd,
        (select min(decade) from recent_decades) as recent_from_decade,
        (select max(decade) from recent_decades) as recent_to_decade
    from flagged
),

per_genre as (
    select
        primary_genre,
        count(*) as films,
        avg(profit_usd) as avg_profit_usd,
        count_if(is_recent) as films_recent,
        sum(iff(is_recent, revenue_usd, 0)) as revenue_recent_usd,
        sum(iff(is_recent, budget_usd, 0)) as budget_recent_usd,
        sum(iff(is_recent, profit_usd, 0)) as profit_recent_usd,
        count_if(profit_usd < 0) / count(*) as loss_rate,
        percentile_cont(0.1) within group (order by roi) as roi_p10,
        percentile_cont(0.5) within group (order by roi) as roi_p50,
        percentile_cont(0.9) within group (order by roi) as roi_p90
    from flagged
    group by primary_genre
),

projection as (
    select
        performance.primary_genre,
        sum(performance.projected_revenue_usd) as projected_revenue_recent_usd
    from performance
    inner join recent_decades on recent_decades.decade = performance.decade
    group by performance.primary_genre
),

final as (
    select
        per_genre.primary_genre,
        per_genre.films,
        per_genre.films_recent,
        per_genre.revenue_recent_usd,
        per_genre.budget_recent_usd,
        per_genre.profit_recent_usd,
        coalesce(projection.projected_revenue_recent_usd, 0) as projected_revenue_recent_usd,
        per_genre.revenue_recent_usd
            - coalesce(projection.projected_revenue_recent_usd, 0) as outperformance_recent_usd,
        coalesce(per_genre.revenue_recent_usd / nullif(totals.recent_revenue_usd, 0), 0)
            as market_share_recent,
        per_genre.avg_profit_usd,
        totals.baseline_avg_profit_usd,
        per_genre.budget_recent_usd / nullif(per_genre.films_recent, 0) as avg_budget_recent_usd,
        per_genre.revenue_recent_usd / nullif(per_genre.films_recent, 0) as avg_revenue_recent_usd,
        per_genre.profit_recent_usd / nullif(per_genre.budget_recent_usd, 0) as roi_recent,
        (totals.recent_budget_usd - per_genre.budget_recent_usd)
            / nullif(totals.recent_films - per_genre.films_recent, 0) as others_avg_budget_recent_usd,
        (totals.recent_revenue_usd - per_genre.revenue_recent_usd)
            / nullif(totals.recent_films - per_genre.films_recent, 0) as others_avg_revenue_recent_usd,
        (totals.recent_profit_usd - per_genre.profit_recent_usd)
            / nullif(totals.recent_budget_usd - per_genre.budget_recent_usd, 0) as others_roi_recent,
        per_genre.loss_rate,
        per_genre.roi_p10,
        per_genre.roi_p50,
        per_genre.roi_p90,
        totals.recent_from_decade,
        totals.recent_to_decade
    from per_genre
    cross join totals
    left join projection on projection.primary_genre = per_genre.primary_genre
)

-- Each published column cast to its contract (the YAML): macros/cast_to_contract.sql
select {{ cast_to_contract() }}
from final
