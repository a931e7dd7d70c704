//! The app layer's one error type; `web` and `cli` map it once at their edge.

use helpdesk_domain::policy::Denied;
use helpdesk_domain::status::Status;
use helpdesk_domain::validation::FieldError;
use helpdesk_domain::workflow::RuleError;
use helpdesk_store::StoreError;

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No credentials, or credentials that are not valid.
    #[error("{0}")]
    Unauthenticated(String),
    /// The policy refuses.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or the actor may not know that it does.
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with the current state.
    #[error("{detail}")]
    Conflict {
        /// What clashes.
        detail: String,
        /// For a status change: the statuses allowed next.
        allowed: Option<Vec<Status>>,
    },
    /// Some values are not acceptable.
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// Too many failed attempts; try again after `retry_after` seconds.
    #[error("too many failed attempts; try again in {} minutes", retry_after.div_ceil(60))]
    TooManyAttempts {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// Something failed that is not the caller's doing.
    #[error("{0}")]
    Internal(String),
}

/// Results of use cases.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(what) => {
                AppError::Conflict { detail: format!("{what} already exists"), allowed: None }
            }
            other => AppError::Store(other),
        }
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        AppError::Forbidden(d.0)
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        AppError::Invalid(errors)
    }
}

impl From<RuleError> for AppError {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::Denied(d) => d.into(),
            RuleError::Conflict { detail, allowed } => AppError::Conflict { detail, allowed: Some(allowed) },
            RuleError::Invalid(errors) => AppError::Invalid(errors),
        }
    }
}
