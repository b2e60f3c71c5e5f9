//! Repairs for feeds that feed-rs refuses but forgiving readers (Python feedparser, gofeed,
//! feedjira, Rome) read. [`super::parse`] asks for them only when the strict parse failed, or
//! for Atom 0.3, which feed-rs does not know, so a feed that parses as it is never changes.
//!
//! XML is edited as bytes, never decoded: the scanner looks only at ASCII markup (`<`, `>`,
//! quotes, names, `&`), which every ASCII-compatible encoding (UTF-8, Latin-1, Windows-125x,
//! Shift_JIS, EUC, GBK, Big5) leaves as is, and anything it inserts is ASCII (non-ASCII text
//! goes in as character references), so the document's declared encoding stays right. It
//! walks the document once, without recursion, so neither size nor depth can hurt it.

mod json;
mod person;
mod scanner;

use std::ops::Range;

use base64::Engine as _;

pub(crate) use json::repair_json;
pub(crate) use person::space_emails_from_wide_neighbours;
use scanner::{find, is_name_byte, local_name, Item, Scanner, Tag, TagKind};

const ATOM_03_NS: &[u8] = b"http://purl.org/atom/ns#";
const ATOM_10_NS: &[u8] = b"http://www.w3.org/2005/Atom";

/// Whether the document is Atom 0.3 (its namespace appears near the top).
pub(crate) fn is_atom_03(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    find(head, ATOM_03_NS, 0).is_some()
}

/// Whether the XML declaration would trip feed-rs 3's XML reader, which panics when a
/// declaration naming an encoding ends beyond the first 64 bytes it decodes: a declaration
/// anywhere but at the very start (after whitespace, a comment, or a second one in a
/// concatenated document), or a long one (`standalone="yes"`, extra spaces).
pub(crate) fn xml_declaration_trips_feed_rs(bytes: &[u8]) -> bool {
    let start = bom_len(bytes);
    declarations(bytes, start).any(|at| {
        at != start
            || find(bytes, b"?>", at).is_none_or(|end| end + 2 > start + COMPACT_DECLARATION_MAX)
    })
}

/// Where each XML declaration (`<?xml` and a space) begins, from `from` on.
fn declarations(bytes: &[u8], mut from: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::from_fn(move || loop {
        let at = find(bytes, b"<?xml", from)?;
        from = at + 5;
        if bytes.get(at + 5).is_some_and(u8::is_ascii_whitespace) {
            return Some(at);
        }
    })
}

/// The document with every XML declaration after its start turned into text (`<` written
/// `&lt;`), or `None` when it has none: a declaration the scanner read as text (inside an
/// attribute value, a broken comment) still reaches feed-rs's XML reader as markup and makes
/// it panic; as text it is harmless wherever it is.
fn escape_late_declarations(bytes: &[u8]) -> Option<Vec<u8>> {
    let start = bom_len(bytes);
    let late: Vec<usize> = declarations(bytes, start)
        .filter(|&at| at != start)
        .collect();
    if late.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + 3 * late.len());
    let mut last = 0;
    for at in late {
        out.extend_from_slice(&bytes[last..at]);
        out.extend_from_slice(b"&lt;");
        last = at + 1;
    }
    out.extend_from_slice(&bytes[last..]);
    Some(out)
}

/// How many open elements an end tag may close at once (the ones above its own).
const MAX_AUTO_CLOSE: usize = 64;

/// The longest declaration the repair writes (BOM excluded), safely inside feed-rs's
/// 64-byte window.
const COMPACT_DECLARATION_MAX: usize = 58;

/// `<?xml version="1.0" encoding="..."?>` with nothing else, the encoding named by the
/// original declaration (or UTF-8 when the document was transcoded).
fn compact_declaration(declaration: &[u8], transcoded: bool) -> Vec<u8> {
    let encoding: Option<Vec<u8>> = if transcoded {
        Some(b"utf-8".to_vec())
    } else {
        declared_encoding(declaration)
            .map(|r| declaration[r].to_vec())
            .filter(|e| {
                !e.is_empty()
                    && e.len() <= 20
                    && e.iter()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(b))
            })
    };
    let mut out = b"<?xml version=\"1.0\"".to_vec();
    if let Some(encoding) = encoding {
        out.extend_from_slice(b" encoding=\"");
        out.extend_from_slice(&encoding);
        out.push(b'"');
    }
    out.extend_from_slice(b"?>");
    out
}

/// Whether the document is in UTF-16 or UTF-32, which feed-rs's XML reader cannot read
/// (and on which it can panic).
pub(crate) fn is_wide_encoding(bytes: &[u8]) -> bool {
    matches!(
        &bytes[..bytes.len().min(4)],
        [0xFE, 0xFF, ..]
            | [0xFF, 0xFE, ..]
            | [0, 0, 0, b'<']
            | [b'<', 0, 0, 0]
            | [0, b'<', ..]
            | [b'<', 0, ..]
    )
}

/// Whether the document has anything that looks like an entry (`<item`, `<entry`).
pub(crate) fn mentions_entries(bytes: &[u8]) -> bool {
    find(bytes, b"<item", 0).is_some()
        || find(bytes, b"<entry", 0).is_some()
        || find(bytes, b":item", 0).is_some()
}

/// The repaired document, or `None` when there was nothing this module knows how to fix.
pub(crate) fn repair_xml(bytes: &[u8]) -> Option<Vec<u8>> {
    // Documents in UTF-16/32, or that are not the UTF-8 they claim (or default to), are
    // first turned into UTF-8: the scanner works on ASCII-compatible bytes, and feed-rs
    // stops at the first invalid byte.
    let transcoded = to_utf8(bytes);
    let bytes = transcoded.as_deref().unwrap_or(bytes);
    let mut edits = Edits {
        forced: transcoded.is_some(),
        ..Edits::default()
    };
    let mut scanner = Scanner::new(bytes);

    // Whitespace before the XML declaration (common after a template's blank first line)
    // makes the declaration illegal; strict parsers stop there.
    let start = bom_len(bytes);
    let first_markup = bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|p| p + start);
    if let Some(first) = first_markup.filter(|&f| f > start) {
        edits.push(start..first, Vec::new());
    }

    let mut root: Option<(RootKind, Tag)> = None;
    let mut saw_channel = false;
    // The RSS 1.0 item being read: its rdf:about value and whether it has a <link>.
    let mut rdf_item: Option<(Range<usize>, bool)> = None;
    let atom_03 = is_atom_03(bytes);
    let declared_entities = declared_entities(bytes);
    // The elements open at this point, with the name each has after the repairs; a
    // mismatched end tag closes what is open above its element, a stray one is dropped,
    // and whatever is still open at the end is closed there (what forgiving parsers do).
    let mut open: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    let mut text_from = 0;
    while let Some(item) = scanner.next_item() {
        let tag = match item {
            Item::Tag(tag) => tag,
            Item::Opaque(span) => {
                repair_entities(bytes, text_from..span.start, &declared_entities, &mut edits);
                text_from = span.end;
                let opaque = &bytes[span.clone()];
                let is_declaration = opaque.starts_with(b"<?xml")
                    && opaque.get(5).is_some_and(u8::is_ascii_whitespace);
                if is_declaration && Some(span.start) != first_markup {
                    edits.push(span, Vec::new());
                } else if is_declaration {
                    let compact = compact_declaration(opaque, transcoded.is_some());
                    if compact != opaque {
                        edits.push(span, compact);
                    }
                } else if opaque.starts_with(b"<![CDATA[") && !opaque.ends_with(b"]]>") {
                    edits.push(span.end..span.end, b"]]>".to_vec());
                } else if opaque.starts_with(b"<!--") && !opaque.ends_with(b"-->") {
                    edits.push(span.end..span.end, b"-->".to_vec());
                } else if span.end == bytes.len() && !opaque.ends_with(b">") {
                    // Markup cut off by the end of the document.
                    edits.push(span, Vec::new());
                }
                continue;
            }
            Item::StrayLt(at) => {
                // Text, not markup: what a lenient reader shows.
                edits.push(at..at + 1, b"&lt;".to_vec());
                continue;
            }
        };
        repair_entities(
            bytes,
            text_from..tag.span.start,
            &declared_entities,
            &mut edits,
        );
        for attr in &tag.attrs {
            repair_entities(bytes, attr.value.clone(), &declared_entities, &mut edits);
        }
        text_from = tag.span.end;
        let name = &bytes[tag.name.clone()];

        if tag.kind == TagKind::End {
            // Only the innermost few open elements are searched, so a document of many
            // unclosed elements and stray end tags stays linear.
            let search_from = open.len().saturating_sub(MAX_AUTO_CLOSE);
            let matching = open[search_from..]
                .iter()
                .rposition(|(n, _)| bytes[n.clone()] == *name)
                .map(|i| i + search_from);
            match matching {
                Some(index) => {
                    let mut closers = Vec::new();
                    for (_, out_name) in open.drain(index + 1..).rev() {
                        closers.extend_from_slice(b"</");
                        closers.extend_from_slice(&out_name);
                        closers.push(b'>');
                    }
                    if !closers.is_empty() {
                        edits.push(tag.span.start..tag.span.start, closers);
                    }
                    if index == 0 {
                        // The root closes: an <rss> without <channel> gets one around
                        // its content.
                        if let Some((RootKind::Rss, root_tag)) = &root {
                            if !saw_channel {
                                wrap_channel(root_tag, tag.span.start, &mut edits);
                                saw_channel = true;
                            }
                        }
                    }
                    if index == 1 && local_name(name) == b"item" {
                        if let Some((about, false)) = rdf_item.take() {
                            // RSS 1.0 names an item by rdf:about; feed-rs drops items
                            // without a <link>, so the about URI becomes one.
                            let mut link = b"<link>".to_vec();
                            link.extend_from_slice(&bytes[about]);
                            link.extend_from_slice(b"</link>");
                            edits.push(tag.span.start..tag.span.start, link);
                        }
                    }
                    if let Some((_, out_name)) = open.pop().filter(|(_, out)| out != name) {
                        edits.push(tag.name.clone(), out_name);
                    }
                }
                None => edits.push(tag.span.clone(), Vec::new()),
            }
            continue;
        }

        if root.is_none() {
            let kind = match local_name(name) {
                b"rss" => RootKind::Rss,
                b"RDF" => RootKind::Rdf,
                b"feed" | b"entry" => RootKind::Atom,
                _ => RootKind::Other,
            };
            if kind == RootKind::Rss {
                repair_rss_version(bytes, &tag, &mut edits);
            }
            if matches!(kind, RootKind::Rss | RootKind::Rdf) {
                repair_rss_namespace(bytes, &tag, &mut edits);
            }
            root = Some((
                kind,
                Tag {
                    attrs: Vec::new(),
                    ..tag.clone()
                },
            ));
        }
        let root_kind = root.as_ref().map(|(k, _)| *k);
        if root_kind == Some(RootKind::Rss) && open.len() == 1 && local_name(name) == b"channel" {
            saw_channel = true;
        }
        if root_kind == Some(RootKind::Rdf) && tag.kind == TagKind::Start {
            match (open.len(), local_name(name)) {
                (1, b"item") => {
                    rdf_item = tag
                        .attrs
                        .iter()
                        .find(|a| local_name(&bytes[a.name.clone()]) == b"about")
                        .map(|a| (a.value.clone(), false));
                }
                (2, b"link") => {
                    if let Some((_, saw_link)) = rdf_item.as_mut() {
                        *saw_link = true;
                    }
                }
                _ => {}
            }
        }
        if root_kind == Some(RootKind::Rss) && local_name(name) == b"item" {
            close_channel_header(bytes, &tag, &mut open, &mut edits);
        }
        let mut out_name = name.to_vec();
        let mut consumed = false;
        if root_kind == Some(RootKind::Atom) {
            let outcome =
                repair_atom_tag(bytes, &tag, atom_03, open.len(), &mut scanner, &mut edits);
            if let Some(renamed) = outcome.renamed {
                out_name = renamed;
            }
            consumed = outcome.consumed_element;
            // Past the element's content when a base64 repair replaced it.
            text_from = scanner.pos;
        }
        if tag.kind == TagKind::Start && !consumed {
            open.push((tag.name.clone(), out_name));
        }
    }
    repair_entities(
        bytes,
        text_from..bytes.len(),
        &declared_entities,
        &mut edits,
    );

    let mut closers = Vec::new();
    if let Some((RootKind::Rss, root_tag)) = &root {
        if !saw_channel && root_tag.kind == TagKind::Start {
            // The root is still open: wrap_channel's closing tag goes before the root's,
            // which the loop below appends.
            edits.push(root_tag.span.end..root_tag.span.end, b"<channel>".to_vec());
            let inner = open.drain(1..).rev().collect::<Vec<_>>();
            for (_, out_name) in inner {
                closers.extend_from_slice(b"</");
                closers.extend_from_slice(&out_name);
                closers.push(b'>');
            }
            closers.extend_from_slice(b"</channel>");
        }
    }
    for (_, out_name) in open.into_iter().rev() {
        closers.extend_from_slice(b"</");
        closers.extend_from_slice(&out_name);
        closers.push(b'>');
    }
    if !closers.is_empty() {
        edits.push(bytes.len()..bytes.len(), closers);
    }
    let repaired = edits.apply(bytes);
    escape_late_declarations(repaired.as_deref().unwrap_or(bytes)).or(repaired)
}

/// An `<item>` that starts while a channel-header element is still open (an unclosed
/// `<itunes:category>`, say) belongs to the channel, as lenient readers see it: what is open
/// above the channel is closed first. Items inside another item (SSE conflict copies) stay
/// where they are.
fn close_channel_header(
    bytes: &[u8],
    item: &Tag,
    open: &mut Vec<(Range<usize>, Vec<u8>)>,
    edits: &mut Edits,
) {
    let search_from = open.len().saturating_sub(MAX_AUTO_CLOSE);
    let Some(channel) = open[search_from..]
        .iter()
        .rposition(|(n, _)| local_name(&bytes[n.clone()]) == b"channel")
        .map(|i| i + search_from)
    else {
        return;
    };
    let above = &open[channel + 1..];
    if above.is_empty()
        || above
            .iter()
            .any(|(n, _)| local_name(&bytes[n.clone()]) == b"item")
    {
        return;
    }
    let mut closers = Vec::new();
    for (_, out_name) in open.drain(channel + 1..).rev() {
        closers.extend_from_slice(b"</");
        closers.extend_from_slice(&out_name);
        closers.push(b'>');
    }
    edits.push(item.span.start..item.span.start, closers);
}

/// An `<rss>` whose content is not in a `<channel>` (or that is empty) is an empty or
/// channel-less feed to forgiving readers; feed-rs needs the channel.
fn wrap_channel(root_tag: &Tag, root_end: usize, edits: &mut Edits) {
    edits.push(root_tag.span.end..root_tag.span.end, b"<channel>".to_vec());
    edits.push(root_end..root_end, b"</channel>".to_vec());
}

/// The value of `encoding="..."` inside an XML declaration, as a range within it.
fn declared_encoding(declaration: &[u8]) -> Option<Range<usize>> {
    let at = find(declaration, b"encoding", 0)? + 8;
    let rest = &declaration[at..];
    let eq = rest.iter().position(|&b| b == b'=')?;
    let after_eq = at + eq + 1;
    let quote_at = after_eq
        + declaration[after_eq..]
            .iter()
            .position(|b| !b.is_ascii_whitespace())?;
    let quote = declaration[quote_at];
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let end = quote_at
        + 1
        + declaration[quote_at + 1..]
            .iter()
            .position(|&b| b == quote)?;
    Some(quote_at + 1..end)
}

/// The document as UTF-8 when it is not usable as it is: UTF-16 or UTF-32 (by BOM or by
/// the way `<?` is laid out), or bytes that are not valid UTF-8 in a document that declares
/// no other encoding. Mostly-UTF-8 text with a few bad bytes keeps its UTF-8 (bad bytes
/// become U+FFFD); otherwise it is read as Windows-1252, as browsers and feedparser do.
fn to_utf8(bytes: &[u8]) -> Option<Vec<u8>> {
    let head: &[u8] = &bytes[..bytes.len().min(4)];
    let utf32 = |big_endian: bool, body: &[u8]| -> Vec<u8> {
        body.chunks_exact(4)
            .map(|c| {
                let n = if big_endian {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(n).unwrap_or('\u{FFFD}')
            })
            .collect::<String>()
            .into_bytes()
    };
    match head {
        [0, 0, 0xFE, 0xFF] => return Some(utf32(true, &bytes[4..])),
        [0xFF, 0xFE, 0, 0] => return Some(utf32(false, &bytes[4..])),
        [0, 0, 0, b'<'] => return Some(utf32(true, bytes)),
        [b'<', 0, 0, 0] => return Some(utf32(false, bytes)),
        [0xFE, 0xFF, ..] | [0, b'<', 0, _] => {
            let (text, _) = encoding_rs::UTF_16BE.decode_with_bom_removal(bytes);
            return Some(text.into_owned().into_bytes());
        }
        [0xFF, 0xFE, ..] | [b'<', 0, _, 0] => {
            let (text, _) = encoding_rs::UTF_16LE.decode_with_bom_removal(bytes);
            return Some(text.into_owned().into_bytes());
        }
        _ => {}
    }
    let invalid = std::str::from_utf8(bytes).is_err();
    let declared_other = {
        let head = &bytes[..bytes.len().min(512)];
        find(head, b"<?xml", 0)
            .and_then(|at| {
                let end = find(head, b"?>", at)?;
                declared_encoding(&head[at..end])
                    .map(|r| head[at + r.start..at + r.end].to_ascii_lowercase())
            })
            .is_some_and(|e| e != b"utf-8" && e != b"utf8")
    };
    if !invalid || declared_other {
        return None;
    }
    let text = String::from_utf8_lossy(bytes);
    let replaced = text.chars().filter(|&c| c == '\u{FFFD}').count();
    let multibyte = text
        .chars()
        .filter(|&c| c as u32 >= 0x80 && c != '\u{FFFD}')
        .count();
    if multibyte > replaced {
        Some(text.into_owned().into_bytes())
    } else {
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
        Some(text.into_owned().into_bytes())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RootKind {
    Rss,
    Rdf,
    Atom,
    Other,
}

/// feed-rs knows RSS elements only in RSS 1.0's namespace (or in none). RSS 0.90's Netscape
/// namespace, UserLand's RSS 2 namespace and others on the root become that one.
fn repair_rss_namespace(bytes: &[u8], tag: &Tag, edits: &mut Edits) {
    const RSS_10_NS: &[u8] = b"http://purl.org/rss/1.0/";
    // The default namespace, and the one of the root's own prefix (`<r:rss xmlns:r=...>`:
    // the whole document is then written with that prefix); not RDF's.
    let name = &bytes[tag.name.clone()];
    let prefix = name
        .iter()
        .position(|&b| b == b':')
        .map(|colon| &name[..colon])
        .filter(|p| *p != b"rdf");
    for attr in &tag.attrs {
        let key = &bytes[attr.name.clone()];
        let rewrite = key == b"xmlns"
            || prefix.is_some_and(|p| key.strip_prefix(b"xmlns:".as_slice()) == Some(p));
        if rewrite && bytes[attr.value.clone()] != *RSS_10_NS {
            edits.push(attr.value.clone(), RSS_10_NS.to_vec());
        }
    }
}

/// feed-rs reads `<rss>` only with version 2.0, 0.91, 0.92 or an empty one; feeds in the
/// wild also say nothing, 0.90, 0.93, 0.94, 2.01, 3.0... All are read as RSS 2.0, which is
/// a superset of the others.
fn repair_rss_version(bytes: &[u8], tag: &Tag, edits: &mut Edits) {
    let known: &[&[u8]] = &[b"2.0", b"", b"0.91", b"0.92"];
    match tag.attr(bytes, b"version") {
        Some(attr) if known.contains(&&bytes[attr.value.clone()]) => {}
        Some(attr) => edits.push(attr.value.clone(), b"2.0".to_vec()),
        None => edits.push(tag.name.end..tag.name.end, b" version=\"2.0\"".to_vec()),
    }
}

/// What [`repair_atom_tag`] did to an element beyond edits.
#[derive(Default)]
struct AtomOutcome {
    /// The element's name after the repair, when it changed.
    renamed: Option<Vec<u8>>,
    /// The element's content and end tag were read (and replaced) already.
    consumed_element: bool,
}

/// Atom's text constructs and content: MIME types where feed-rs wants text/html/xhtml,
/// Atom 0.3's `mode`, and 0.3's element names and namespace. `depth` is the number of
/// elements open around this one.
fn repair_atom_tag(
    bytes: &[u8],
    tag: &Tag,
    atom_03: bool,
    depth: usize,
    scanner: &mut Scanner,
    edits: &mut Edits,
) -> AtomOutcome {
    let mut outcome = AtomOutcome::default();
    let name = &bytes[tag.name.clone()];
    let local = local_name(name);
    // Only Atom's own elements (unprefixed or atom:), not dc:modified and the like.
    let is_atom_element = name.len() == local.len() || name.starts_with(b"atom:");
    let renamed: Option<&[u8]> = match local {
        // Some feeds call their entries <item>, as RSS does.
        b"item" if depth == 1 => Some(b"entry"),
        b"issued" if atom_03 => Some(b"published"),
        b"modified" if atom_03 => Some(b"updated"),
        b"tagline" if atom_03 => Some(b"subtitle"),
        b"copyright" if atom_03 => Some(b"rights"),
        _ => None,
    };
    if let Some(new_local) = renamed.filter(|_| is_atom_element) {
        let prefix_len = name.len() - local.len();
        edits.push(
            tag.name.start + prefix_len..tag.name.end,
            new_local.to_vec(),
        );
        let mut full = name[..prefix_len].to_vec();
        full.extend_from_slice(new_local);
        outcome.renamed = Some(full);
    }
    if atom_03 {
        for attr in &tag.attrs {
            let key = &bytes[attr.name.clone()];
            if (key == b"xmlns" || key.starts_with(b"xmlns:"))
                && bytes[attr.value.clone()].eq_ignore_ascii_case(ATOM_03_NS)
            {
                edits.push(attr.value.clone(), ATOM_10_NS.to_vec());
            }
        }
    }
    let is_text_construct = matches!(
        local,
        b"title" | b"subtitle" | b"tagline" | b"summary" | b"rights" | b"copyright" | b"content"
    );
    if !is_text_construct || !is_atom_element {
        return outcome;
    }
    let is_content = local == b"content";
    let type_attr = tag.attr(bytes, b"type");
    let mime: Vec<u8> = type_attr
        .map(|a| bytes[a.value.clone()].trim_ascii().to_ascii_lowercase())
        .unwrap_or_default();
    let essence = mime
        .split(|&b| b == b';')
        .next()
        .unwrap_or(b"")
        .trim_ascii();
    let mode = tag
        .attr(bytes, b"mode")
        .map(|a| bytes[a.value.clone()].trim_ascii().to_ascii_lowercase());

    if mode.as_deref() == Some(b"base64") && tag.kind == TagKind::Start {
        outcome.consumed_element = repair_base64_element(bytes, tag, essence, scanner, edits);
        return outcome;
    }
    if let Some(mode_attr) = tag.attr(bytes, b"mode") {
        edits.push(mode_attr.whole.clone(), Vec::new());
    }
    let inline_xml = mode.as_deref() == Some(b"xml");
    let escaped = mode.as_deref() == Some(b"escaped");
    let has_src = tag.attr(bytes, b"src").is_some();
    let says_html = essence.windows(4).any(|w| w == b"html");

    let replacement: Option<&[u8]> = if escaped {
        Some(if says_html { b"html" } else { b"text" })
    } else if inline_xml
        || essence == b"application/xhtml+xml"
        || (is_content && !has_src && (essence.ends_with(b"+xml") || essence.ends_with(b"/xml")))
    {
        Some(b"xhtml")
    } else if essence == b"text/plain" || essence == b"plain" {
        Some(b"text")
    } else if essence == b"text/html" {
        Some(b"html")
    } else if is_content {
        // Other content types are MIME types feed-rs takes as they are, unless they do
        // not parse as one: then the content is read as text.
        (!essence.is_empty() && !is_mime_type(essence)).then_some(b"text".as_slice())
    } else {
        match essence {
            b"text" | b"html" | b"xhtml" => None,
            // type="" is not a type; read as text.
            b"" if type_attr.is_none() => None,
            _ if says_html => Some(b"html"),
            _ => Some(b"text"),
        }
    };
    if let (Some(new), Some(attr)) = (replacement, type_attr) {
        if bytes[attr.value.clone()] != *new {
            edits.push(attr.value.clone(), new.to_vec());
        }
    } else if let (Some(new), None) = (replacement, type_attr) {
        let mut insert = b" type=\"".to_vec();
        insert.extend_from_slice(new);
        insert.push(b'"');
        edits.push(tag.name.end..tag.name.end, insert);
    }
    outcome
}

/// Atom 0.3's `mode="base64"`: the element's text is the base64 of a document of its type.
/// Decoded text goes back in as escaped text (HTML when the type says so); anything that is
/// not text (an image, say) cannot be shown in an article and the element is dropped.
fn repair_base64_element(
    bytes: &[u8],
    tag: &Tag,
    essence: &[u8],
    scanner: &mut Scanner,
    edits: &mut Edits,
) -> bool {
    let name = &bytes[tag.name.clone()];
    let Some(end_tag) = scanner.skip_to_end(name) else {
        return false;
    };
    let inner = strip_cdata(&bytes[tag.span.end..end_tag.span.start]);
    let decoded = decode_base64(inner).and_then(|b| String::from_utf8(b).ok());
    let Some(text) = decoded else {
        edits.push(tag.span.start..end_tag.span.end, Vec::new());
        return true;
    };
    let kind: &[u8] = if essence.windows(4).any(|w| w == b"html") {
        b"html"
    } else {
        b"text"
    };
    let mut start = Vec::from(&b"<"[..]);
    start.extend_from_slice(name);
    start.extend_from_slice(b" type=\"");
    start.extend_from_slice(kind);
    start.extend_from_slice(b"\">");
    edits.push(tag.span.clone(), start);
    edits.push(tag.span.end..end_tag.span.start, escape_ascii(&text));
    true
}

/// Lenient base64: whitespace anywhere, padding optional.
pub(crate) fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(compact).ok()
}

fn strip_cdata(text: &[u8]) -> &[u8] {
    let trimmed = text.trim_ascii();
    trimmed
        .strip_prefix(b"<![CDATA[")
        .and_then(|t| t.strip_suffix(b"]]>"))
        .unwrap_or(trimmed)
}

/// XML-escapes `text` into pure ASCII: markup characters as entities, everything beyond
/// ASCII as numeric character references, so it is right in any ASCII-based encoding.
fn escape_ascii(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            c if c.is_ascii() && (c >= ' ' || matches!(c, '\n' | '\r' | '\t')) => out.push(c as u8),
            c if c.is_ascii() => {}
            c => out.extend_from_slice(format!("&#{};", c as u32).as_bytes()),
        }
    }
    out
}

/// Names a DOCTYPE's internal subset declares with `<!ENTITY name ...>`: those are real
/// XML entities and stay.
fn declared_entities(bytes: &[u8]) -> Vec<Vec<u8>> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let mut names = Vec::new();
    let mut from = 0;
    while let Some(at) = find(head, b"<!ENTITY", from) {
        let rest = &head[at + 8..];
        let rest = rest.trim_ascii_start();
        let rest = rest.strip_prefix(b"%").unwrap_or(rest).trim_ascii_start();
        let name: Vec<u8> = rest
            .iter()
            .take_while(|b| is_name_byte(**b))
            .copied()
            .collect();
        if !name.is_empty() {
            names.push(name);
        }
        from = at + 8;
    }
    names
}

/// Text and attribute values: a bare `&` becomes `&amp;`, an HTML entity XML does not know
/// (`&nbsp;`, `&eacute;`) becomes its character reference.
fn repair_entities(bytes: &[u8], range: Range<usize>, declared: &[Vec<u8>], edits: &mut Edits) {
    if range.start >= range.end || range.end > bytes.len() {
        return;
    }
    let mut pos = range.start;
    while let Some(offset) = bytes[pos..range.end].iter().position(|&b| b == b'&') {
        let amp = pos + offset;
        pos = amp + 1;
        let rest = &bytes[amp + 1..range.end];
        let name_len = rest
            .iter()
            .take(40)
            .take_while(|b| is_name_byte(**b))
            .count();
        let terminated = rest.get(name_len) == Some(&b';');
        if rest.first() == Some(&b'#') {
            let digits = &rest[1..];
            let (body, radix) = match digits.first() {
                Some(b'x' | b'X') => (&digits[1..], 16),
                _ => (digits, 10),
            };
            let len = body
                .iter()
                .take(10)
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            let valid = len > 0
                && body.get(len) == Some(&b';')
                && std::str::from_utf8(&body[..len])
                    .ok()
                    .and_then(|s| u32::from_str_radix(s, radix).ok())
                    .and_then(char::from_u32)
                    .is_some_and(is_xml_char);
            if !valid {
                edits.push(amp..amp + 1, b"&amp;".to_vec());
            }
            continue;
        }
        let name = &rest[..name_len];
        if terminated && name_len > 0 {
            let predefined: &[&[u8]] = &[b"amp", b"lt", b"gt", b"quot", b"apos"];
            if predefined.contains(&name) || declared.iter().any(|d| d == name) {
                continue;
            }
            let key = format!("{};", String::from_utf8_lossy(name));
            let known = html5ever::data::NAMED_ENTITIES.get(key.as_str());
            // The table also holds every prefix of a name, with (0, 0).
            if let Some(&(first, second)) = known.filter(|(first, _)| *first != 0) {
                let mut reference = format!("&#{first};");
                if second != 0 {
                    reference.push_str(&format!("&#{second};"));
                }
                edits.push(amp..amp + 2 + name_len, reference.into_bytes());
                pos = amp + 2 + name_len;
                continue;
            }
        }
        edits.push(amp..amp + 1, b"&amp;".to_vec());
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `type/subtype` made of token characters, optionally followed by parameters.
fn is_mime_type(essence: &[u8]) -> bool {
    let token = |t: &[u8]| {
        !t.is_empty()
            && t.iter()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(b))
    };
    let mut parts = essence.splitn(2, |&b| b == b'/');
    matches!((parts.next(), parts.next()), (Some(a), Some(b)) if token(a) && token(b))
}

fn bom_len(bytes: &[u8]) -> usize {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

/// Replacements of byte ranges, applied in one pass.
#[derive(Default)]
struct Edits {
    list: Vec<(Range<usize>, Vec<u8>)>,
    /// The input is already a changed document (transcoded): return it even unedited.
    forced: bool,
}

impl Edits {
    fn push(&mut self, range: Range<usize>, replacement: Vec<u8>) {
        self.list.push((range, replacement));
    }

    /// `None` when there is nothing to change. Overlapping edits (which the walk does not
    /// make) keep the first.
    fn apply(mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        if self.list.is_empty() && !self.forced {
            return None;
        }
        // Stable: insertions at one place keep the order they were made in.
        self.list.sort_by_key(|(r, _)| (r.start, r.end));
        let mut out = Vec::with_capacity(bytes.len() + 64);
        let mut at = 0;
        for (range, replacement) in self.list {
            if range.start < at || range.end > bytes.len() {
                continue;
            }
            out.extend_from_slice(&bytes[at..range.start]);
            out.extend_from_slice(&replacement);
            at = range.end;
        }
        out.extend_from_slice(&bytes[at..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(xml: &str) -> String {
        String::from_utf8(repair_xml(xml.as_bytes()).expect("a repair")).unwrap()
    }

    #[test]
    fn declarations_after_the_start_become_text_and_the_first_stays() {
        let escaped = |xml: &str| {
            escape_late_declarations(xml.as_bytes()).map(|b| String::from_utf8(b).unwrap())
        };
        assert_eq!(
            escaped("<?xml version=\"1.0\"?><rss a=\"]]><?xml version=\"1.0\" encoding=\"utf-16\"?>\"/>")
                .as_deref(),
            Some("<?xml version=\"1.0\"?><rss a=\"]]>&lt;?xml version=\"1.0\" encoding=\"utf-16\"?>\"/>")
        );
        assert_eq!(
            escaped("\u{FEFF}<?xml version=\"1.0\"?><rss/>"),
            None,
            "a declaration after a byte order mark is the first"
        );
        assert_eq!(
            escaped("<rss><?xml-stylesheet href=\"a.xsl\"?></rss>"),
            None
        );
    }

    #[test]
    fn rss_without_version_is_read_as_2_0() {
        assert_eq!(
            repaired("<rss><channel/></rss>"),
            "<rss version=\"2.0\"><channel/></rss>"
        );
        assert_eq!(
            repaired("<rss version='0.94'><channel/></rss>"),
            "<rss version='2.0'><channel/></rss>"
        );
    }

    #[test]
    fn bare_ampersands_and_html_entities_become_xml() {
        assert_eq!(
            repaired("<rss version=\"2.0\"><channel><title>A & B&nbsp;&amp; &#233; &#xZZ;</title><!-- & --><![CDATA[ & ]]></channel></rss>"),
            "<rss version=\"2.0\"><channel><title>A &amp; B&#160;&amp; &#233; &amp;#xZZ;</title><!-- & --><![CDATA[ & ]]></channel></rss>"
        );
    }

    #[test]
    fn mismatched_and_missing_end_tags_are_closed_where_a_lenient_reader_closes_them() {
        assert_eq!(
            repaired("<rss version=\"2.0\"><channel><item><title>a<b>bold</title></x></item><item><title>cut"),
            "<rss version=\"2.0\"><channel><item><title>a<b>bold</b></title></item><item><title>cut</title></item></channel></rss>"
        );
        assert_eq!(
            repaired("<rss version=\"2.0\"><channel><item><title><![CD"),
            "<rss version=\"2.0\"><channel><item><title></title></item></channel></rss>"
        );
    }

    #[test]
    fn an_unclosed_channel_header_element_is_closed_before_the_first_item() {
        assert_eq!(
            repaired("<rss version=\"2.0\"><channel><itunes:category text=\"T\"><item><title>t</title></item></channel></rss>"),
            "<rss version=\"2.0\"><channel><itunes:category text=\"T\"></itunes:category><item><title>t</title></item></channel></rss>"
        );
    }

    #[test]
    fn channel_less_rss_gets_a_channel_and_rdf_items_get_their_about_as_link() {
        assert_eq!(
            repaired("<rss version=\"2.0\"><item><title>t</title></item></rss>"),
            "<rss version=\"2.0\"><channel><item><title>t</title></item></channel></rss>"
        );
        assert_eq!(
            repaired("<rdf:RDF xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><item rdf:about=\"http://x.example/1\"><title>t</title></item></rdf:RDF>"),
            "<rdf:RDF xmlns=\"http://purl.org/rss/1.0/\"><item rdf:about=\"http://x.example/1\"><title>t</title><link>http://x.example/1</link></item></rdf:RDF>"
        );
    }

    #[test]
    fn an_rss_document_written_with_a_prefix_gets_rss_namespace_for_it() {
        assert_eq!(
            repaired("<r:rss version=\"2.0\" xmlns:r=\"http://backend.userland.com/rss2\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><r:channel/></r:rss>"),
            "<r:rss version=\"2.0\" xmlns:r=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><r:channel/></r:rss>"
        );
    }

    #[test]
    fn utf16_and_mislabelled_latin1_become_utf8() {
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><channel><title>caf\u{e9}</title></channel></rss>".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(
            String::from_utf8(repair_xml(&utf16).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>caf\u{e9}</title></channel></rss>"
        );
        let latin1 = b"<rss version=\"2.0\"><channel><title>caf\xe9</title></channel></rss>";
        assert_eq!(
            String::from_utf8(repair_xml(latin1).unwrap()).unwrap(),
            "<rss version=\"2.0\"><channel><title>caf\u{e9}</title></channel></rss>"
        );
    }

    #[test]
    fn atom_mime_types_become_atom_types_and_base64_is_decoded() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("<p>caf\u{e9}</p>");
        let xml = format!(
            "<feed xmlns='http://purl.org/atom/ns#'><entry><modified>x</modified>\
             <title type='text/plain'>t</title>\
             <content type='text/html' mode='base64'>{b64}</content></entry></feed>"
        );
        assert_eq!(
            repaired(&xml),
            "<feed xmlns='http://www.w3.org/2005/Atom'><entry><updated>x</updated>\
             <title type='text'>t</title>\
             <content type=\"html\">&lt;p&gt;caf&#233;&lt;/p&gt;</content></entry></feed>"
        );
    }

    #[test]
    fn scanner_survives_truncated_markup() {
        for doc in [
            "<",
            "<rss",
            "<rss version=\"",
            "<!--",
            "<![CDATA[",
            "<!DOCTYPE [",
            "&",
            "<a b=c",
        ] {
            let _ = repair_xml(doc.as_bytes());
        }
    }
}
