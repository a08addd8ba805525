-- Shared blobs (floe::shared_blob, issue 14): one row per SharedBlob, merged as its events
-- arrive, and what each account gave its funds.
CREATE TABLE shared_blobs (
    shared_blob_id text PRIMARY KEY,
    blob_object_id text,
    blob_id text,
    creator text,
    end_epoch bigint,
    funds numeric,
    funded numeric,
    fundings bigint,
    spent numeric,
    extensions bigint,
    created_checkpoint bigint,
    updated_checkpoint bigint
);
-- `/v1/blobs/{id}` names a blob ID's shared blobs; `/v1/shared-blobs?blob_id=…`, `?creator=…`
-- filter on these and page by shared blob ID.
CREATE INDEX shared_blobs_by_blob_id ON shared_blobs (blob_id, shared_blob_id);
CREATE INDEX shared_blobs_by_creator ON shared_blobs (creator, shared_blob_id);

CREATE TABLE shared_blob_funders (
    shared_blob_id text NOT NULL,
    funder text NOT NULL,
    amount numeric,
    fundings bigint,
    first_checkpoint bigint,
    last_checkpoint bigint,
    PRIMARY KEY (shared_blob_id, funder)
);
