//! Helpdesk's integration tests, in one binary: the store conformance suite, the HTTP API
//! through a real server on a loopback port, the pages in a real browser, the CLI, and the job worker.

mod api_access;
mod api_accounts;
mod api_attachments;
mod api_auth;
mod api_calendars;
mod api_catalog;
mod api_certificates;
mod api_oidc;
mod api_refusals;
mod api_tickets;
mod browser;
mod children;
mod cli;
mod clocks;
mod common;
mod conformance;
mod duplicates;
mod editing;
mod followers;
mod http_server;
mod mail;
mod openapi;
mod pages;
mod relations;
mod restart;
mod search;
mod sync;
mod teams;
mod timers;
mod worker;
mod zammad;
