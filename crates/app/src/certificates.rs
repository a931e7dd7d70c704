//! X.509 client certificates: a verified certificate's subject signs the person in to the
//! account it is linked to; people link and unlink their certificates themselves.

use helpdesk_domain::account::LinkedCertificate;
use helpdesk_domain::policy::Actor;

use crate::{App, AppError, AppResult};

impl App {
    /// The actor a verified certificate subject (canonical DN) stands for, if it is linked.
    pub async fn authenticate_certificate(&self, subject_dn: &str) -> AppResult<Actor> {
        let account = self.store.account_by_certificate(subject_dn).await?.ok_or_else(|| {
            AppError::Unauthenticated(format!(
                "the certificate {subject_dn} is not linked to an account: sign in another way and link it from your profile"
            ))
        })?;
        if account.disabled {
            return Err(AppError::Unauthenticated("this account is disabled".into()));
        }
        self.actor_for(&account).await
    }

    /// The caller's linked certificates.
    pub async fn my_certificates(&self, actor: &Actor) -> AppResult<Vec<LinkedCertificate>> {
        let me = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
        Ok(self.store.certificates(me).await?)
    }

    /// Links the certificate the caller presents (already verified by TLS) to their account.
    pub async fn link_certificate(
        &self,
        actor: &Actor,
        subject_dn: &str,
        issuer_dn: &str,
    ) -> AppResult<LinkedCertificate> {
        let me = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
        let (subject, issuer, now) = (subject_dn.to_owned(), issuer_dn.to_owned(), self.now());
        let id = self
            .write(move |mut tx| async move {
                let id = tx.insert_certificate(me, &subject, &issuer, now).await?;
                tx.commit().await?;
                Ok(id)
            })
            .await
            .map_err(|e| match e {
                AppError::Conflict { .. } => AppError::Conflict {
                    detail: "this certificate is linked to an account already".into(),
                    allowed: None,
                },
                other => other,
            })?;
        Ok(LinkedCertificate {
            id,
            subject_dn: subject_dn.to_owned(),
            issuer_dn: issuer_dn.to_owned(),
            created_at: now,
        })
    }

    /// Unlinks one of the caller's certificates.
    pub async fn unlink_certificate(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let me = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
        self.write(move |mut tx| async move {
            if !tx.delete_certificate(me, id).await? {
                return Err(AppError::NotFound(format!("you have no linked certificate {id}")));
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}
