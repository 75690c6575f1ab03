//! The tables of `migrations/postgres`, written by hand to match them.

diesel::table! {
    tenants (id) {
        id -> Uuid,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Nullable<Text>,
        email_normalized -> Nullable<Text>,
        username -> Nullable<Text>,
        username_normalized -> Nullable<Text>,
        name -> Nullable<Text>,
        phone_number -> Nullable<Text>,
        profile_picture_url -> Nullable<Text>,
        metadata -> Jsonb,
        email_verified -> Bool,
        password_hash -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    memberships (user_id, tenant_id) {
        user_id -> Uuid,
        tenant_id -> Uuid,
        roles -> Array<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        tenant_id -> Uuid,
        created_at -> Timestamptz,
        absolute_expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (hash) {
        hash -> Bytea,
        session_id -> Uuid,
        parent_hash -> Nullable<Bytea>,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        consumed_at -> Nullable<Timestamptz>,
        sealed_successor -> Nullable<Bytea>,
    }
}

diesel::table! {
    login_throttle (identifier_key) {
        identifier_key -> Text,
        failures -> Int4,
        locked_until -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        algorithm -> Text,
        private_key -> Bytea,
        is_encrypted -> Bool,
        public_jwk -> Text,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
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
