{#- Shares of a whole add up to 1 within each group (each decade, say), or over the whole
    model when group_by is empty. Fails for every group whose shares sum elsewhere. Rows that
    are not part of a whole (a window without revenue) are left out with the test's `where`
    config. -#}
{% test shares_sum_to_one(model, column_name, group_by=[], tolerance=0.000001) %}

select
    {%- for column in group_by %}
    {{ column }},
    {%- endfor %}
    sum({{ column_name }}) as total_share
from {{ model }}
{%- if group_by %}
group by {{ group_by | join(', ') }}
{%- endif %}
having abs(sum({{ column_name }}) - 1) > {{ tolerance }}

{% endtest %}
