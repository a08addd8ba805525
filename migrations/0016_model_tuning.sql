-- Self-funding model iteration (floe::model tuning plan and reserve, compute tuning jobs;
-- issue 19, capability 5). A model's plan, its reserve (as the latest event reports it), all
-- ever set aside, its tuning job (open or last one) and the tuned version awaiting approval;
-- whether a compute job is a tuning job (paid from its model's reserve).
ALTER TABLE models
    ADD COLUMN tuning_bps bigint,
    ADD COLUMN tuning_threshold numeric,
    ADD COLUMN tuning_price numeric,
    ADD COLUMN tuning_providers jsonb,
    ADD COLUMN tuning_k bigint,
    ADD COLUMN tuning_duration_ms bigint,
    ADD COLUMN tuning_auto_publish boolean,
    ADD COLUMN tuning_reserve numeric,
    ADD COLUMN tuning_total numeric,
    ADD COLUMN tuning_job_id text,
    ADD COLUMN tuning_job_open boolean,
    ADD COLUMN tuning_proposal_blob_id text,
    ADD COLUMN tuning_proposal_pending boolean,
    ADD COLUMN tuned_versions bigint;

ALTER TABLE compute_jobs ADD COLUMN tuning boolean;
