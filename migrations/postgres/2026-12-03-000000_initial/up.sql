-- Latchkey's initial schema. Identifiers and timestamps come from the application (its
-- clock and its time-ordered UUIDs), so no column defaults to now() or gen_random_uuid().

CREATE TABLE tenants (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text,
    email_normalized text,
    username text,
    username_normalized text,
    name text,
    phone_number text,
    profile_picture_url text,
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    email_verified boolean NOT NULL DEFAULT false,
    password_hash text,
    created_at timestamptz NOT NULL,
    CHECK ((email IS NULL) = (email_normalized IS NULL)),
    CHECK ((username IS NULL) = (username_normalized IS NULL)),
    CHECK (email IS NOT NULL OR username IS NOT NULL)
);

-- The adapter tells EmailTaken from UsernameTaken by these index names.
CREATE UNIQUE INDEX users_email_normalized_key ON users (email_normalized);
CREATE UNIQUE INDEX users_username_normalized_key ON users (username_normalized);

CREATE TABLE memberships (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    roles text[] NOT NULL CHECK (array_position(roles, NULL) IS NULL),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
);

CREATE INDEX memberships_tenant_id_idx ON memberships (tenant_id);

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The tenant the session acts in. Referencing the membership means that removing a
    -- user from a tenant ends the sessions acting in it, instead of leaving them live.
    tenant_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    absolute_expires_at timestamptz,
    revoked_at timestamptz,
    FOREIGN KEY (user_id, tenant_id)
        REFERENCES memberships (user_id, tenant_id) ON DELETE CASCADE
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    -- SHA-256 of the token; the token itself is never stored.
    hash bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Lineage only, deliberately without a foreign key, so that expired ancestors can be
    -- pruned without touching their live descendants.
    parent_hash bytea,
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz,
    -- The successor XOR-ed with a pad only the holder of this token can derive.
    sealed_successor bytea CHECK (octet_length(sealed_successor) = 32),
    CHECK ((consumed_at IS NULL) = (sealed_successor IS NULL))
);

CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

CREATE TABLE login_throttle (
    identifier_key text PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until timestamptz,
    updated_at timestamptz NOT NULL
);

CREATE TABLE signing_keys (
    kid text PRIMARY KEY,
    algorithm text NOT NULL,
    private_key bytea NOT NULL,
    is_encrypted boolean NOT NULL,
    public_jwk text NOT NULL,
    created_at timestamptz NOT NULL,
    retired_at timestamptz,
    expires_at timestamptz
);

-- At most one key signs at a time; a rotation retires the old key before adding the new.
CREATE UNIQUE INDEX signing_keys_one_active_key ON signing_keys ((true))
    WHERE retired_at IS NULL;
