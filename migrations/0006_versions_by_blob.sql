-- The model versions published with a blob ID (`/v1/blobs/{id}`'s `model_versions`, the
-- explorer's blob page), found by index instead of a scan of every version.
CREATE INDEX model_versions_by_blob_id ON model_versions (blob_id);
