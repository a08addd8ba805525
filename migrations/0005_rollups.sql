-- Rollups maintained at ingest, so every /v1/stats/* series reads a bounded number of rows
-- per bucket however long the history (declared in indexer/src/schema.rs like every table).

-- Every license payment (purchase or extension), by position: the revenue series' base.
CREATE TABLE license_payments (
    checkpoint bigint NOT NULL,
    tx_index bigint NOT NULL,
    event_index bigint NOT NULL,
    timestamp_ms bigint,
    license_id text,
    model_id text,
    purchase boolean,
    price numeric,
    fee_burned numeric,
    PRIMARY KEY (checkpoint, tx_index, event_index)
);
CREATE INDEX license_payments_by_time ON license_payments (timestamp_ms);

-- Burns per aligned minute, hour and day (span_ms) and source.
CREATE TABLE burn_rollups (
    span_ms bigint NOT NULL,
    start_ms bigint NOT NULL,
    source bigint NOT NULL,
    amount numeric,
    burns bigint,
    PRIMARY KEY (span_ms, start_ms, source)
);

-- License payments per aligned minute, hour and day and model.
CREATE TABLE revenue_rollups (
    span_ms bigint NOT NULL,
    start_ms bigint NOT NULL,
    model_id text NOT NULL,
    revenue numeric,
    fees_burned numeric,
    licenses bigint,
    payments bigint,
    PRIMARY KEY (span_ms, start_ms, model_id)
);

-- Challenges per epoch of issue: issued, answered, slashed, and the latest deadline.
CREATE TABLE challenge_epochs (
    epoch bigint PRIMARY KEY,
    issued bigint,
    answered bigint,
    slashed bigint,
    last_deadline_ms bigint
);

-- What is already stored (a database indexed before this migration) is rolled up here, so the
-- series are the same as if these tables had always been written. License payments come from
-- the raw events' BCS: LicensePurchased and LicenseExtended are fixed-size (IDs and addresses
-- 32 bytes, u64 little-endian 8 bytes, bool 1 byte).
CREATE OR REPLACE FUNCTION pg_temp.le_u64(b bytea, at integer) RETURNS numeric AS $$
    SELECT trunc(sum(get_byte(b, at + k)::numeric * (256::numeric ^ k)))
    FROM generate_series(0, 7) k
$$ LANGUAGE sql IMMUTABLE;
INSERT INTO license_payments
SELECT checkpoint, tx_index, event_index,
       pg_temp.le_u64(contents, CASE WHEN purchase THEN 177 ELSE 176 END)::bigint,
       '0x' || encode(substring(contents FROM 1 FOR 32), 'hex'),
       '0x' || encode(substring(contents FROM 65 FOR 32), 'hex'),
       purchase, pg_temp.le_u64(contents, 136), pg_temp.le_u64(contents, 144)
FROM (SELECT *, event_type = 'LicensePurchased' AS purchase FROM events
      WHERE module = 'events' AND event_type IN ('LicensePurchased', 'LicenseExtended')) e;
INSERT INTO revenue_rollups
SELECT s.span, p.timestamp_ms - p.timestamp_ms % s.span, p.model_id, SUM(p.price),
       SUM(p.fee_burned), count(*) FILTER (WHERE p.purchase), count(*)
FROM license_payments p CROSS JOIN (VALUES (86400000::bigint), (3600000), (60000)) s(span)
GROUP BY 1, 2, 3;
INSERT INTO challenge_epochs
SELECT epoch, count(*), count(*) FILTER (WHERE status = 'answered'),
       count(*) FILTER (WHERE status = 'slashed'), max(deadline_ms)
FROM challenges WHERE epoch IS NOT NULL GROUP BY epoch;
INSERT INTO burn_rollups
SELECT s.span, b.timestamp_ms - b.timestamp_ms % s.span, b.source, SUM(b.amount), count(*)
FROM burns b CROSS JOIN (VALUES (86400000::bigint), (3600000), (60000)) s(span)
WHERE b.timestamp_ms IS NOT NULL GROUP BY 1, 2, 3;
DROP FUNCTION pg_temp.le_u64(bytea, integer);
