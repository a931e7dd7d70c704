//! `/api/v1/auth`: registration, verification, sign-in and -out, password reset; and
//! `/api/v1/me/password`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpdesk_app::auth::SESSION_TTL;
use helpdesk_domain::account::{LinkedCertificate, Profile};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, WriteRefusals, created};
use crate::AppState;
use crate::extract::{ApiJson, Caller, ClientAddress, ClientCertificate};
use crate::problem::Problem;
use crate::session::{SameSite, session_cookie, session_cookie_header};

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// The e-mail address; a link to confirm it is sent there.
    #[schema(format = Email)]
    pub email: String,
    /// The name shown to others.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// At least 10 characters.
    #[schema(min_length = 10, format = Password)]
    pub password: String,
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The account's e-mail address.
    pub email: String,
    /// Its password.
    #[schema(format = Password)]
    pub password: String,
}

/// A link's token, from an e-mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkToken {
    /// The `token` parameter of the link.
    pub token: String,
}

/// An address to send a link to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailOnly {
    /// The e-mail address.
    pub email: String,
}

/// A new password from a reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// The `token` parameter of the e-mailed link.
    pub token: String,
    /// The new password, at least 10 characters.
    #[schema(min_length = 10, format = Password)]
    pub password: String,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password now (leave empty for an account that has none, e.g. one made by OpenID Connect).
    #[serde(default)]
    #[schema(format = Password)]
    pub current_password: String,
    /// The new password, at least 10 characters.
    #[schema(min_length = 10, format = Password)]
    pub new_password: String,
}

/// An answer that says what happens next.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// What happens next.
    pub detail: String,
}

fn accepted(detail: &str) -> (StatusCode, Json<Accepted>) {
    (StatusCode::ACCEPTED, Json(Accepted { detail: detail.to_owned() }))
}

/// Registers an account. A link to confirm the address is mailed; until it is opened the account
/// cannot sign in. The answer is the same whether or not the address has an account already.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = Register,
    responses((status = 202, description = "A confirmation link is on its way", body = Accepted), WriteRefusals))]
pub async fn register(
    State(state): State<AppState>,
    _: SameSite,
    ApiJson(body): ApiJson<Register>,
) -> Result<impl IntoResponse, Problem> {
    state.app.register(&body.email, &body.name, &body.password).await?;
    Ok(accepted("check your mail: we sent a link to confirm your address"))
}

/// Confirms an address with the token of the e-mailed link.
#[utoipa::path(post, path = "/api/v1/auth/verify", tag = "auth", request_body = LinkToken,
    responses((status = 204, description = "The address is confirmed; the account may sign in"), WriteRefusals))]
pub async fn verify(State(state): State<AppState>, ApiJson(body): ApiJson<LinkToken>) -> Result<StatusCode, Problem> {
    state.app.verify_email(&body.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a new confirmation link to an unconfirmed account. The answer does not tell whether
/// there is one.
#[utoipa::path(post, path = "/api/v1/auth/verify/resend", tag = "auth", request_body = EmailOnly,
    responses((status = 202, description = "A link is on its way if the address has an unconfirmed account", body = Accepted), WriteRefusals))]
pub async fn resend(
    State(state): State<AppState>,
    _: SameSite,
    ApiJson(body): ApiJson<EmailOnly>,
) -> Result<impl IntoResponse, Problem> {
    state.app.resend_verification(&body.email).await?;
    Ok(accepted("if this address has an unconfirmed account, a new link is on its way"))
}

/// Signs in; the session travels in an HttpOnly cookie. Too many failures for an account or
/// from an address are refused for a while (429).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, description = "Signed in; the session cookie is set", body = Profile), WriteRefusals,
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json")))]
pub async fn login(
    State(state): State<AppState>,
    _: SameSite,
    ClientAddress(from): ClientAddress,
    ApiJson(body): ApiJson<Login>,
) -> Result<Response, Problem> {
    let session = state.app.login(&body.email, &body.password, from).await?;
    let cookie = session_cookie_header(&state, &session.token, SESSION_TTL.whole_seconds());
    Ok(([(header::SET_COOKIE, cookie)], Json(session.profile)).into_response())
}

/// Signs out: the session ends and the cookie is cleared.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), WriteRefusals))]
pub async fn logout(State(state): State<AppState>, _: SameSite, headers: HeaderMap) -> Result<Response, Problem> {
    if let Some(token) = session_cookie(&headers) {
        state.app.logout(&token).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie_header(&state, "", 0))]).into_response())
}

/// Sends a link to choose a new password. The answer does not tell whether the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = EmailOnly,
    responses((status = 202, description = "A link is on its way if the address has an account", body = Accepted), WriteRefusals))]
pub async fn request_reset(
    State(state): State<AppState>,
    _: SameSite,
    ApiJson(body): ApiJson<EmailOnly>,
) -> Result<impl IntoResponse, Problem> {
    state.app.request_password_reset(&body.email).await?;
    Ok(accepted("if this address has an account, a link to choose a new password is on its way"))
}

/// Sets a new password with the token of the e-mailed link; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetPassword,
    responses((status = 204, description = "The password is changed"), WriteRefusals))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetPassword>,
) -> Result<StatusCode, Problem> {
    state.app.reset_password(&body.token, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the caller's password; their other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", request_body = ChangePassword, security(("bearer" = [])),
    responses((status = 204, description = "The password is changed"), WriteRefusals))]
pub async fn change_password(
    Caller { state, actor }: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ChangePassword>,
) -> Result<StatusCode, Problem> {
    let this_session = session_cookie(&headers);
    state.app.change_password(&actor, &body.current_password, &body.new_password, this_session.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The providers one may sign in with (OpenID Connect).
#[utoipa::path(get, path = "/api/v1/auth/providers", tag = "auth",
    responses((status = 200, description = "The providers, with where a browser starts signing in", body = Vec<crate::oidc::ProviderLink>)))]
pub async fn providers(State(state): State<AppState>) -> Json<Vec<crate::oidc::ProviderLink>> {
    Json(state.oidc.links())
}

/// The caller's linked client certificates.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The certificates", body = Vec<LinkedCertificate>), super::ReadRefusals))]
pub async fn my_certificates(Caller { state, actor }: Caller) -> ApiResult<Vec<LinkedCertificate>> {
    Ok(Json(state.app.my_certificates(&actor).await?))
}

/// Links the client certificate presented on this connection to the caller's account: from
/// then on it signs them in. The caller signs in some other way for this.
#[utoipa::path(post, path = "/api/v1/me/certificates", tag = "accounts", security(("bearer" = [])),
    responses((status = 201, description = "The link", body = LinkedCertificate), WriteRefusals))]
pub async fn link_certificate(
    Caller { state, actor }: Caller,
    ClientCertificate(certificate): ClientCertificate,
) -> Result<impl IntoResponse, Problem> {
    let certificate = certificate.ok_or_else(|| {
        Problem::from(helpdesk_app::AppError::invalid(
            "certificate",
            "no client certificate was presented on this connection; connect with the one to link",
        ))
    })?;
    let linked = state.app.link_certificate(&actor, &certificate.subject_dn, &certificate.issuer_dn).await?;
    Ok(created(format!("/api/v1/me/certificates/{}", linked.id), linked))
}

/// Unlinks one of the caller's certificates.
#[utoipa::path(delete, path = "/api/v1/me/certificates/{id}", tag = "accounts", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 204, description = "Unlinked"), WriteRefusals))]
pub async fn unlink_certificate(
    Caller { state, actor }: Caller,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
) -> Result<StatusCode, Problem> {
    state.app.unlink_certificate(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
