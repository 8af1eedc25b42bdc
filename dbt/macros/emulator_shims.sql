{#- Emulator shim, local target only. dbt unit tests create their fixtures as TEMPORARY tables,
    which the local Snowflake emulator refuses outside its temp catalog ("TEMPORARY table names
    can only use the temp catalog"). On the emulator the fixture becomes a transient table; on
    Snowflake dbt-snowflake's own macro runs unchanged. -#}
{% macro snowflake__create_table_temporary_sql(relation, compiled_code) -%}
    {%- if target.name == 'local' -%}
        create or replace transient table {{ relation }} as ({{ compiled_code }})
    {%- else -%}
        {{ dbt_snowflake.snowflake__create_table_temporary_sql(relation, compiled_code) }}
    {%- endif -%}
{%- endmacro %}
