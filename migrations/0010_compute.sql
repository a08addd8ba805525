-- Compute providers and jobs (floe::compute, issue 19): one row each, merged as events arrive.
CREATE TABLE compute_providers (
    provider_id text PRIMARY KEY,
    cap_id text,
    operator text,
    public_key text,
    network_address text,
    stake numeric,
    results_submitted bigint,
    slashes bigint,
    slashed numeric,
    registered_checkpoint bigint,
    updated_checkpoint bigint
);
CREATE INDEX compute_providers_by_operator ON compute_providers (operator);

CREATE TABLE compute_jobs (
    job_id text PRIMARY KEY,
    owner text,
    model_id text,
    model_version bigint,
    model_blob_id text,
    input_blob_id text,
    providers jsonb,
    k bigint,
    deadline_ms bigint,
    price numeric,
    status text,
    results bigint,
    output_blob_id text,
    output_hash text,
    paid_each numeric,
    providers_paid bigint,
    fee_burned numeric,
    slashed numeric,
    refunded numeric,
    closed_at_ms bigint,
    created_checkpoint bigint,
    updated_checkpoint bigint
);
-- `/v1/compute/jobs?status=…`, `?owner=…`, `?model_id=…` filter on these and page by job ID.
CREATE INDEX compute_jobs_by_status ON compute_jobs (status, job_id);
CREATE INDEX compute_jobs_by_owner ON compute_jobs (owner, job_id);
CREATE INDEX compute_jobs_by_model ON compute_jobs (model_id, job_id);
