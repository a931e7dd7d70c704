//! The one place a Helpdesk process is started: the web server and every background duty
//! (worker, scheduler, sync, mailbox, search follower) begin here, and all of them stop through one
//! cancellation token, finishing the work under way before `launch` returns.

use std::time::Duration;

use anyhow::Context;
use helpdesk_app::App;
use helpdesk_app::sync::SyncRunner;
use helpdesk_app::timers::Scheduler;
use helpdesk_app::worker::Worker;
use helpdesk_mail::imap::ImapPoller;
use helpdesk_search::SearchIndex;
use helpdesk_web::WebConfig;
use helpdesk_web::tls::{TlsFiles, TlsListener};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::node::NodeName;

/// A node's background duties, built and not yet started.
pub struct Background {
    pub(crate) worker: Option<(Worker, Duration)>,
    pub(crate) sync: Option<SyncRunner>,
    pub(crate) scheduler: Option<Scheduler>,
    pub(crate) imap: Option<ImapPoller>,
    pub(crate) follow: Option<(SearchIndex, Duration)>,
    pub(crate) node: NodeName,
}

impl Background {
    /// This node's name in the claims of jobs, links and leases.
    pub fn node(&self) -> &str {
        self.node.as_str()
    }

    /// Starts each duty on `tasks`, each stopping when `stop` is cancelled; returns the node's
    /// name, to be held until they have all ended.
    fn start(self, tasks: &TaskTracker, stop: &CancellationToken) -> NodeName {
        if let Some((worker, poll)) = self.worker {
            tasks.spawn(worker.run(poll, stop.clone()));
        }
        if let Some(sync) = self.sync {
            tasks.spawn(sync.run(stop.clone()));
        }
        if let Some(scheduler) = self.scheduler {
            tasks.spawn(scheduler.run(stop.clone()));
        }
        if let Some(imap) = self.imap {
            tasks.spawn(imap.run(stop.clone()));
        }
        if let Some((index, every)) = self.follow {
            // A change is searchable on every node within the follower's interval of its commit.
            tasks.spawn(index.follow(every, stop.clone()));
        }
        self.node
    }

    /// Runs the duties until `shutdown` is cancelled, then waits for the work under way.
    pub async fn run(self, shutdown: CancellationToken) {
        let tasks = TaskTracker::new();
        let node = self.start(&tasks, &shutdown);
        tasks.close();
        tasks.wait().await;
        drop(node);
    }
}

/// One node, ready to serve: the application, its search index, the web server's configuration
/// and the background duties.
pub struct Launch {
    /// The application (also the handle tests and commands use).
    pub app: App,
    /// This node's search index.
    pub search: SearchIndex,
    /// The web server's configuration.
    pub web: WebConfig,
    /// Serve HTTPS with these files.
    pub tls: Option<TlsFiles>,
    /// The duties started beside the web server.
    pub background: Background,
}

impl Launch {
    /// The scheme it serves: `https` with TLS files, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }
}

/// Serves `launch` on `listener` and runs its duties until `shutdown` is cancelled (or the
/// server fails, which stops the duties too); then lets the requests and jobs under way finish
/// and returns.
pub async fn launch(launch: Launch, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let Launch { app, web, tls, background, search: _ } = launch;
    // A certificate that cannot be read fails the start before any duty has begun.
    let tls = match &tls {
        Some(files) => Some(helpdesk_web::tls::server_config(files)?),
        None => None,
    };
    let tasks = TaskTracker::new();
    let node = background.start(&tasks, &shutdown);
    let stopped = shutdown.clone().cancelled_owned();
    let served = match tls {
        Some(config) => match TlsListener::new(listener, config) {
            Ok(listener) => helpdesk_web::serve_tls(listener, app, web, stopped).await.map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        },
        None => helpdesk_web::serve_with(listener, app, web, stopped).await.map_err(anyhow::Error::from),
    };
    shutdown.cancel();
    tasks.close();
    tasks.wait().await;
    drop(node);
    served.context("the server stopped with an error")
}
