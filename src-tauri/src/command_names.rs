// Every command the UI may call. build.rs turns each into an `allow-<name>` permission and
// capabilities/default.json grants them; a test checks that the two lists agree. (Included
// by build.rs, so it holds nothing but the list.)
pub const COMMANDS: &[&str] = &[
    "app_info",
    "model_info",
    "get_settings",
    "update_settings",
    "feeds",
    "subscribe",
    "load_sample",
    "unsubscribe",
    "refresh_all",
    "refresh_feed",
    "import_opml_dialog",
    "export_opml_dialog",
    "articles",
    "article",
    "open_article_link",
    "open_external",
    "rate",
    "recommend",
    "for_you",
    "mark_read",
    "read_ids",
    "cards",
    "clusters",
    "map",
];
