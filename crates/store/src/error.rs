//! The store's one error type.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row that must be unique already exists.
    #[error("{0} already exists")]
    Duplicate(String),
    /// A row refers to another that does not exist.
    #[error("{0} does not exist")]
    MissingReference(String),
    /// A stored value cannot be read back (the schema and the code disagree).
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The database refused or failed. (The cause is in the message, not chained as a source,
    /// so that reports that print the chain do not say it twice.)
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// A write transaction's group could not be committed, so nothing of it was kept.
    #[error("the change was not saved: {0}")]
    Commit(String),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// The data directory could not be prepared.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Results of the store.
pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let Some(db) = e.as_database_error() {
            if db.is_unique_violation() {
                return StoreError::Duplicate(db.constraint().unwrap_or("a row with these values").to_owned());
            }
            if db.is_foreign_key_violation() {
                return StoreError::MissingReference(db.constraint().unwrap_or("a referenced row").to_owned());
            }
        }
        StoreError::Database(e)
    }
}
