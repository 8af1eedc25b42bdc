-- netflix-pipeline: one-time Snowflake setup, run by an administrator (Snowsight or snowsql -f).
--
-- It creates what the nightly job needs and nothing more, and can be run again safely:
--   role NETFLIX_PIPELINE      the job's role: loads RAW, builds the dbt models, publishes MARTS
--   role NETFLIX_REPORTER      read-only on MARTS: Power BI
--   warehouses                 NETFLIX_PIPELINE_WH (the job), NETFLIX_REPORTING_WH (Power BI)
--   database NETFLIX           schemas RAW, RAW_LOAD, STAGING, INTERMEDIATE, GENRES, MARTS_BUILD, MARTS,
--                              OPS (the run ledger and the run lease)
--   integration NETFLIX_S3     Snowflake's access to the S3 landing prefix (an IAM role, no keys)
--   stage RAW_LOAD.LANDING_STAGE  the external stage on that prefix that COPY INTO reads
--   user NETFLIX_PIPELINE      the job's service user (key-pair authentication), allowed to
--                              connect only from the cluster's egress addresses
--
-- Replace before running: <aws_account_id>, <snowflake_s3_role> (the IAM role Snowflake assumes),
-- <bucket>, <public key> and <egress CIDR>. The names match k8s/base/configmap.yaml
-- (SNOWFLAKE_*, STAGE_URI) and conf/prod: keep them in step.
--
-- How the files move: the job (its pod's IAM role) reads s3://<bucket>/raw/ and writes checked
-- Parquet files under s3://<bucket>/landing/ (STAGE_URI); Snowflake reads them through this
-- stage with COPY INTO. The pod's role needs s3:GetObject + s3:ListBucket on raw/ and
-- s3:PutObject + s3:GetObject + s3:DeleteObject + s3:ListBucket on landing/; Snowflake's role
-- needs s3:GetObject + s3:GetObjectVersion + s3:ListBucket on landing/ only.

-- 1. Roles ------------------------------------------------------------------------------------
use role securityadmin;

create role if not exists NETFLIX_PIPELINE
    comment = 'netflix-pipeline nightly job: loads RAW, builds dbt models, publishes MARTS';
create role if not exists NETFLIX_REPORTER
    comment = 'Read-only access to NETFLIX.MARTS (Power BI)';
-- Administrators (SYSADMIN) see and manage what these roles create.
grant role NETFLIX_PIPELINE to role sysadmin;
grant role NETFLIX_REPORTER to role sysadmin;

-- 2. Warehouses: small, suspended when idle ---------------------------------------------------
use role sysadmin;

create warehouse if not exists NETFLIX_PIPELINE_WH
    warehouse_size = xsmall
    auto_suspend = 60
    auto_resume = true
    initially_suspended = true
    comment = 'netflix-pipeline nightly job';
create warehouse if not exists NETFLIX_REPORTING_WH
    warehouse_size = xsmall
    auto_suspend = 60
    auto_resume = true
    initially_suspended = true
    comment = 'Power BI queries on NETFLIX.MARTS';

grant usage on warehouse NETFLIX_PIPELINE_WH to role NETFLIX_PIPELINE;
grant usage on warehouse NETFLIX_REPORTING_WH to role NETFLIX_REPORTER;

-- 3. Database and schemas ---------------------------------------------------------------------
-- Owned by SYSADMIN; the job gets the right to create tables in its schemas, and views only in
-- STAGING where dbt makes them (the tables it creates are its own, so it can replace them), but
-- cannot create or drop schemas. tests/test_prod_mode.py audits every statement of a prod run
-- against these grants: a grant the run does not use is not given.
-- Managed access: only the schemas' owner (or MANAGE GRANTS, below) grants privileges on the
-- tables in them, never the job that owns the tables; readers get their access from the
-- schemas' future grants (section 5), which a replaced table inherits. The job grants nothing
-- (the audit would name a GRANT statement) and replaces tables without COPY GRANTS.
create database if not exists NETFLIX comment = 'Which movie genres perform best';

create schema if not exists NETFLIX.RAW with managed access
    comment = 'Raw exports, checked against the input contract and typed; REJECTED_ROWS';
-- Transient: the scratch tables are re-made every night, and need neither Time Travel nor
-- Fail-safe (a permanent schema would keep a week of each night's copy of the ratings).
create transient schema if not exists NETFLIX.RAW_LOAD with managed access
    data_retention_time_in_days = 0
    comment = 'Scratch of the ingestion: landed text, checked rows, the landing stage';
create schema if not exists NETFLIX.STAGING with managed access
    comment = 'dbt staging views';
create schema if not exists NETFLIX.INTERMEDIATE with managed access
    comment = 'dbt intermediate tables';
create schema if not exists NETFLIX.GENRES with managed access
    comment = 'Genre tables written by the genre normalization';
create schema if not exists NETFLIX.MARTS_BUILD with managed access
    comment = 'Marts built and tested before publishing';
create schema if not exists NETFLIX.MARTS with managed access
    comment = 'Published marts: what Power BI reads';
create schema if not exists NETFLIX.OPS with managed access
    comment = 'RUN_LEDGER (one row per run) and RUN_LEASE (one run at a time)';

grant usage on database NETFLIX to role NETFLIX_PIPELINE;
grant usage, create table on schema NETFLIX.RAW to role NETFLIX_PIPELINE;
grant usage, create table on schema NETFLIX.RAW_LOAD to role NETFLIX_PIPELINE;
grant usage, create table, create view on schema NETFLIX.STAGING to role NETFLIX_PIPELINE;
grant usage, create table on schema NETFLIX.INTERMEDIATE to role NETFLIX_PIPELINE;
grant usage, create table on schema NETFLIX.GENRES to role NETFLIX_PIPELINE;
grant usage, create table on schema NETFLIX.MARTS_BUILD to role NETFLIX_PIPELINE;
grant usage, create table on schema NETFLIX.MARTS to role NETFLIX_PIPELINE;
grant usage, create table on schema NETFLIX.OPS to role NETFLIX_PIPELINE;

-- 4. Storage integration and external stage ---------------------------------------------------
-- Creating an integration takes ACCOUNTADMIN (or the CREATE INTEGRATION privilege).
use role accountadmin;

create storage integration if not exists NETFLIX_S3
    type = external_stage
    storage_provider = 'S3'
    enabled = true
    storage_aws_role_arn = 'arn:aws:iam::<aws_account_id>:role/<snowflake_s3_role>'
    storage_allowed_locations = ('s3://<bucket>/landing/')
    comment = 'Snowflake reads the Parquet files netflix-pipeline lands under landing/';
-- Then put the integration's STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID into the
-- trust policy of <snowflake_s3_role> in AWS:
describe integration NETFLIX_S3;

grant usage on integration NETFLIX_S3 to role sysadmin;

use role sysadmin;

-- The file format of everything the job lands: COPY INTO … MATCH_BY_COLUMN_NAME reads it, and
-- so does the query of a landed file whose faulty rows stay out (insert … from @stage).
create file format if not exists NETFLIX.RAW_LOAD.PARQUET_FORMAT
    type = parquet
    comment = 'Files landed by netflix-pipeline';

-- STAGE_NAME = RAW_LOAD.LANDING_STAGE and STAGE_URI = s3://<bucket>/landing in the job's config.
create stage if not exists NETFLIX.RAW_LOAD.LANDING_STAGE
    url = 's3://<bucket>/landing/'
    storage_integration = NETFLIX_S3
    file_format = NETFLIX.RAW_LOAD.PARQUET_FORMAT
    comment = 'netflix-pipeline landing: checked raw files and warehouse table uploads';

-- USAGE on an external stage and its file format is what reading them (COPY INTO, a query of a
-- staged file) needs.
grant usage on stage NETFLIX.RAW_LOAD.LANDING_STAGE to role NETFLIX_PIPELINE;
grant usage on file format NETFLIX.RAW_LOAD.PARQUET_FORMAT to role NETFLIX_PIPELINE;

-- 5. Power BI: read-only on MARTS, today's tables and tomorrow's ------------------------------
use role securityadmin;

grant usage on database NETFLIX to role NETFLIX_REPORTER;
grant usage on schema NETFLIX.MARTS to role NETFLIX_REPORTER;
grant select on all tables in schema NETFLIX.MARTS to role NETFLIX_REPORTER;
grant select on future tables in schema NETFLIX.MARTS to role NETFLIX_REPORTER;
grant select on all views in schema NETFLIX.MARTS to role NETFLIX_REPORTER;
grant select on future views in schema NETFLIX.MARTS to role NETFLIX_REPORTER;
-- Grant NETFLIX_REPORTER to the user Power BI connects as (its gateway or SSO users), e.g.:
--   grant role NETFLIX_REPORTER to user POWERBI_GATEWAY;

-- 6. The job's service user: key-pair authentication, no password -----------------------------
use role useradmin;

create user if not exists NETFLIX_PIPELINE
    type = service
    default_role = NETFLIX_PIPELINE
    default_warehouse = NETFLIX_PIPELINE_WH
    default_namespace = NETFLIX.RAW
    comment = 'netflix-pipeline CronJob (k8s); the private key is in the Secret';
-- The public half of the job's private key rsa_key.p8 (openssl rsa -in rsa_key.p8 -pubout),
-- without the BEGIN/END lines. To rotate: set the new one as rsa_public_key_2, swap the key
-- file in the Secret, and once a run has succeeded, unset rsa_public_key.
alter user NETFLIX_PIPELINE set rsa_public_key = '<public key>';
-- Limits on every session of the job, dbt's included (the job sets the same at login on its own
-- sessions, from conf/base/parameters_run.yml): a statement whose client vanished (a killed pod)
-- is aborted, no statement runs for more than two hours, none waits more than ten minutes for
-- a lock. Snowflake's defaults are: run on, two days, twelve hours.
alter user NETFLIX_PIPELINE set
    abort_detached_query = true
    statement_timeout_in_seconds = 7200
    lock_timeout = 600;

use role securityadmin;
grant role NETFLIX_PIPELINE to user NETFLIX_PIPELINE;

-- 7. Where the service user may connect from -------------------------------------------------
-- Only the cluster's egress addresses (its NAT gateways): a leaked key is useless elsewhere.
-- Replace <egress CIDR> (more than one: a comma-separated list of quoted CIDRs).
use role securityadmin;
create network policy if not exists NETFLIX_PIPELINE_NETWORK
    allowed_ip_list = ('<egress CIDR>')
    comment = 'netflix-pipeline CronJob: the cluster egress addresses only';
alter user NETFLIX_PIPELINE set network_policy = NETFLIX_PIPELINE_NETWORK;
