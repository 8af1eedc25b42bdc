{#- Use the folder's schema as is (STAGING, INTERMEDIATE, MARTS_BUILD) rather than dbt's
    default <target schema>_<custom schema>: the Kedro datasets and the publish step name them. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
