-- Whether a dataset's curator sealed it (floe::dataset::seal, DatasetSealed): its contributions
-- and weights are final, and models may train on it. Datasets are created unsealed (rows
-- written before this column existed included: no seal existed then). Nullable like every
-- merged column: an event's partial row leaves it NULL and the merge keeps the stored value.
ALTER TABLE datasets ADD COLUMN sealed boolean DEFAULT false;
