-- Paid calls held in escrow (floe::service, issue 19 review): a call's price waits in its
-- service until the provider answers (ServiceResponded: the fee burned, the rest credited to the
-- model, `revenue`) or its payer takes it back after the deadline (ServiceCallRefunded:
-- `refunds`, `refunded`). Services no longer hold revenue for a ServiceCap holder, so nothing is
-- withdrawn from them. A service's cap changes when the model's owner takes it over
-- (ServiceCapReplaced), and each service has a response window. Nullable like every merged
-- column; the counters start at 0 for rows written before.
ALTER TABLE services
    ADD COLUMN response_window_ms bigint,
    ADD COLUMN revenue numeric DEFAULT 0,
    ADD COLUMN refunds bigint DEFAULT 0,
    ADD COLUMN refunded numeric DEFAULT 0,
    DROP COLUMN withdrawn;
