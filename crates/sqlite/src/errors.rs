//! Translation of SQLite, driver and pool errors into the port's `StoreError`.
//!
//! Messages name the kind of failure only: SQLite's own text may quote a statement, so none
//! of it is passed on. It is read in two places, both fixed strings of SQLite's: which
//! column a unique index guards, and whether the write lock could not be had in time.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::PoolError;
use latchkey_application::ports::StoreError;

/// How SQLite names the unique index on the normalized email when it is violated.
const EMAIL_COLUMN: &str = "users.email_normalized";
/// How SQLite names the unique index on the normalized username when it is violated.
const USERNAME_COLUMN: &str = "users.username_normalized";
/// SQLite's message for `SQLITE_BUSY`: another connection held the lock past the timeout.
const BUSY: &str = "database is locked";

/// A `StoreError` raised inside a unit of work, whose closure must accept driver errors
/// too; `?` converts either, and a transaction rolls back on both.
#[derive(Debug)]
pub(crate) struct SqliteError(pub(crate) StoreError);

impl From<DieselError> for SqliteError {
    fn from(error: DieselError) -> Self {
        Self(from_diesel(error))
    }
}

impl From<StoreError> for SqliteError {
    fn from(error: StoreError) -> Self {
        Self(error)
    }
}

impl From<SqliteError> for StoreError {
    fn from(error: SqliteError) -> Self {
        error.0
    }
}

pub(crate) fn from_diesel(error: DieselError) -> StoreError {
    match error {
        DieselError::DatabaseError(kind, info) => from_database(kind, info.message()),
        DieselError::NotFound => unexpected("row not found"),
        DieselError::DeserializationError(_) => unexpected("could not read a stored value"),
        DieselError::SerializationError(_) => unexpected("could not encode a value"),
        DieselError::BrokenTransactionManager => unavailable("connection left in a broken state"),
        _ => unexpected("database client error"),
    }
}

fn from_database(kind: DatabaseErrorKind, message: &str) -> StoreError {
    if matches!(kind, DatabaseErrorKind::UniqueViolation) {
        return match message.strip_prefix("UNIQUE constraint failed: ") {
            Some(EMAIL_COLUMN) => StoreError::EmailTaken,
            Some(USERNAME_COLUMN) => StoreError::UsernameTaken,
            _ => unexpected("unique constraint violated"),
        };
    }
    match kind {
        // What the connection wrapper reports when its blocking task could not run.
        DatabaseErrorKind::UnableToSendCommand => unavailable("database worker unavailable"),
        _ if message == BUSY => unavailable("database busy past the busy timeout"),
        kind => StoreError::Unexpected(format!("database error {kind:?}")),
    }
}

pub(crate) fn from_pool(error: bb8::RunError<PoolError>) -> StoreError {
    match error {
        bb8::RunError::TimedOut => unavailable("no database connection free in time"),
        bb8::RunError::User(PoolError::ConnectionError(_)) => {
            unavailable("could not open the database")
        }
        bb8::RunError::User(PoolError::QueryError(_)) => {
            unavailable("database connection check failed")
        }
    }
}

pub(crate) fn unexpected(description: &str) -> StoreError {
    StoreError::Unexpected(description.to_owned())
}

pub(crate) fn unavailable(description: &str) -> StoreError {
    StoreError::Unavailable(description.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_are_told_apart_by_column() {
        let kind = DatabaseErrorKind::UniqueViolation;
        let cases = [
            ("UNIQUE constraint failed: users.email_normalized", "email"),
            (
                "UNIQUE constraint failed: users.username_normalized",
                "username",
            ),
            ("UNIQUE constraint failed: tenants.id", "other"),
            (
                "UNIQUE constraint failed: index 'signing_keys_one_active_key'",
                "other",
            ),
        ];
        for (message, expected) in cases {
            let got = match from_database(kind, message) {
                StoreError::EmailTaken => "email",
                StoreError::UsernameTaken => "username",
                StoreError::Unexpected(_) => "other",
                StoreError::Unavailable(_) => "unavailable",
            };
            assert_eq!(got, expected, "{message}");
        }
    }

    #[test]
    fn a_busy_database_is_unavailable_and_messages_stay_generic() {
        let busy = from_database(DatabaseErrorKind::Unknown, BUSY);
        assert!(matches!(busy, StoreError::Unavailable(_)), "{busy:?}");
        let other = from_database(DatabaseErrorKind::Unknown, "near \"SELEC\": syntax error");
        assert!(
            matches!(&other, StoreError::Unexpected(text) if !text.contains("SELEC")),
            "{other:?}"
        );
        assert!(matches!(
            from_pool(bb8::RunError::TimedOut),
            StoreError::Unavailable(_)
        ));
    }
}
