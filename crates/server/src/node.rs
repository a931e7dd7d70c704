//! This process's name in the claims of jobs, sync links and poll leases: one that survives a
//! restart, so that a node started again after a crash takes back at once what it held, instead
//! of leaving it to wait for the leases to run out (five minutes for a job, two for a link).
//!
//! The name is kept in the data directory as a numbered file, locked while a process holds it:
//! a second process on the same directory (`serve --no-worker` beside `helpdesk worker`) takes
//! the next number, so two live processes never share a name, and a restarted one finds its
//! number free again.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use anyhow::Context;

/// How many processes may share a data directory.
const MAX_SLOTS: u32 = 64;

/// A node's name, held (its file locked) for as long as the value lives.
pub struct NodeName {
    name: String,
    _held: File,
}

impl NodeName {
    /// Takes the first free name of `data` (made on first use).
    pub fn claim(data: &Path) -> anyhow::Result<NodeName> {
        let dir = data.join("node");
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let host = hostname();
        for slot in 1..=MAX_SLOTS {
            let path = dir.join(format!("{slot}.id"));
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
            let mut id = String::new();
            file.read_to_string(&mut id).with_context(|| format!("cannot read {}", path.display()))?;
            let mut id = id.trim().to_owned();
            if id.is_empty() {
                let mut bytes = [0u8; 6];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
                id = hex::encode(bytes);
                file.rewind()
                    .and_then(|()| file.write_all(id.as_bytes()))
                    .and_then(|()| file.sync_all())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            return Ok(NodeName { name: format!("{host}-{id}"), _held: file });
        }
        anyhow::bail!("more than {MAX_SLOTS} processes use {} at once", data.display())
    }

    /// The name, as it stands in the claims.
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

/// The machine's name, for people reading the claims; the kept id makes the name unique.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.')).collect::<String>())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_kept_across_restarts_and_never_shared_by_two_live_processes() {
        let dir = tempfile::tempdir().expect("a directory");
        let first = NodeName::claim(dir.path()).expect("a name");
        let second = NodeName::claim(dir.path()).expect("another name");
        assert_ne!(first.as_str(), second.as_str(), "two live processes, two names");
        let (first_name, second_name) = (first.as_str().to_owned(), second.as_str().to_owned());
        drop(first);
        let again = NodeName::claim(dir.path()).expect("a name");
        assert_eq!(again.as_str(), first_name, "started again, it is the first name again");
        drop((again, second));
        assert_eq!(NodeName::claim(dir.path()).expect("a name").as_str(), first_name);
        assert!(second_name.starts_with(&hostname()));
    }
}
