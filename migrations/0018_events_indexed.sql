-- The raw events a reader may see: those of checkpoints up to the watermark. The ingest
-- commits a batch's raw events on a second connection just before its projections and
-- watermark (`indexer/src/ingest.rs`), so for a moment, or after a crash until the next batch
-- deletes them, `events` holds rows beyond the watermark. `/v1/events` reads this view in the
-- same statement as the watermark, so every event it lists is covered by the checkpoint the
-- response names.
CREATE VIEW events_indexed AS
SELECT e.tx_digest, e.event_index, e.checkpoint, e.tx_index, e.timestamp_ms, e.sender,
       e.module, e.event_type, e.contents
FROM events e
WHERE e.checkpoint <= (SELECT w.checkpoint FROM watermark w WHERE w.id);
