//! feed-rs 3 reads a person ("Name <email>", in `managingEditor`, `webMaster`, `author`,
//! `dc:creator`, `itunes:author`, a JSON feed's author) by finding the email and cutting the
//! rest one byte before or after it, assuming an ASCII delimiter there
//! (`parse_person_name_email`). A character of several bytes there — « », “ ”, ’, or any
//! non-ASCII letter once decoded — makes it panic, and the whole feed fails. Before feed-rs
//! reads a document, an email with such a neighbour gets an ASCII space between them; nothing
//! else changes, and a document with no such email is not copied.
//!
//! Works on the bytes of any ASCII-compatible encoding (an email is ASCII; a neighbour byte
//! ≥ 0x80 is part of a non-ASCII character in all of them); a neighbouring character
//! reference (`&#171;`, `&#xAB;`) is treated the same way, since the XML reader decodes it.

/// The document with a space between every email and a non-ASCII neighbour, or `None` when
/// no email has one.
pub(crate) fn space_emails_from_wide_neighbours(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut cuts = Vec::new();
    let mut from = 0;
    while let Some(offset) = bytes[from..].iter().position(|&b| b == b'@') {
        let at = from + offset;
        from = at + 1;
        let start = bytes[..at]
            .iter()
            .rposition(|&b| !is_local_byte(b))
            .map_or(0, |p| p + 1);
        let end = bytes[at + 1..]
            .iter()
            .position(|&b| !is_domain_byte(b))
            .map_or(bytes.len(), |p| at + 1 + p);
        let domain = &bytes[at + 1..end];
        if start == at || !domain.contains(&b'.') {
            continue; // not an email feed-rs would find
        }
        // feed-rs's match may start at an optional `mailto:`.
        let start = if bytes[..start].ends_with(b"mailto:") {
            start - b"mailto:".len()
        } else {
            start
        };
        if start > 0 && wide_before(&bytes[..start]) {
            cuts.push(start);
        }
        if end < bytes.len() && wide_after(&bytes[end..]) {
            cuts.push(end);
        }
        from = from.max(end);
    }
    if cuts.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + cuts.len());
    let mut last = 0;
    for cut in cuts {
        out.extend_from_slice(&bytes[last..cut]);
        out.push(b' ');
        last = cut;
    }
    out.extend_from_slice(&bytes[last..]);
    Some(out)
}

/// What feed-rs's email pattern takes before the `@`.
fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-".contains(&b)
}

/// What it takes after the `@`.
fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b".-".contains(&b)
}

/// Whether what comes right before is a non-ASCII byte or the end of a character reference.
fn wide_before(before: &[u8]) -> bool {
    let last = before[before.len() - 1];
    if last >= 0x80 {
        return true;
    }
    // `&#171;` / `&#xAB;`
    last == b';'
        && before[..before.len() - 1]
            .iter()
            .rev()
            .take(8)
            .position(|&b| b == b'&')
            .is_some_and(|p| before.get(before.len() - 2 - p + 1) == Some(&b'#'))
}

/// Whether what comes right after is a non-ASCII byte or a character reference.
fn wide_after(after: &[u8]) -> bool {
    after[0] >= 0x80 || after.starts_with(b"&#")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spaced(text: &str) -> Option<String> {
        space_emails_from_wide_neighbours(text.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn an_email_beside_a_character_of_several_bytes_gets_a_space() {
        assert_eq!(
            spaced("<author>Zoë «zoe@example.com»</author>").as_deref(),
            Some("<author>Zoë « zoe@example.com »</author>")
        );
        assert_eq!(
            spaced("<webMaster>webmaster@example.co’</webMaster>").as_deref(),
            Some("<webMaster>webmaster@example.co ’</webMaster>")
        );
        assert_eq!(
            spaced("<a>“mailto:jane@example.org”</a>").as_deref(),
            Some("<a>“ mailto:jane@example.org ”</a>")
        );
        assert_eq!(
            spaced("<a>&#171;jane@example.org&#xBB;</a>").as_deref(),
            Some("<a>&#171; jane@example.org &#xBB;</a>")
        );
    }

    #[test]
    fn other_documents_are_left_as_they_are() {
        for text in [
            "<author>jane@example.com (Jane Doé)</author>",
            "<author>Zoë <zoe@example.com></author>",
            "<p>@handle, café@ and no.domain@here</p>",
            "<a href=\"mailto:a@b.com?subject=x&amp;cc=c@d.com\">écrire</a>",
            "",
        ] {
            assert_eq!(spaced(text), None, "{text}");
        }
    }
}
