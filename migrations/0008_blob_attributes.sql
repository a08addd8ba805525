-- Attributes of Blob objects (BlobAttributeSet / BlobAttributeRemoved), one row per object and
-- key; a removed key keeps its row with `removed` true (the batch writer merges, it does not
-- delete). The position (checkpoint, tx_index, event_index) is the latest set's: the chain moves
-- a replaced key last, and ordering by position does the same.
CREATE TABLE blob_attributes (
    blob_object_id text NOT NULL,
    key text NOT NULL,
    blob_id text,
    value text,
    removed boolean,
    checkpoint bigint,
    tx_index bigint,
    event_index bigint,
    timestamp_ms bigint,
    tx_digest text,
    updated_checkpoint bigint,
    PRIMARY KEY (blob_object_id, key)
);
-- `/v1/blobs/{id}` reads the attributes of every object of a blob ID.
CREATE INDEX blob_attributes_by_blob_id ON blob_attributes (blob_id);

-- The current attributes: removed keys and those of deleted or expired Blob objects (whose
-- attributes the chain drops with them) left out.
CREATE VIEW blob_attributes_current AS
SELECT a.blob_object_id, a.key, a.blob_id, a.value, a.checkpoint, a.tx_index, a.event_index,
       a.timestamp_ms, a.tx_digest
FROM blob_attributes a
WHERE a.removed IS NOT TRUE
  AND NOT EXISTS (
      SELECT 1 FROM blobs b
      WHERE b.blob_object_id = a.blob_object_id AND b.status IN ('deleted', 'expired')
  );
