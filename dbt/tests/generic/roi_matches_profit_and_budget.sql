{#- ROI is profit over budget: a ratio of sums for a group, never a mean of per-film ratios.
    Fails for every row where the ROI column disagrees with its profit and budget columns
    (relative tolerance), where it is missing although the budget is positive, or where it is
    set although there is no budget. -#}
{% test roi_matches_profit_and_budget(model, column_name, profit_column, budget_column, tolerance=0.000001) %}

select
    {{ column_name }} as roi,
    {{ profit_column }} as profit,
    {{ budget_column }} as budget
from {{ model }}
where
    iff(
        coalesce({{ budget_column }}, 0) > 0,
        {{ column_name }} is null
            or abs({{ column_name }} - {{ profit_column }} / {{ budget_column }})
                > {{ tolerance }} * greatest(1, abs({{ column_name }})),
        {{ column_name }} is not null
    )

{% endtest %}
