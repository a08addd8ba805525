-- Model services (floe::service, issue 19 capability 3): one row each, merged as events arrive.
CREATE TABLE services (
    service_id text PRIMARY KEY,
    cap_id text,
    model_id text,
    model_version bigint,
    owner text,
    provider text,
    price_per_call numeric,
    paused boolean,
    calls bigint,
    responses bigint,
    paid numeric,
    fee_burned numeric,
    withdrawn numeric,
    created_checkpoint bigint,
    updated_checkpoint bigint
);
-- `/v1/services?model_id=…`, `?provider=…` filter on these and page by service ID.
CREATE INDEX services_by_model ON services (model_id, service_id);
CREATE INDEX services_by_provider ON services (provider, service_id);
