//! A forward-only tokenizer for the markup of an XML document, as bytes: tags with their
//! attributes, and the spans of comments, CDATA, processing instructions and DOCTYPEs. It
//! never fails (what it cannot read as markup is text) and never recurses.

use std::ops::Range;

pub(super) fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

pub(super) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':') || b >= 0x80
}

pub(super) fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= haystack.len() || needle.is_empty() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TagKind {
    Start,
    End,
    Empty,
}

#[derive(Debug, Clone)]
pub(super) struct Attr {
    /// The whole `name="value"` with the whitespace before it.
    pub(super) whole: Range<usize>,
    pub(super) name: Range<usize>,
    /// Inside the quotes.
    pub(super) value: Range<usize>,
}

#[derive(Debug, Clone)]
pub(super) struct Tag {
    /// `<` to `>`, both included.
    pub(super) span: Range<usize>,
    pub(super) name: Range<usize>,
    pub(super) kind: TagKind,
    pub(super) attrs: Vec<Attr>,
}

impl Tag {
    pub(super) fn attr(&self, bytes: &[u8], name: &[u8]) -> Option<&Attr> {
        self.attrs.iter().find(|a| &bytes[a.name.clone()] == name)
    }
}

pub(super) enum Item {
    Tag(Tag),
    /// A comment, CDATA section, processing instruction or DOCTYPE: nothing inside is
    /// markup or an entity to repair. Runs to the end of the input when unterminated.
    Opaque(Range<usize>),
    /// A `<` that starts no markup (text like "a < b", or a tag cut off by the end).
    StrayLt(usize),
}

/// A forward-only tokenizer for the markup of an XML document, as bytes. It never fails:
/// what it cannot read as a tag is text.
pub(super) struct Scanner<'a> {
    bytes: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(super) fn next_item(&mut self) -> Option<Item> {
        let bytes = self.bytes;
        let lt = self.pos + bytes.get(self.pos..)?.iter().position(|&b| b == b'<')?;
        let rest = &bytes[lt..];
        let opaque_end = if rest.starts_with(b"<!--") {
            Some(find(bytes, b"-->", lt + 4).map_or(bytes.len(), |e| e + 3))
        } else if rest.starts_with(b"<![CDATA[") {
            Some(find(bytes, b"]]>", lt + 9).map_or(bytes.len(), |e| e + 3))
        } else if rest.starts_with(b"<?") {
            Some(find(bytes, b"?>", lt + 2).map_or(bytes.len(), |e| e + 2))
        } else if rest.starts_with(b"<!") {
            Some(self.doctype_end(lt))
        } else {
            None
        };
        if let Some(end) = opaque_end {
            self.pos = end;
            return Some(Item::Opaque(lt..end));
        }
        if let Some(tag) = self.tag_at(lt) {
            self.pos = tag.span.end;
            return Some(Item::Tag(tag));
        }
        self.pos = lt + 1;
        Some(Item::StrayLt(lt))
    }

    /// The end of a `<!DOCTYPE ...>`, internal subset (`[...]`) included.
    fn doctype_end(&self, from: usize) -> usize {
        let bytes = self.bytes;
        let mut i = from + 2;
        let mut in_subset = false;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None => match b {
                    b'"' | b'\'' => quote = Some(b),
                    b'[' => in_subset = true,
                    b']' => in_subset = false,
                    b'>' if !in_subset => return i + 1,
                    _ => {}
                },
            }
            i += 1;
        }
        bytes.len()
    }

    fn tag_at(&self, lt: usize) -> Option<Tag> {
        let bytes = self.bytes;
        let closing = bytes.get(lt + 1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        let first = *bytes.get(name_start)?;
        if !(first.is_ascii_alphabetic() || first == b'_' || first == b':' || first >= 0x80) {
            return None;
        }
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| is_name_byte(**b))
            .count();
        let name = name_start..name_start + name_len;
        let mut i = name.end;
        let mut attrs = Vec::new();
        loop {
            let attr_start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            match bytes.get(i)? {
                b'>' => {
                    let kind = if closing {
                        TagKind::End
                    } else {
                        TagKind::Start
                    };
                    return Some(Tag {
                        span: lt..i + 1,
                        name,
                        kind,
                        attrs,
                    });
                }
                b'/' if bytes.get(i + 1) == Some(&b'>') => {
                    return Some(Tag {
                        span: lt..i + 2,
                        name,
                        kind: TagKind::Empty,
                        attrs,
                    });
                }
                b'<' => return None,
                _ => {}
            }
            let key_start = i;
            while bytes
                .get(i)
                .is_some_and(|b| !b.is_ascii_whitespace() && !b"=>/<".contains(b))
            {
                i += 1;
            }
            let key = key_start..i;
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            if key.is_empty() {
                // A lone `/` or `=`: skip it.
                i += 1;
                continue;
            }
            if bytes.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            let value = match bytes.get(i)? {
                &q @ (b'"' | b'\'') => {
                    let end = i + 1 + bytes[i + 1..].iter().position(|&b| b == q)?;
                    let value = i + 1..end;
                    i = end + 1;
                    value
                }
                _ => {
                    let start = i;
                    while bytes
                        .get(i)
                        .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>')
                    {
                        i += 1;
                    }
                    start..i
                }
            };
            attrs.push(Attr {
                whole: attr_start..i,
                name: key,
                value,
            });
        }
    }

    /// Moves past the end tag named `name` that closes the element just read and returns
    /// it, when only text comes before it (as in base64 content); otherwise stays put. Never
    /// looks past the next tag, so many unclosed elements cannot make the walk quadratic.
    pub(super) fn skip_to_end(&mut self, name: &[u8]) -> Option<Tag> {
        let saved = self.pos;
        while let Some(item) = self.next_item() {
            match item {
                Item::Tag(tag)
                    if tag.kind == TagKind::End && self.bytes[tag.name.clone()] == *name =>
                {
                    return Some(tag);
                }
                Item::Tag(_) => break,
                Item::Opaque(_) | Item::StrayLt(_) => {}
            }
        }
        self.pos = saved;
        None
    }
}
