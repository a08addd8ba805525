-- What is already stored (a database indexed before 0008) is projected here from the raw
-- events' BCS, so `blob_attributes` is the same as if the ingest had always written it.
-- BlobAttributeSet = object ID (32 bytes), blob ID (u256, 32 bytes little-endian), key, value;
-- BlobAttributeRemoved = object ID, blob ID, key. A string is a ULEB128 length (one or two
-- bytes here: keys have at most 128 bytes, values 1024) and its UTF-8 bytes; a NUL becomes
-- U+FFFD as the ingest stores it. Per object and key, the latest event says whether it is
-- removed (value emptied) and the latest set gives the value's position.
CREATE OR REPLACE FUNCTION pg_temp.uleb(b bytea, at integer) RETURNS integer[] AS $$
    SELECT CASE WHEN get_byte(b, at) < 128 THEN ARRAY[get_byte(b, at), 1]
                ELSE ARRAY[(get_byte(b, at) & 127) + (get_byte(b, at + 1) << 7), 2] END
$$ LANGUAGE sql IMMUTABLE;
CREATE OR REPLACE FUNCTION pg_temp.move_text(b bytea) RETURNS text AS $$
    SELECT convert_from(COALESCE(string_agg(
        CASE WHEN get_byte(b, k) = 0 THEN '\xefbfbd'::bytea ELSE substring(b FROM k + 1 FOR 1) END,
        ''::bytea ORDER BY k), ''::bytea), 'UTF8')
    FROM generate_series(0, length(b) - 1) k
$$ LANGUAGE sql IMMUTABLE;
WITH raw AS (
    SELECT e.checkpoint, e.tx_index, e.event_index, e.timestamp_ms, e.tx_digest, e.contents,
           e.event_type = 'BlobAttributeSet' AS is_set, pg_temp.uleb(e.contents, 64) AS k
    FROM events e
    WHERE e.module = 'events' AND e.event_type IN ('BlobAttributeSet', 'BlobAttributeRemoved')
), decoded AS (
    SELECT r.checkpoint, r.tx_index, r.event_index, r.timestamp_ms, r.tx_digest, r.is_set,
           '0x' || encode(substring(r.contents FROM 1 FOR 32), 'hex') AS object_id,
           rtrim(translate(encode(substring(r.contents FROM 33 FOR 32), 'base64'), '+/', '-_'), '=')
               AS blob_id,
           pg_temp.move_text(substring(r.contents FROM 65 + r.k[2] FOR r.k[1])) AS key,
           CASE WHEN r.is_set THEN pg_temp.move_text(substring(r.contents
               FROM 65 + r.k[2] + r.k[1] + (pg_temp.uleb(r.contents, 64 + r.k[2] + r.k[1]))[2]
               FOR (pg_temp.uleb(r.contents, 64 + r.k[2] + r.k[1]))[1])) END AS value
    FROM raw r
)
INSERT INTO blob_attributes
SELECT DISTINCT ON (d.object_id, d.key)
       d.object_id, d.key, d.blob_id, CASE WHEN d.is_set THEN d.value ELSE '' END, NOT d.is_set,
       s.checkpoint, s.tx_index, s.event_index, s.timestamp_ms, s.tx_digest, d.checkpoint
FROM decoded d
LEFT JOIN LATERAL (
    SELECT x.checkpoint, x.tx_index, x.event_index, x.timestamp_ms, x.tx_digest
    FROM decoded x
    WHERE x.is_set AND x.object_id = d.object_id AND x.key = d.key
    ORDER BY x.checkpoint DESC, x.tx_index DESC, x.event_index DESC
    LIMIT 1
) s ON true
ORDER BY d.object_id, d.key, d.checkpoint DESC, d.tx_index DESC, d.event_index DESC
ON CONFLICT (blob_object_id, key) DO NOTHING;
