-- Datasets, contributions and the models' revenue shares with them (floe::dataset, issue 19):
-- one row each, merged as events arrive.
CREATE TABLE datasets (
    dataset_id text PRIMARY KEY,
    cap_id text,
    curator text,
    name text,
    description text,
    contributions bigint,
    total_weight numeric,
    distributed numeric,
    claimed numeric,
    created_checkpoint bigint,
    updated_checkpoint bigint
);
-- `/v1/datasets?curator=…` filters on it and pages by dataset ID.
CREATE INDEX datasets_by_curator ON datasets (curator, dataset_id);

CREATE TABLE contributions (
    contribution_id text PRIMARY KEY,
    dataset_id text,
    blob_id text,
    blob_object_id text,
    contributor text,
    weight numeric,
    claimed numeric,
    claims bigint,
    created_checkpoint bigint,
    updated_checkpoint bigint
);
-- `/v1/contributions?dataset_id=…`, `?contributor=…` filter on these and page by ID.
CREATE INDEX contributions_by_dataset ON contributions (dataset_id, contribution_id);
CREATE INDEX contributions_by_contributor ON contributions (contributor, contribution_id);

CREATE TABLE dataset_shares (
    dataset_id text,
    model_id text,
    version bigint,
    bps bigint,
    accrued numeric,
    pending numeric,
    distributed numeric,
    created_checkpoint bigint,
    updated_checkpoint bigint,
    PRIMARY KEY (dataset_id, model_id)
);
