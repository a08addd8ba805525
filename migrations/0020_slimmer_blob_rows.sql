-- Slimmer projections for ingest (issue 17): a blob row was about half text the API can
-- derive or never reads, and every such byte is written twice (heap and WAL).
--
-- `blob_id_u256` repeated `blob_id` (base64url of the u256's 32 little-endian bytes) as a
-- 78-digit decimal in `blobs` and `blob_ids`; no query filters or sorts by it (a decimal blob
-- ID in a path or filter is turned into base64url before the query). The API now computes it
-- from `blob_id` with this function when it renders a row.
CREATE FUNCTION blob_id_u256(blob_id text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    bytes bytea := decode(translate(blob_id, '-_', '+/') || '=', 'base64');
    value numeric := 0;
BEGIN
    -- Little-endian: the last byte is the most significant. Horner's rule keeps it exact.
    FOR i IN REVERSE length(bytes) - 1 .. 0 LOOP
        value := value * 256 + get_byte(bytes, i);
    END LOOP;
    RETURN value::text;
END
$$;

ALTER TABLE blobs DROP COLUMN blob_id_u256;
ALTER TABLE blob_ids DROP COLUMN blob_id_u256;

-- Read by no query since the revenue series moved to `license_payments` (0005): one index
-- entry per license sale for nothing.
DROP INDEX licenses_by_purchase;
