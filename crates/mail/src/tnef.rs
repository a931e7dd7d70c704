//! The files inside a TNEF attachment (`winmail.dat`, `application/ms-tnef`), which Outlook and
//! Exchange send in place of the files themselves when they think the reader is Outlook too.
//!
//! Written here rather than taken from crates.io: the `tnef` crate (0.1.1, 2019, unchanged
//! since) refuses a whole file for any attribute it does not list, reads only the short 8.3
//! title and not the long file name in the MAPI properties, and brings chrono and codepage;
//! `ytnef` binds a C library. What is needed is small: the attribute stream of [MS-OXTNEF] and,
//! in each attachment's MAPI properties, its long file name and MIME type.
//!
//! [MS-OXTNEF]: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxtnef/

use helpdesk_domain::attachment::NewUpload;

/// A TNEF stream starts with this (little-endian).
const SIGNATURE: u32 = 0x223E_9F78;

/// Attribute levels.
const LEVEL_MESSAGE: u8 = 0x01;
const LEVEL_ATTACHMENT: u8 = 0x02;

/// Attributes (type in the high half, id in the low half).
const ATT_ATTACH_REND_DATA: u32 = 0x0006_9002;
const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
const ATT_ATTACH_DATA: u32 = 0x0006_800F;
const ATT_ATTACHMENT: u32 = 0x0006_9005;

/// MAPI properties of an attachment.
const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;
const PR_ATTACH_MIME_TAG: u16 = 0x370E;

/// MAPI property types.
const PT_STRING8: u16 = 0x001E;
const PT_UNICODE: u16 = 0x001F;
const PT_BINARY: u16 = 0x0102;
const PT_OBJECT: u16 = 0x000D;
const MV_FLAG: u16 = 0x1000;

/// The most files one TNEF stream may give (more is not a mail program's doing).
const MAX_FILES: usize = 100;

/// Whether an attachment is a TNEF stream, by its type or its name.
pub fn is_tnef(content_type: &str, filename: &str) -> bool {
    let content_type = content_type.to_ascii_lowercase();
    content_type == "application/ms-tnef"
        || content_type == "application/vnd.ms-tnef"
        || filename.eq_ignore_ascii_case("winmail.dat")
}

/// The files inside a TNEF stream, in order; `None` when it cannot be read (its checksums, its
/// lengths or its signature are wrong): the stream is then kept as it came.
pub fn files(data: &[u8]) -> Option<Vec<NewUpload>> {
    let mut reader = Reader { rest: data };
    if reader.u32()? != SIGNATURE {
        return None;
    }
    reader.take(2)?; // the legacy key
    let mut files: Vec<Attachment> = Vec::new();
    while !reader.rest.is_empty() {
        let level = reader.take(1)?[0];
        let id = reader.u32()?;
        let length = usize::try_from(reader.u32()?).ok()?;
        let value = reader.take(length)?;
        let checksum = u16::from_le_bytes(reader.take(2)?.try_into().ok()?);
        if value.iter().fold(0u16, |sum, b| sum.wrapping_add(u16::from(*b))) != checksum {
            return None;
        }
        match (level, id) {
            (LEVEL_MESSAGE, _) => {}
            (LEVEL_ATTACHMENT, ATT_ATTACH_REND_DATA) => {
                if files.len() == MAX_FILES {
                    return None;
                }
                files.push(Attachment::default());
            }
            (LEVEL_ATTACHMENT, _) => {
                let file = files.last_mut()?;
                match id {
                    ATT_ATTACH_TITLE => file.title = Some(string8(value)),
                    ATT_ATTACH_DATA => file.data = Some(value.to_vec()),
                    ATT_ATTACHMENT => file.properties(value),
                    _ => {}
                }
            }
            _ => return None,
        }
    }
    let uploads = files.into_iter().enumerate().filter_map(|(i, file)| file.upload(i + 1)).collect();
    Some(uploads)
}

#[derive(Default)]
struct Attachment {
    title: Option<String>,
    long_name: Option<String>,
    mime: Option<String>,
    data: Option<Vec<u8>>,
}

impl Attachment {
    /// Reads the long file name and the MIME type from the attachment's MAPI properties; what
    /// cannot be read is left out (the title names the file then).
    fn properties(&mut self, value: &[u8]) {
        let mut reader = Reader { rest: value };
        let _ = (|| -> Option<()> {
            let count = reader.u32()?;
            for _ in 0..count {
                let kind = reader.u16()?;
                let id = reader.u16()?;
                if id >= 0x8000 {
                    // A named property: its GUID and name, then its value.
                    reader.take(16)?;
                    match reader.u32()? {
                        0 => {
                            reader.take(4)?;
                        }
                        _ => {
                            let length = usize::try_from(reader.u32()?).ok()?;
                            reader.take(padded(length))?;
                        }
                    }
                }
                let values = reader.values(kind)?;
                let text = || values.first().map(|v| if kind == PT_UNICODE { utf16(v) } else { string8(v) });
                match id {
                    PR_ATTACH_LONG_FILENAME if matches!(kind, PT_STRING8 | PT_UNICODE) => self.long_name = text(),
                    PR_ATTACH_MIME_TAG if matches!(kind, PT_STRING8 | PT_UNICODE) => self.mime = text(),
                    _ => {}
                }
            }
            Some(())
        })();
    }

    fn upload(self, n: usize) -> Option<NewUpload> {
        let bytes = self.data?;
        let name =
            [self.long_name, self.title].into_iter().flatten().map(|n| n.trim().to_owned()).find(|n| !n.is_empty());
        let filename = name.unwrap_or_else(|| format!("attachment-{n}.bin"));
        let content_type = self
            .mime
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| m.contains('/') && !m.contains(char::is_whitespace))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        Some(NewUpload { filename, content_type, bytes })
    }
}

/// Reads little-endian values off the front of a slice; `None` past its end.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    /// The values of a MAPI property of type `kind`: variable-length ones (strings, binary,
    /// objects) each with its length and padding; fixed-size ones as they are.
    fn values(&mut self, kind: u16) -> Option<Vec<&'a [u8]>> {
        let base = kind & !MV_FLAG;
        let variable = matches!(base, PT_STRING8 | PT_UNICODE | PT_BINARY | PT_OBJECT);
        let count = if variable || kind & MV_FLAG != 0 { self.u32()? } else { 1 };
        let mut values = Vec::new();
        for _ in 0..count {
            if variable {
                let length = usize::try_from(self.u32()?).ok()?;
                let value = self.take(padded(length))?;
                values.push(&value[..length]);
            } else {
                let size = match base {
                    0x0002 | 0x0003 | 0x0004 | 0x000A | 0x000B | 0x0000 | 0x0001 => 4,
                    0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => 8,
                    0x0048 => 16,
                    _ => return None,
                };
                values.push(self.take(size)?);
            }
        }
        Some(values)
    }
}

/// `n` rounded up to a multiple of 4, as MAPI values are padded.
fn padded(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// An 8-bit string without its terminating zero: UTF-8 when it is, else read as Windows-1252's
/// Latin-1 part.
fn string8(bytes: &[u8]) -> String {
    let bytes = bytes.split(|b| *b == 0).next().unwrap_or_default();
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    }
}

/// A UTF-16LE string without its terminating zero.
fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> =
        bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|u| *u != 0).collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TNEF attribute as Outlook writes it.
    fn attribute(level: u8, id: u32, value: &[u8]) -> Vec<u8> {
        let mut out = vec![level];
        out.extend(id.to_le_bytes());
        out.extend(u32::try_from(value.len()).expect("a small value").to_le_bytes());
        out.extend(value);
        out.extend(value.iter().fold(0u16, |s, b| s.wrapping_add(u16::from(*b))).to_le_bytes());
        out
    }

    /// A MAPI string property of `kind`.
    fn property(kind: u16, id: u16, value: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend(id.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out.extend(u32::try_from(value.len()).expect("a small value").to_le_bytes());
        out.extend(value);
        out.resize(out.len() + padded(value.len()) - value.len(), 0);
        out
    }

    fn unicode(text: &str) -> Vec<u8> {
        text.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
    }

    /// A file in a test stream: title, long name, MIME type, bytes.
    type File<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

    /// A stream with a message attribute and the given files.
    fn stream(files: &[File<'_>]) -> Vec<u8> {
        let mut out = SIGNATURE.to_le_bytes().to_vec();
        out.extend([0x01, 0x00]);
        out.extend(attribute(LEVEL_MESSAGE, 0x0006_9006, &[0, 0, 1, 0]));
        for (title, long, mime, bytes) in files {
            out.extend(attribute(
                LEVEL_ATTACHMENT,
                ATT_ATTACH_REND_DATA,
                &[1, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0],
            ));
            out.extend(attribute(LEVEL_ATTACHMENT, ATT_ATTACH_TITLE, format!("{title}\0").as_bytes()));
            out.extend(attribute(LEVEL_ATTACHMENT, ATT_ATTACH_DATA, bytes));
            let mut properties: Vec<Vec<u8>> = vec![
                // A fixed-size property and a named one before the names: both are stepped over.
                [0x0003u16.to_le_bytes(), 0x0E21u16.to_le_bytes()]
                    .concat()
                    .into_iter()
                    .chain(7u32.to_le_bytes())
                    .collect(),
                [0x0003u16.to_le_bytes(), 0x8001u16.to_le_bytes()]
                    .concat()
                    .into_iter()
                    .chain([0u8; 16])
                    .chain(0u32.to_le_bytes())
                    .chain(0x8501u32.to_le_bytes())
                    .chain(1u32.to_le_bytes())
                    .collect(),
            ];
            if let Some(long) = long {
                properties.push(property(PT_UNICODE, PR_ATTACH_LONG_FILENAME, &unicode(long)));
            }
            if let Some(mime) = mime {
                properties.push(property(PT_STRING8, PR_ATTACH_MIME_TAG, format!("{mime}\0").as_bytes()));
            }
            let mut value = u32::try_from(properties.len()).expect("few").to_le_bytes().to_vec();
            value.extend(properties.concat());
            out.extend(attribute(LEVEL_ATTACHMENT, ATT_ATTACHMENT, &value));
        }
        out
    }

    #[test]
    fn the_files_inside_come_out_with_their_long_names() {
        let data = stream(&[
            ("QUARTE~1.PDF", Some("Quarterly report – März.pdf"), Some("application/pdf"), b"%PDF-1.4 report"),
            ("NOTES.TXT", None, None, b"plain notes"),
        ]);
        let files = files(&data).expect("a readable stream");
        let got: Vec<(&str, &str, &[u8])> =
            files.iter().map(|f| (f.filename.as_str(), f.content_type.as_str(), f.bytes.as_slice())).collect();
        assert_eq!(
            got,
            vec![
                ("Quarterly report – März.pdf", "application/pdf", &b"%PDF-1.4 report"[..]),
                ("NOTES.TXT", "application/octet-stream", &b"plain notes"[..]),
            ]
        );
        assert_eq!(super::files(&stream(&[])).map(|f| f.len()), Some(0), "a message without files");
    }

    #[test]
    fn a_stream_that_cannot_be_read_gives_nothing() {
        let good = stream(&[("A.TXT", None, None, b"abc")]);
        let mut bad_checksum = good.clone();
        let at = bad_checksum.len() - 3;
        bad_checksum[at] ^= 0xFF;
        let mut bad_level = good.clone();
        bad_level[6] = 0x07;
        let table: [(&str, &[u8]); 5] = [
            ("empty", b""),
            ("not TNEF", b"PK\x03\x04 a zip file"),
            ("cut short", &good[..good.len() - 5]),
            ("a wrong checksum", &bad_checksum),
            ("an unknown level", &bad_level),
        ];
        for (what, data) in table {
            assert!(files(data).is_none(), "{what}");
        }
        // A file's data without the attribute that starts a file.
        let mut orphan = SIGNATURE.to_le_bytes().to_vec();
        orphan.extend([0, 0]);
        orphan.extend(attribute(LEVEL_ATTACHMENT, ATT_ATTACH_DATA, b"x"));
        assert!(files(&orphan).is_none());
    }

    #[test]
    fn tnef_is_known_by_type_or_name() {
        let table = [
            ("application/ms-tnef", "x.bin", true),
            ("Application/VND.MS-TNEF", "", true),
            ("application/octet-stream", "WINMAIL.DAT", true),
            ("application/octet-stream", "winmail.dat.txt", false),
            ("application/pdf", "report.pdf", false),
        ];
        for (content_type, name, expected) in table {
            assert_eq!(is_tnef(content_type, name), expected, "{content_type} {name}");
        }
    }
}
