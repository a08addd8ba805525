-- Which Blob object each model version publishes (ModelVersionPublished.blob_object_id): the
-- object, not the blob ID, is what proves control of the data.
ALTER TABLE model_versions ADD COLUMN blob_object_id text;

-- Storage capacity reserved per epoch, kept as boundaries so an event touches two rows however
-- long its range: `added` bytes count from this epoch on, `removed` bytes stop counting from it.
-- CapacityReserved [s, e) adds at s and removes at e; CapacityReleased [s, e) removes at s and
-- adds back at e. Capacity used in epoch k = sum of added - removed over epochs <= k.
CREATE TABLE capacity_boundaries (
    epoch bigint PRIMARY KEY,
    added numeric,
    removed numeric,
    reservations bigint,
    releases bigint,
    updated_checkpoint bigint
);

-- Capacity per epoch, from epoch 0 to the last epoch anything is reserved for (or the current
-- epoch, whichever is later): used_capacity is what reservations hold in that epoch;
-- total_capacity is the epoch's own for epochs that started, the latest known otherwise.
CREATE VIEW capacity AS
WITH bounds AS (
    SELECT GREATEST((SELECT max(epoch) FROM capacity_boundaries),
                    (SELECT max(epoch) FROM epochs)) AS last
), used AS (
    SELECT s.epoch,
           SUM(COALESCE(b.added, 0) - COALESCE(b.removed, 0))
               OVER (ORDER BY s.epoch) AS used_capacity
    FROM bounds
    CROSS JOIN LATERAL generate_series(0::bigint, bounds.last) AS s(epoch)
    LEFT JOIN capacity_boundaries b ON b.epoch = s.epoch
), latest AS (
    SELECT total_capacity FROM epochs
    WHERE total_capacity IS NOT NULL ORDER BY epoch DESC LIMIT 1
)
SELECT u.epoch,
       e.start_ms IS NOT NULL AS started,
       u.used_capacity,
       COALESCE(e.total_capacity, (SELECT total_capacity FROM latest)) AS total_capacity,
       COALESCE(e.total_capacity, (SELECT total_capacity FROM latest)) - u.used_capacity
           AS free_capacity
FROM used u LEFT JOIN epochs e ON e.epoch = u.epoch;
