-- Agent memories (floe::memory, issue 19 capability 4): one row per memory, one per entry
-- appended, one per agent ever delegated to, merged as events arrive.
CREATE TABLE memories (
    memory_id text PRIMARY KEY,
    owner text,
    -- The key generation entries appended now use (+1 at every revoke).
    generation bigint,
    entries bigint,
    grants bigint,
    revokes bigint,
    created_checkpoint bigint,
    updated_checkpoint bigint
);
-- Owners look up their memories.
CREATE INDEX memories_by_owner ON memories (owner, memory_id);

-- Entries are append-only: numbered from 0 per memory, never changed.
CREATE TABLE memory_entries (
    memory_id text NOT NULL,
    entry_index bigint NOT NULL,
    blob_id text,
    blob_object_id text,
    generation bigint,
    appended_by text,
    checkpoint bigint,
    PRIMARY KEY (memory_id, entry_index)
);

-- An agent's delegation: current until revoked (a new grant makes it current again).
CREATE TABLE memory_delegates (
    memory_id text NOT NULL,
    agent text NOT NULL,
    active boolean,
    can_write boolean,
    granted_generation bigint,
    -- The generation its last revoke moved the memory to.
    revoked_generation bigint,
    created_checkpoint bigint,
    updated_checkpoint bigint,
    PRIMARY KEY (memory_id, agent)
);
