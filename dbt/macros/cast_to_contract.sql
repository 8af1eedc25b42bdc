{#- The select list of a published mart: each column of the model's YAML, in its order, cast to
    the data_type of its contract. The YAML is the one place where a published column's name and
    type are written; the cast makes the type the same on Snowflake and on the local emulator,
    whose arithmetic types differ (a decade is FLOAT there, a sum of flags HUGEINT). A dbt unit
    test renders the model without its YAML columns: it gets every column as computed. -#}
{% macro cast_to_contract() -%}
    {%- if not model.columns %} *
    {%- else %}
    {%- for name, column in model.columns.items() %}
    cast({{ name }} as {{ column.data_type }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
    {%- endif %}
{%- endmacro %}
