//! Each fixture format parsed, prepared and checked against what a reader should show.

use sift_core::feeds::article::prepare_article;
use sift_core::feeds::parse::parse_feed;

use crate::server::fixture;

#[test]
fn rss_091() {
    let feed = parse_feed(
        &fixture("feeds/rss091.xml"),
        "http://writetheweb.com/rss.xml",
    )
    .unwrap();
    assert_eq!(feed.title.as_deref(), Some("WriteTheWeb"));
    assert_eq!(feed.site_url.as_deref(), Some("http://writetheweb.com/"));
    assert_eq!(feed.entries.len(), 3);
    let first = &feed.entries[0];
    assert_eq!(
        first.title.as_deref(),
        Some("Giving the world a pluggable Gnutella")
    );
    assert_eq!(
        first.link.as_deref(),
        Some("http://writetheweb.com/read.php?item=24")
    );
    assert_eq!(first.id, None, "RSS 0.91 has no guid");
    let article = prepare_article(first);
    assert!(article
        .summary
        .unwrap()
        .starts_with("WorldOS is a framework"));
    assert!(article
        .text
        .starts_with("Giving the world a pluggable Gnutella\n\nWorldOS"));
}

#[test]
fn rss_10_rdf() {
    let feed = parse_feed(
        &fixture("feeds/rss10.rdf"),
        "http://www.xml.com/xml/news.rss",
    )
    .unwrap();
    assert_eq!(feed.title.as_deref(), Some("XML.com"));
    assert_eq!(feed.entries.len(), 2);
    let entry = &feed.entries[1];
    assert_eq!(entry.title.as_deref(), Some("Putting RDF to Work"));
    assert_eq!(
        entry.link.as_deref(),
        Some("http://xml.com/pub/2000/08/09/rdfdb/index.html")
    );
    assert_eq!(entry.author.as_deref(), Some("Edd Dumbill"));
    assert_eq!(
        entry.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2000-08-09T12:30:00+00:00")
    );
}

#[test]
fn rss_20_in_iso_8859_1() {
    let bytes = fixture("feeds/rss20-latin1.xml");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must really be Latin-1"
    );
    let feed = parse_feed(&bytes, "https://cafe-zuerich.example/rss.xml").unwrap();
    assert_eq!(feed.title.as_deref(), Some("Café Zürich Nachrichten"));
    let entry = &feed.entries[0];
    assert_eq!(entry.title.as_deref(), Some("Grüezi: neue Müesli-Karte"));
    assert_eq!(entry.id.as_deref(), Some("cafe-zuerich-1042"));
    assert_eq!(entry.author.as_deref(), Some("Zélie Müller"));
    assert_eq!(
        entry.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-05T08:30:00+00:00")
    );
    assert_eq!(entry.enclosures.len(), 1);
    assert_eq!(
        entry.enclosures[0].url,
        "https://cafe-zuerich.example/audio/folge-12.mp3"
    );
    assert_eq!(entry.enclosures[0].mime_type.as_deref(), Some("audio/mpeg"));
    assert_eq!(entry.enclosures[0].length, Some(24986239));

    let article = prepare_article(entry);
    let html = article.content_html.unwrap();
    // Relative URLs resolve against the article's link.
    assert!(
        html.contains(r#"href="https://cafe-zuerich.example/karte""#),
        "{html}"
    );
    assert!(
        html.contains(r#"src="https://cafe-zuerich.example/2024/03/img/logo.png""#),
        "{html}"
    );
    assert!(html.contains("Präsentiert"), "{html}");
    assert_eq!(
        article.summary.as_deref(),
        Some("Unsere neue Karte – jetzt mit Birchermüesli.")
    );

    let second = prepare_article(&feed.entries[1]);
    assert_eq!(second.title, "Öffnungszeiten über Ostern");
    assert_eq!(
        second.summary.as_deref(),
        Some("Wir haben am Ostermontag geschlossen.")
    );
}

#[test]
fn atom_03() {
    let feed = parse_feed(
        &fixture("feeds/atom03.xml"),
        "http://diveintomark.org/atom.xml",
    )
    .unwrap();
    assert_eq!(feed.title.as_deref(), Some("dive into mark"));
    assert_eq!(feed.entries.len(), 2);
    let entry = &feed.entries[0];
    assert_eq!(entry.title.as_deref(), Some("Atom 0.3 snapshot"));
    assert_eq!(
        entry.id.as_deref(),
        Some("tag:diveintomark.org,2003:3.2397")
    );
    assert_eq!(
        entry.link.as_deref(),
        Some("http://diveintomark.org/2003/12/13/atom03")
    );
    assert_eq!(
        entry.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2003-12-13T12:29:29+00:00")
    );
    assert_eq!(
        entry.updated.map(|d| d.to_rfc3339()).as_deref(),
        Some("2003-12-13T18:30:02+00:00")
    );
    assert_eq!(
        entry.summary_html.as_deref(),
        Some("<p>The Atom 0.3 snapshot is out.</p>")
    );
    let article = prepare_article(entry);
    assert_eq!(
        article.text,
        "Atom 0.3 snapshot\n\nThe Atom 0.3 snapshot is out."
    );
    assert_eq!(
        article.content_html.as_deref(),
        Some("<p>The <em>Atom 0.3</em> snapshot is out.</p>")
    );
}

#[test]
fn atom_10_with_xml_base() {
    let feed = parse_feed(
        &fixture("feeds/atom10.xml"),
        "http://example.org/feeds/atom.xml",
    )
    .unwrap();
    assert_eq!(feed.title.as_deref(), Some("Example Blog"));
    assert_eq!(feed.site_url.as_deref(), Some("http://example.org/blog/"));
    let first = &feed.entries[0];
    assert_eq!(first.title.as_deref(), Some("Relative <links> & xml:base"));
    assert_eq!(
        first.link.as_deref(),
        Some("http://example.org/blog/2024/03/relative-links")
    );
    assert_eq!(first.author.as_deref(), Some("Ada Lovelace"));
    assert_eq!(first.enclosures.len(), 1);
    assert_eq!(
        first.enclosures[0].url,
        "http://example.org/blog/media/episode1.mp3"
    );
    assert_eq!(first.enclosures[0].length, Some(1337));
    assert_eq!(
        first.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-01T08:00:00+00:00")
    );
    assert_eq!(
        first.updated.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-02T09:00:00+00:00")
    );
    let article = prepare_article(first);
    let html = article.content_html.unwrap();
    assert!(
        html.contains(r#"href="http://example.org/blog/2024/03/other-post""#),
        "{html}"
    );
    assert!(
        html.contains(r#"src="http://example.org/img/diagram.png""#),
        "{html}"
    );
    assert_eq!(
        article.summary.as_deref(),
        Some("How xml:base makes relative links work.")
    );

    let second = &feed.entries[1];
    assert_eq!(
        second.link.as_deref(),
        Some("http://example.org/notes/short-note")
    );
    let article = prepare_article(second);
    let html = article.content_html.unwrap();
    assert!(
        html.contains(r#"href="http://example.org/notes/more""#),
        "{html}"
    );
    assert_eq!(article.text, "XHTML content\n\nShort note.");
}

#[test]
fn json_feed_11() {
    let feed = parse_feed(
        &fixture("feeds/jsonfeed11.json"),
        "https://jsonfeed.example/feed.json",
    )
    .unwrap();
    assert_eq!(feed.title.as_deref(), Some("My JSON Feed"));
    assert_eq!(feed.site_url.as_deref(), Some("https://jsonfeed.example/"));
    assert_eq!(feed.entries.len(), 2);
    let episode = &feed.entries[0];
    assert_eq!(episode.id.as_deref(), Some("2"));
    assert_eq!(
        episode.link.as_deref(),
        Some("https://jsonfeed.example/2024/02/episode")
    );
    assert_eq!(episode.author.as_deref(), Some("Manton Reece"));
    assert_eq!(episode.enclosures.len(), 1);
    assert_eq!(
        episode.enclosures[0].url,
        "https://jsonfeed.example/audio/2.m4a"
    );
    let article = prepare_article(episode);
    assert!(article
        .content_html
        .unwrap()
        .contains(r#"href="https://jsonfeed.example/links""#));
    assert_eq!(article.summary.as_deref(), Some("Episode two"));

    let plain = prepare_article(&feed.entries[1]);
    assert_eq!(
        plain.content_html.as_deref(),
        Some("<p>This is a plain-text post.</p><p>It has two paragraphs &amp; an ampersand.</p>")
    );
    // Untitled: the first line of the body stands in.
    assert_eq!(plain.title, "This is a plain-text post.");
}

#[test]
fn hostile_html_is_neutralised() {
    let feed = parse_feed(&fixture("feeds/hostile.xml"), "http://hostile.example/rss").unwrap();
    let article = prepare_article(&feed.entries[0]);
    let html = article.content_html.clone().unwrap();
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script",
        "<style",
        "<iframe",
        "iframe fallback",
        "<form",
        "<input",
        "<object",
        "<svg",
        "<meta",
        "<base",
        "<link",
        "onerror",
        "onload",
        "onmouseover",
        "javascript:",
        "data:",
        "style=",
        "target=",
        "evil.example",
    ] {
        assert!(!lower.contains(bad), "{bad:?} survived in {html}");
    }
    assert!(
        html.contains(r#"src="http://hostile.example/pics/cat.jpg""#),
        "{html}"
    );
    assert!(html.contains(
        r#"<a href="http://hostile.example/posts/relative/page" rel="noopener noreferrer">relative link</a>"#
    ), "{html}");
    assert!(html.contains("overlay"));
    // The title is plain text: the escaped markup in it is text, never markup.
    assert_eq!(article.title, "Free prizes <script>alert('title')</script>");
    assert!(!article.text.contains("fetch("), "{}", article.text);
    assert!(!article.text.contains("display"), "{}", article.text);
    let summary = article.summary.unwrap();
    assert_eq!(summary, "Click here");
}

/// feed-rs panics on a person whose email has a character of several bytes beside it (French
/// quotes, curly quotes): the feed used to fail whole. It reads, with every entry and its
/// author's name.
#[test]
fn an_email_beside_quotes_of_several_bytes_does_not_fail_the_feed() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Le Carnet</title><link>https://carnet.example/</link><description>Notes</description>
  <managingEditor>Zoë Müller «zoe@carnet.example»</managingEditor>
  <webMaster>webmaster@carnet.example’</webMaster>
  <item><title>Premier</title><link>https://carnet.example/1</link>
    <author>“jane@carnet.example” Jane Doé</author></item>
  <item><title>Second</title><link>https://carnet.example/2</link>
    <dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">Zélie «zelie@carnet.example»</dc:creator></item>
</channel></rss>"#;
    let feed = parse_feed(xml.as_bytes(), "https://carnet.example/feed.xml").unwrap();
    assert_eq!(feed.title.as_deref(), Some("Le Carnet"));
    let titles: Vec<_> = feed.entries.iter().map(|e| e.title.as_deref()).collect();
    assert_eq!(titles, [Some("Premier"), Some("Second")]);
    assert_eq!(feed.entries[0].author.as_deref(), Some("Jane Doé"));
    assert!(
        feed.entries[1]
            .author
            .as_deref()
            .is_some_and(|a| a.contains("Zélie")),
        "{:?}",
        feed.entries[1].author
    );
}
