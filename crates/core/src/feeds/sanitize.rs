//! Every piece of feed HTML passes through here before it is stored: an allow-list
//! (ammonia) that drops scripts, styles, frames, event handlers and `javascript:`/`data:`
//! URLs, makes relative URLs absolute, and marks links `rel="noopener noreferrer"`.
//! Also HTML → plain text, for summaries and for what the learner embeds.

use std::cell::RefCell;
use std::collections::HashSet;

use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Elements removed together with everything inside them (their text is never content).
pub(crate) const DROP_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "noscript", "object", "embed", "applet",
    "template", "svg", "math", "form", "select", "textarea", "button",
];

/// Sanitizes `html`. Relative URLs are resolved against `base`; without a base they are
/// dropped (they would otherwise resolve against the app's own origin).
pub fn sanitize_html(html: &str, base: Option<&url::Url>) -> String {
    if nests_deeper_than(html, MAX_NESTING) {
        return flattened(html);
    }
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer"))
        .clean_content_tags(DROP_WITH_CONTENT.iter().copied().collect())
        .strip_comments(true)
        .url_relative(match base {
            Some(base) => ammonia::UrlRelative::RewriteWithBase(base.clone()),
            None => ammonia::UrlRelative::Deny,
        });
    builder.clean(html).to_string()
}

/// Markup nested deeper than this is shown as plain text. html5ever's tree builder looks
/// through the stack of open elements on many start tags, so cleaning costs grow with the
/// square of the depth: 100,000 nested `<div>`s took 28 s (debug build). Real articles stay
/// far below this.
const MAX_NESTING: usize = 256;

/// Whether `html` opens elements more than `limit` deep, counted by a linear tokenizer pass.
/// Void elements and those whose end tag is optional (`<p>`, `<li>`, ...) do not count, so
/// unclosed paragraphs are not mistaken for nesting.
fn nests_deeper_than(html: &str, limit: usize) -> bool {
    #[derive(Default)]
    struct DepthSink {
        depth: RefCell<usize>,
        exceeded: RefCell<bool>,
        limit: usize,
    }
    impl TokenSink for DepthSink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            let Token::TagToken(tag) = token else {
                return TokenSinkResult::Continue;
            };
            let counts = !tag.self_closing
                && !matches!(
                    &*tag.name,
                    "area"
                        | "base"
                        | "br"
                        | "col"
                        | "embed"
                        | "hr"
                        | "img"
                        | "input"
                        | "link"
                        | "meta"
                        | "param"
                        | "source"
                        | "track"
                        | "wbr"
                        | "p"
                        | "li"
                        | "dt"
                        | "dd"
                        | "tr"
                        | "td"
                        | "th"
                        | "option"
                        | "optgroup"
                        | "rb"
                        | "rt"
                        | "rp"
                        | "thead"
                        | "tbody"
                        | "tfoot"
                        | "colgroup"
                        | "caption"
                        | "html"
                        | "head"
                        | "body"
                );
            let mut depth = self.depth.borrow_mut();
            match tag.kind {
                TagKind::StartTag if counts => {
                    *depth += 1;
                    if *depth > self.limit {
                        *self.exceeded.borrow_mut() = true;
                    }
                }
                TagKind::EndTag if counts => *depth = depth.saturating_sub(1),
                _ => {}
            }
            TokenSinkResult::Continue
        }
    }
    if html.matches('<').count() <= limit {
        return false;
    }
    let sink = DepthSink {
        limit,
        ..DepthSink::default()
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(html.into());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.exceeded.take()
}

/// `html` as escaped text, one paragraph per line.
fn flattened(html: &str) -> String {
    html_to_text(html)
        .lines()
        .map(|line| {
            let escaped = line
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<p>{escaped}</p>")
        })
        .collect()
}

/// Block-level elements: text on either side of them is on a different line.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "table"
            | "blockquote"
            | "pre"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "hr"
            | "figure"
            | "figcaption"
            | "aside"
            | "nav"
            | "main"
    )
}

#[derive(Default)]
struct TextSink {
    text: RefCell<String>,
    /// Depth inside elements whose text is not content (script, style, ...).
    skipping: RefCell<usize>,
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                if DROP_WITH_CONTENT.contains(&name) {
                    let mut skipping = self.skipping.borrow_mut();
                    match tag.kind {
                        TagKind::StartTag if !tag.self_closing => {
                            *skipping += 1;
                            // Without a tree builder the tokenizer must be told that
                            // script/style bodies are raw text, or "<" inside them would
                            // look like tags.
                            return match name {
                                "script" => TokenSinkResult::RawData(
                                    html5ever::tokenizer::states::RawKind::ScriptData,
                                ),
                                "style" | "iframe" | "noscript" | "frameset" => {
                                    TokenSinkResult::RawData(
                                        html5ever::tokenizer::states::RawKind::Rawtext,
                                    )
                                }
                                "textarea" => TokenSinkResult::RawData(
                                    html5ever::tokenizer::states::RawKind::Rcdata,
                                ),
                                _ => TokenSinkResult::Continue,
                            };
                        }
                        TagKind::EndTag => *skipping = skipping.saturating_sub(1),
                        _ => {}
                    }
                } else if is_block(name) {
                    self.text.borrow_mut().push('\n');
                } else if name == "img" && tag.kind == TagKind::StartTag {
                    // An image's alt text stands in for it, as a reader would hear it.
                    if let Some(alt) = tag.attrs.iter().find(|a| &*a.name.local == "alt") {
                        let mut text = self.text.borrow_mut();
                        text.push(' ');
                        text.push_str(&alt.value);
                        text.push(' ');
                    }
                }
            }
            Token::CharacterTokens(chars) if *self.skipping.borrow() == 0 => {
                self.text.borrow_mut().push_str(&chars);
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The readable text of `html`: entities decoded, tags gone, one line per block, runs of
/// whitespace collapsed, no blank lines.
pub fn html_to_text(html: &str) -> String {
    let tokenizer = Tokenizer::new(TextSink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(html.into());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let raw = tokenizer.sink.text.take();
    raw.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// At most `max_chars` characters of `text`, cut at a word boundary, with "…" if cut.
pub fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let at_word = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max_chars / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://blog.example/posts/one.html").unwrap()
    }

    #[test]
    fn hostile_markup_is_removed() {
        let hostile = r#"<p onclick="steal()">Hi<script>alert(1)</script>
            <img src="x.png" onerror="alert(2)">
            <a href="javascript:alert(3)">js</a>
            <a href="data:text/html,<script>alert(4)</script>">data</a>
            <iframe src="https://evil.example/">frame text</iframe>
            <style>body{display:none}</style>
            <span style="position:fixed">styled</span></p>"#;
        let clean = sanitize_html(hostile, Some(&base()));
        for bad in [
            "<script",
            "onclick",
            "onerror",
            "javascript:",
            "data:",
            "iframe",
            "frame text",
            "<style",
            "style=",
            "display:none",
            "alert",
        ] {
            assert!(!clean.contains(bad), "{bad:?} survived in {clean}");
        }
        assert!(clean.contains("styled"));
        assert!(
            clean.contains(r#"src="https://blog.example/posts/x.png""#),
            "{clean}"
        );
    }

    #[test]
    fn deep_nesting_is_flattened_to_text_and_normal_markup_is_not() {
        let deep = format!(
            "{}deep text{}",
            "<div><b>".repeat(5_000),
            "</b></div>".repeat(5_000)
        );
        let clean = sanitize_html(&deep, Some(&base()));
        assert_eq!(clean, "<p>deep text</p>");
        let paragraphs = "<p>unclosed paragraph ".repeat(2_000);
        assert!(sanitize_html(&paragraphs, Some(&base())).contains("<p>unclosed paragraph </p>"));
        let normal = "<div><ul><li><b>bold</b> and <i>italic</i></li></ul></div>";
        assert_eq!(sanitize_html(normal, Some(&base())), normal);
    }

    /// Vectors from the usual XSS filter-evasion lists; none may leave anything active.
    #[test]
    fn filter_evasion_vectors_leave_nothing_active() {
        let vectors = [
            "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
            "<IMG SRC=\"javascript:alert('XSS');\">",
            "<IMG SRC=JaVaScRiPt:alert('XSS')>",
            "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
            "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
            "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
            "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
            "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
            "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
            "<SCRIPT/XSS SRC=\"http://xss.example/xss.js\"></SCRIPT>",
            "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
            "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
            "<iframe src=http://xss.example/scriptlet.html <",
            "<svg/onload=alert('XSS')>",
            "<BGSOUND SRC=\"javascript:alert('XSS');\">",
            "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
            "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
            "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K\">",
            "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
            "<DIV STYLE=\"width: expression(alert('XSS'));\">",
            "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.example/scriptlet.html\"></OBJECT>",
            "<EMBED SRC=\"data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+\">",
            "<a href=\"vbscript:msgbox('XSS')\">vb</a>",
            "<form><button formaction=javascript:alert(1)>x</button></form>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        ];
        for vector in vectors {
            let clean = sanitize_html(vector, Some(&base())).to_ascii_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "onmouseover",
                "<iframe",
                "<style",
                "style=",
                "expression(",
                "<object",
                "<embed",
                "<meta",
                "<link",
                "formaction",
                "background=",
            ] {
                assert!(!clean.contains(bad), "{bad:?} survived {vector:?}: {clean}");
            }
            // Every URL left is an absolute http(s) or mailto URL: no javascript:, vbscript:
            // or data: in any spelling.
            for attr in ["href=\"", "src=\""] {
                for (i, _) in clean.match_indices(attr) {
                    let value = &clean[i + attr.len()..];
                    assert!(
                        ["http://", "https://", "mailto:"]
                            .iter()
                            .any(|p| value.starts_with(p)),
                        "unsafe URL from {vector:?}: {clean}"
                    );
                }
            }
        }
    }

    #[test]
    fn links_are_absolute_and_noopener() {
        let clean = sanitize_html(r#"<a href="/about">about</a>"#, Some(&base()));
        assert_eq!(
            clean,
            r#"<a href="https://blog.example/about" rel="noopener noreferrer">about</a>"#
        );
        let no_base = sanitize_html(r#"<a href="/about">about</a>"#, None);
        assert!(!no_base.contains("href"), "{no_base}");
    }

    #[test]
    fn text_has_entities_decoded_and_blocks_on_lines() {
        let text = html_to_text(
            "<h1>Title &amp; more</h1><p>First   para<br>line two</p><script>x<y</script><p>caf&eacute; <img alt=\"a cat\"></p>",
        );
        assert_eq!(text, "Title & more\nFirst para\nline two\ncafé a cat");
    }

    #[test]
    fn truncation_cuts_at_words() {
        assert_eq!(truncate_words("short", 10), "short");
        assert_eq!(truncate_words("alpha beta gamma delta", 12), "alpha beta…");
    }
}
