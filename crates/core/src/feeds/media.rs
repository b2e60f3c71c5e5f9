//! Enclosures (a podcast's audio, a video, an image, a file) as the reader shows them: a
//! player or a link. Only canonical http(s) URLs pass (the same `url::Url` parsing the
//! reader's HTML gets), each with the kind of player it needs, from its MIME type or else
//! its file extension. Nothing here fetches anything: the reader loads media only when the
//! user asks (and with remote content allowed, players still never preload).

use serde::Serialize;

use crate::domain::Enclosure;

/// Enclosures shown per article, at most (a feed can list hundreds).
pub const MAX_ENCLOSURES: usize = 20;

/// What kind of player an enclosure gets.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Audio,
    Video,
    Image,
    /// Anything else (a PDF, an archive): a link.
    File,
}

/// An enclosure ready for the reader.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaEnclosure {
    /// Canonical http(s) URL.
    pub url: String,
    pub mime_type: Option<String>,
    /// Size in bytes as the feed states it (unchecked).
    pub length: Option<u64>,
    pub kind: MediaKind,
}

/// The enclosures worth showing: http(s) only, canonical, no repeats, at most
/// [`MAX_ENCLOSURES`].
pub fn enclosures_for_reader(enclosures: &[Enclosure]) -> Vec<MediaEnclosure> {
    let mut out: Vec<MediaEnclosure> = Vec::new();
    for e in enclosures {
        let Ok(url) = url::Url::parse(e.url.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            continue;
        }
        let url = url.to_string();
        if out.iter().any(|m| m.url == url) {
            continue;
        }
        let mime_type = e
            .mime_type
            .as_deref()
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| !m.is_empty());
        out.push(MediaEnclosure {
            kind: media_kind(mime_type.as_deref(), &url),
            url,
            mime_type,
            length: e.length.filter(|&n| n > 0),
        });
        if out.len() == MAX_ENCLOSURES {
            break;
        }
    }
    out
}

/// The player an enclosure needs: its MIME type decides; without a telling one, its
/// file extension.
pub fn media_kind(mime_type: Option<&str>, url: &str) -> MediaKind {
    match mime_type.and_then(|m| m.split('/').next()) {
        Some("audio") => return MediaKind::Audio,
        Some("video") => return MediaKind::Video,
        Some("image") => return MediaKind::Image,
        _ => {}
    }
    let path = url::Url::parse(url)
        .map(|u| u.path().to_ascii_lowercase())
        .unwrap_or_default();
    let extension = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension {
        "mp3" | "m4a" | "aac" | "ogg" | "oga" | "opus" | "wav" | "flac" => MediaKind::Audio,
        "mp4" | "m4v" | "webm" | "mov" | "ogv" => MediaKind::Video,
        "jpg" | "jpeg" | "png" | "gif" | "webp" | "avif" => MediaKind::Image,
        _ => MediaKind::File,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enclosure(url: &str, mime: Option<&str>, length: Option<u64>) -> Enclosure {
        Enclosure {
            url: url.into(),
            mime_type: mime.map(String::from),
            length,
        }
    }

    #[test]
    fn each_enclosure_gets_its_player_by_type_then_by_extension() {
        let shown = enclosures_for_reader(&[
            enclosure(
                "https://pod.example/ep1.mp3",
                Some("audio/mpeg"),
                Some(1234),
            ),
            enclosure("https://pod.example/clip", Some("Video/MP4"), None),
            enclosure("https://pod.example/cover.JPG", None, Some(0)),
            enclosure(
                "https://pod.example/notes.pdf",
                Some("application/pdf"),
                None,
            ),
            enclosure(
                "https://pod.example/ep2.m4a?x=1",
                Some("application/octet-stream"),
                None,
            ),
        ]);
        let kinds: Vec<MediaKind> = shown.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            [
                MediaKind::Audio,
                MediaKind::Video,
                MediaKind::Image,
                MediaKind::File,
                MediaKind::Audio
            ]
        );
        assert_eq!(shown[0].length, Some(1234));
        assert_eq!(shown[1].mime_type.as_deref(), Some("video/mp4"));
        assert_eq!(shown[2].length, None, "a stated size of 0 means unknown");
    }

    #[test]
    fn only_canonical_web_urls_pass_once_each() {
        let shown = enclosures_for_reader(&[
            enclosure("javascript:alert(1)", Some("audio/mpeg"), None),
            enclosure("file:///etc/passwd", Some("audio/mpeg"), None),
            enclosure("data:audio/mpeg;base64,AAAA", None, None),
            enclosure("/relative.mp3", Some("audio/mpeg"), None),
            enclosure(" HTTPS://Pod.Example/a b.mp3", Some("audio/mpeg"), None),
            enclosure("https://pod.example/a%20b.mp3", Some("audio/mpeg"), None),
        ]);
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert_eq!(shown[0].url, "https://pod.example/a%20b.mp3");
        let many: Vec<Enclosure> = (0..50)
            .map(|i| enclosure(&format!("https://pod.example/{i}.mp3"), None, None))
            .collect();
        assert_eq!(enclosures_for_reader(&many).len(), MAX_ENCLOSURES);
    }
}
