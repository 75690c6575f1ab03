//! The tables of `migrations/sqlite`, written by hand to match them. UUIDs are `Text`,
//! timestamps `TimestamptzSqlite` (UTC text), JSON `Text`.

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Nullable<Text>,
        email_normalized -> Nullable<Text>,
        username -> Nullable<Text>,
        username_normalized -> Nullable<Text>,
        name -> Nullable<Text>,
        phone_number -> Nullable<Text>,
        profile_picture_url -> Nullable<Text>,
        metadata -> Text,
        email_verified -> Bool,
        password_hash -> Nullable<Text>,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    memberships (user_id, tenant_id) {
        user_id -> Text,
        tenant_id -> Text,
        roles -> Text,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        tenant_id -> Text,
        created_at -> TimestamptzSqlite,
        absolute_expires_at -> Nullable<TimestamptzSqlite>,
        revoked_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    refresh_tokens (hash) {
        hash -> Binary,
        session_id -> Text,
        parent_hash -> Nullable<Binary>,
        issued_at -> TimestamptzSqlite,
        expires_at -> TimestamptzSqlite,
        consumed_at -> Nullable<TimestamptzSqlite>,
        sealed_successor -> Nullable<Binary>,
    }
}

diesel::table! {
    login_throttle (identifier_key) {
        identifier_key -> Text,
        failures -> Integer,
        locked_until -> Nullable<TimestamptzSqlite>,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        algorithm -> Text,
        private_key -> Binary,
        is_encrypted -> Bool,
        public_jwk -> Text,
        created_at -> TimestamptzSqlite,
        retired_at -> Nullable<TimestamptzSqlite>,
        expires_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::joinable!(memberships -> tenants (tenant_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    users,
    memberships,
    sessions,
    refresh_tokens,
    login_throttle,
    signing_keys,
);
