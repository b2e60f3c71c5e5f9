//! JSON Feed documents coerced into the shape feed-rs's strict types accept.

/// The repaired JSON Feed, or `None` when the document is not JSON or not a feed at all.
/// Coerces what feed-rs's strict types refuse: a missing or numeric `version`, a missing
/// `title`, numbers where strings belong (ids above all), single values where lists belong,
/// attachments without a MIME type.
pub(crate) fn repair_json(bytes: &[u8]) -> Option<Vec<u8>> {
    use serde_json::{Map, Value};

    let mut doc: Value = serde_json::from_slice(bytes).ok()?;
    let feed = doc.as_object_mut()?;
    let says_json_feed = feed
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.contains("jsonfeed.org"));
    if !says_json_feed && !feed.get("items").is_some_and(Value::is_array) {
        return None;
    }

    fn as_text(value: Value) -> Option<Value> {
        match value {
            Value::String(s) => Some(Value::String(s)),
            Value::Number(n) => Some(Value::String(n.to_string())),
            Value::Bool(b) => Some(Value::String(b.to_string())),
            _ => None,
        }
    }
    fn texts(object: &mut Map<String, Value>, keys: &[&str]) {
        for key in keys {
            if let Some(value) = object.remove(*key) {
                if let Some(text) = as_text(value) {
                    object.insert((*key).to_string(), text);
                }
            }
        }
    }
    fn list(value: Value) -> Vec<Value> {
        match value {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => vec![other],
        }
    }
    fn author(value: Value) -> Option<Value> {
        match value {
            Value::Object(mut a) => {
                texts(&mut a, &["name", "url", "avatar"]);
                Some(Value::Object(a))
            }
            Value::String(name) => Some(serde_json::json!({ "name": name })),
            _ => None,
        }
    }
    fn authors(object: &mut Map<String, Value>) {
        if let Some(a) = object.remove("author").and_then(author) {
            object.insert("author".into(), a);
        }
        if let Some(list_value) = object.remove("authors") {
            let people: Vec<Value> = list(list_value).into_iter().filter_map(author).collect();
            object.insert("authors".into(), Value::Array(people));
        }
    }

    let version_ok = feed
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("https://jsonfeed.org/version/1"));
    if !version_ok {
        feed.insert(
            "version".into(),
            Value::String("https://jsonfeed.org/version/1.1".into()),
        );
    }
    let title = feed.remove("title").and_then(as_text);
    feed.insert(
        "title".into(),
        title.unwrap_or_else(|| Value::String(String::new())),
    );
    texts(
        feed,
        &[
            "home_page_url",
            "feed_url",
            "language",
            "description",
            "icon",
            "favicon",
        ],
    );
    authors(feed);

    let items = feed.remove("items").map(list).unwrap_or_default();
    let items: Vec<Value> = items
        .into_iter()
        .filter_map(|item| {
            let Value::Object(mut item) = item else {
                return None;
            };
            texts(
                &mut item,
                &[
                    "id",
                    "url",
                    "external_url",
                    "title",
                    "content_html",
                    "content_text",
                    "summary",
                    "date_published",
                    "date_modified",
                ],
            );
            authors(&mut item);
            if let Some(tags) = item.remove("tags") {
                let tags: Vec<Value> = list(tags).into_iter().filter_map(as_text).collect();
                item.insert("tags".into(), Value::Array(tags));
            }
            if let Some(attachments) = item.remove("attachments") {
                let attachments: Vec<Value> = list(attachments)
                    .into_iter()
                    .filter_map(|a| {
                        let Value::Object(mut a) = a else {
                            return None;
                        };
                        texts(&mut a, &["url", "mime_type", "title"]);
                        a.get("url")?;
                        a.entry("mime_type")
                            .or_insert_with(|| "application/octet-stream".into());
                        let size = a.remove("size_in_bytes").and_then(|s| match s {
                            Value::Number(n) => n.as_u64(),
                            Value::String(s) => s.trim().parse().ok(),
                            _ => None,
                        });
                        if let Some(size) = size {
                            a.insert("size_in_bytes".into(), size.into());
                        }
                        Some(Value::Object(a))
                    })
                    .collect();
                item.insert("attachments".into(), Value::Array(attachments));
            }
            Some(Value::Object(item))
        })
        .collect();
    feed.insert("items".into(), Value::Array(items));
    serde_json::to_vec(&doc).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_feed_with_numeric_version_and_no_title_is_coerced() {
        let fixed = repair_json(br#"{"version": 1, "items": [{"id": 7, "tags": "x"}]}"#).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&fixed).unwrap();
        assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(doc["title"], "");
        assert_eq!(doc["items"][0]["id"], "7");
        assert_eq!(doc["items"][0]["tags"][0], "x");
        assert_eq!(repair_json(br#"{"hello": "world"}"#), None);
    }
}
