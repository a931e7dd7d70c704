//! The inbound mail parser and the pure rules that read its result: whatever bytes arrive,
//! none of them may panic.
#![no_main]

use helpdesk_domain::{attachment, mail};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The quote trimmer runs on any text, not only on what the parser hands it.
    let _ = mail::trim_quoted(&String::from_utf8_lossy(data));

    let Ok(parsed) = helpdesk_mail::inbound::parse(data) else {
        return;
    };
    let _ = mail::handling(&parsed.signals, &parsed.from, &["helpdesk@example.org".to_string()]);
    let _ = mail::ticket_in_subject(&parsed.subject, "Helpdesk");
    let _ = mail::ticket_in_thread(&parsed.thread, "example.org");
    let _ = attachment::check_uploads(parsed.uploads);
});
