//! Distinguished names of X.509 certificates, in one canonical form.
//!
//! Grid tooling writes a DN as `/DC=org/DC=terena/C=DE/O=Example/CN=Jane Doe` (OpenSSL's
//! "compat" form, most general first, as GGUS shows it); web servers pass RFC 2253's
//! `CN=Jane Doe,O=Example,C=DE,DC=terena,DC=org` (most specific first). Helpdesk stores and
//! compares the first form, and reads both.

/// The canonical (slash) form of a DN given in either form, or `None` when it is not one.
pub fn canonical_dn(dn: &str) -> Option<String> {
    let dn = dn.trim();
    let parts: Vec<String> = if let Some(rest) = dn.strip_prefix('/') {
        rest.split('/').map(str::to_owned).collect()
    } else {
        let mut parts = split_rfc2253(dn)?;
        parts.reverse();
        parts
    };
    let mut out = String::new();
    for part in parts {
        let (attribute, value) = part.split_once('=')?;
        let (attribute, value) = (attribute.trim(), value.trim());
        if attribute.is_empty() || value.is_empty() || !attribute.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        {
            return None;
        }
        out.push('/');
        out.push_str(&attribute.to_ascii_uppercase());
        out.push('=');
        out.push_str(value);
    }
    (!out.is_empty()).then_some(out)
}

/// The RDNs of an RFC 2253 DN, with `\,`-style escapes resolved.
fn split_rfc2253(dn: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = dn.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.push(chars.next()?),
            ',' | ';' => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    Some(parts.into_iter().map(|p| p.trim().to_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JANE: &str = "/DC=org/DC=terena/DC=tcs/C=DE/O=Example/CN=Jane Doe";

    #[test]
    fn both_forms_give_one_canonical_form() {
        let table = [
            (JANE, Some(JANE)),
            ("CN=Jane Doe,O=Example,C=DE,DC=tcs,DC=terena,DC=org", Some(JANE)),
            ("CN=Jane Doe, O=Example, C=DE, DC=tcs, DC=terena, DC=org", Some(JANE)),
            ("cn=Jane Doe,o=Example,c=DE,dc=tcs,dc=terena,dc=org", Some(JANE)),
            ("CN=Doe\\, Jane,O=Example", Some("/O=Example/CN=Doe, Jane")),
            ("  /O=Grid/CN=host.example.org  ", Some("/O=Grid/CN=host.example.org")),
            ("", None),
            ("just text", None),
            ("/O=Grid/CN", None),
            ("CN=,O=Example", None),
        ];
        for (input, expected) in table {
            assert_eq!(canonical_dn(input).as_deref(), expected, "{input}");
        }
    }
}
