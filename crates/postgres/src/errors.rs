//! Translation of driver and pool errors into the port's `StoreError`.
//!
//! Messages name the kind of failure only: database messages can quote the values of a
//! row (an email address, say), so none of their text is passed on.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::PoolError;
use latchkey_application::ports::StoreError;

/// The unique index that makes a normalized email address belong to one user.
pub(crate) const EMAIL_INDEX: &str = "users_email_normalized_key";
/// The unique index that makes a normalized username belong to one user.
pub(crate) const USERNAME_INDEX: &str = "users_username_normalized_key";

/// A `StoreError` raised inside a diesel transaction, whose closure must accept driver
/// errors too; `?` converts either, and the transaction rolls back on both.
#[derive(Debug)]
pub(crate) struct PgError(pub(crate) StoreError);

impl From<DieselError> for PgError {
    fn from(error: DieselError) -> Self {
        Self(from_diesel(error))
    }
}

impl From<StoreError> for PgError {
    fn from(error: StoreError) -> Self {
        Self(error)
    }
}

impl From<PgError> for StoreError {
    fn from(error: PgError) -> Self {
        error.0
    }
}

pub(crate) fn from_diesel(error: DieselError) -> StoreError {
    match error {
        DieselError::DatabaseError(kind, info) => from_database(kind, info.constraint_name()),
        DieselError::NotFound => unexpected("row not found"),
        DieselError::DeserializationError(_) => unexpected("could not read a stored value"),
        DieselError::SerializationError(_) => unexpected("could not encode a value"),
        DieselError::BrokenTransactionManager => unavailable("connection left in a broken state"),
        _ => unexpected("database client error"),
    }
}

fn from_database(kind: DatabaseErrorKind, constraint: Option<&str>) -> StoreError {
    match (kind, constraint) {
        (DatabaseErrorKind::UniqueViolation, Some(EMAIL_INDEX)) => StoreError::EmailTaken,
        (DatabaseErrorKind::UniqueViolation, Some(USERNAME_INDEX)) => StoreError::UsernameTaken,
        (DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => {
            unavailable("database connection lost")
        }
        (kind, Some(constraint)) => {
            StoreError::Unexpected(format!("database error {kind:?} on {constraint}"))
        }
        (kind, None) => StoreError::Unexpected(format!("database error {kind:?}")),
    }
}

pub(crate) fn from_pool(error: bb8::RunError<PoolError>) -> StoreError {
    match error {
        bb8::RunError::TimedOut => unavailable("connection pool timed out"),
        bb8::RunError::User(error) => from_connection(error),
    }
}

pub(crate) fn from_connection(error: PoolError) -> StoreError {
    match error {
        PoolError::ConnectionError(_) => unavailable("could not connect to the database"),
        PoolError::QueryError(_) => unavailable("database connection check failed"),
    }
}

pub(crate) fn unexpected(description: &str) -> StoreError {
    StoreError::Unexpected(description.to_owned())
}

fn unavailable(description: &str) -> StoreError {
    StoreError::Unavailable(description.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_are_told_apart_by_index_name() {
        let kind = DatabaseErrorKind::UniqueViolation;
        assert!(matches!(
            from_database(kind, Some(EMAIL_INDEX)),
            StoreError::EmailTaken
        ));
        assert!(matches!(
            from_database(kind, Some(USERNAME_INDEX)),
            StoreError::UsernameTaken
        ));
        assert!(matches!(
            from_database(kind, Some("tenants_pkey")),
            StoreError::Unexpected(_)
        ));
    }

    #[test]
    fn a_lost_connection_is_unavailable() {
        let lost = from_database(DatabaseErrorKind::ClosedConnection, None);
        assert!(matches!(lost, StoreError::Unavailable(_)));
        assert!(matches!(
            from_pool(bb8::RunError::TimedOut),
            StoreError::Unavailable(_)
        ));
    }
}
