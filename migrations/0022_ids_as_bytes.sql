-- Object IDs and addresses as their 32 bytes (issue 17): the projections the ingest writes
-- most (a Blob, its Storage, a license and its payment per sale, a challenge) held them as
-- 66 characters of `0x`-hex, up to five per row and two per owner index entry: about half of
-- each row's bytes, written twice (heap and WAL) and again into every index. `bytea` keeps
-- 32 bytes (33 with its header) and sorts in the same order as the fixed-length lowercase
-- hex, so keys, cursors and `ORDER BY` see no difference.
--
-- The API still reads and filters `0x`-hex: these two functions convert at the edge (simple
-- SQL functions, inlined by the planner, so a filter `col = id_bytes($1)` uses the index).
CREATE FUNCTION id_bytes(id text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN decode(lpad(substr(id, 3), 64, '0'), 'hex');

CREATE FUNCTION id_text(id bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '0x' || encode(id, 'hex');

-- The view reads blobs.blob_object_id and blob_attributes.blob_object_id: recreated below
-- with the same columns.
DROP VIEW blob_attributes_current;

ALTER TABLE blobs
    ALTER COLUMN blob_object_id TYPE bytea USING id_bytes(blob_object_id),
    ALTER COLUMN owner TYPE bytea USING id_bytes(owner),
    ALTER COLUMN storage_id TYPE bytea USING id_bytes(storage_id);

ALTER TABLE storage
    ALTER COLUMN storage_id TYPE bytea USING id_bytes(storage_id),
    ALTER COLUMN owner TYPE bytea USING id_bytes(owner),
    ALTER COLUMN parent_storage_id TYPE bytea USING id_bytes(parent_storage_id),
    ALTER COLUMN blob_object_id TYPE bytea USING id_bytes(blob_object_id),
    ALTER COLUMN absorbed_into TYPE bytea USING id_bytes(absorbed_into);

ALTER TABLE licenses
    ALTER COLUMN license_id TYPE bytea USING id_bytes(license_id),
    ALTER COLUMN offer_id TYPE bytea USING id_bytes(offer_id),
    ALTER COLUMN model_id TYPE bytea USING id_bytes(model_id),
    ALTER COLUMN holder TYPE bytea USING id_bytes(holder);

-- `model_id` stays text here: the revenue series sums these rows together with
-- `revenue_rollups` (keyed by the model's text ID) in one query.
ALTER TABLE license_payments
    ALTER COLUMN license_id TYPE bytea USING id_bytes(license_id);

ALTER TABLE challenges
    ALTER COLUMN node_id TYPE bytea USING id_bytes(node_id),
    ALTER COLUMN slashed_by TYPE bytea USING id_bytes(slashed_by);

ALTER TABLE blob_attributes
    ALTER COLUMN blob_object_id TYPE bytea USING id_bytes(blob_object_id);

CREATE VIEW blob_attributes_current AS
SELECT a.blob_object_id, a.key, a.blob_id, a.value, a.checkpoint, a.tx_index, a.event_index,
       a.timestamp_ms, a.tx_digest
FROM blob_attributes a
WHERE a.removed IS NOT TRUE
  AND NOT EXISTS (
      SELECT 1 FROM blobs b
      WHERE b.blob_object_id = a.blob_object_id AND b.status IN ('deleted', 'expired')
  );
