//! Helpdesk's connectors: the clients of the ticketing systems that external-mode units work
//! in, behind the app's one [`ExternalSystem`](helpdesk_app::sync::ExternalSystem) trait.

#![warn(missing_docs)]

mod http;
mod rt;
mod webhook;
mod zammad;

use std::sync::Arc;
use std::time::Duration;

use helpdesk_app::sync::SystemError;
use helpdesk_app::sync::{Connect, ExternalSystem};
use helpdesk_domain::connector::{ConnectorKind, ConnectorSettings, Credentials};

/// Makes the client of each kind of connector.
#[derive(Debug, Clone)]
pub struct Connectors {
    timeout: Duration,
}

impl Default for Connectors {
    fn default() -> Self {
        Connectors { timeout: Duration::from_secs(20) }
    }
}

impl Connectors {
    /// Connectors whose requests give up after `timeout`.
    pub fn with_timeout(timeout: Duration) -> Connectors {
        Connectors { timeout }
    }

    /// How long a request may take before it is given up.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl Connect for Connectors {
    fn connect(
        &self,
        settings: &ConnectorSettings,
        credentials: Credentials,
    ) -> Result<Arc<dyn ExternalSystem>, SystemError> {
        // RT is the one kept signed in by a session; it wants its own address as the Referer.
        let session_at = (settings.kind == ConnectorKind::Rt).then(|| rt::referer(&settings.url));
        let client = http::client(self.timeout, session_at.as_deref())?;
        Ok(match settings.kind {
            ConnectorKind::Rt => Arc::new(rt::Rt::new(client, settings, credentials)?),
            ConnectorKind::Helpdesk | ConnectorKind::Webhook => {
                Arc::new(webhook::Webhook::new(client, settings, credentials)?)
            }
            ConnectorKind::Zammad => Arc::new(zammad::Zammad::new(client, settings, credentials)?),
        })
    }
}
