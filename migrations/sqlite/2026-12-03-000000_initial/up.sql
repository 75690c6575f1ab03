-- Latchkey's initial schema for SQLite, equivalent to migrations/postgres. Identifiers and
-- timestamps come from the application (its clock and its time-ordered UUIDs), so no column
-- has a default time or identifier.
--
-- Representations (STRICT tables, so SQLite enforces them):
-- - UUIDs are TEXT in their lower-case hyphenated form, which sorts as Postgres sorts uuid.
-- - Timestamps are TEXT in UTC, 'YYYY-MM-DD HH:MM:SS[.fff[fff[fff]]]+00:00', as diesel
--   writes them. Within that format text order is time order (the fraction is cut, never
--   padded, and '+' sorts before '.' and every digit), so comparisons and max() in SQL are
--   sound. Only the adapter writes these columns.
-- - JSON is TEXT: metadata checked to be an object, roles to be an array.
-- - Booleans are INTEGER 0 or 1.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT,
    email_normalized TEXT,
    username TEXT,
    username_normalized TEXT,
    name TEXT,
    phone_number TEXT,
    profile_picture_url TEXT,
    metadata TEXT NOT NULL DEFAULT '{}'
        CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    password_hash TEXT,
    created_at TEXT NOT NULL,
    CHECK ((email IS NULL) = (email_normalized IS NULL)),
    CHECK ((username IS NULL) = (username_normalized IS NULL)),
    CHECK (email IS NOT NULL OR username IS NOT NULL)
) STRICT;

-- SQLite names the column, not the index, when a unique index is violated: the adapter
-- tells EmailTaken from UsernameTaken by users.email_normalized / users.username_normalized.
CREATE UNIQUE INDEX users_email_normalized_key ON users (email_normalized);
CREATE UNIQUE INDEX users_username_normalized_key ON users (username_normalized);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    roles TEXT NOT NULL CHECK (json_valid(roles) AND json_type(roles) = 'array'),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
) STRICT;

CREATE INDEX memberships_tenant_id_idx ON memberships (tenant_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The tenant the session acts in. Referencing the membership means that removing a
    -- user from a tenant ends the sessions acting in it, instead of leaving them live.
    tenant_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    absolute_expires_at TEXT,
    revoked_at TEXT,
    FOREIGN KEY (user_id, tenant_id)
        REFERENCES memberships (user_id, tenant_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    -- SHA-256 of the token; the token itself is never stored.
    hash BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32),
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Lineage only, deliberately without a foreign key, so that expired ancestors can be
    -- pruned without touching their live descendants.
    parent_hash BLOB,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    consumed_at TEXT,
    -- The successor XOR-ed with a pad only the holder of this token can derive.
    sealed_successor BLOB CHECK (length(sealed_successor) = 32),
    CHECK ((consumed_at IS NULL) = (sealed_successor IS NULL))
) STRICT;

CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

CREATE TABLE login_throttle (
    identifier_key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until TEXT,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    algorithm TEXT NOT NULL,
    private_key BLOB NOT NULL,
    is_encrypted INTEGER NOT NULL CHECK (is_encrypted IN (0, 1)),
    public_jwk TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT,
    expires_at TEXT
) STRICT;

-- At most one key signs at a time; a rotation retires the old key before adding the new.
CREATE UNIQUE INDEX signing_keys_one_active_key ON signing_keys ((1))
    WHERE retired_at IS NULL;
