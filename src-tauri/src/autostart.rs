//! "Start at login" (opt-in): a login item that starts Sift with `--minimized`, in the tray.
//!
//! On Linux this is an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/Sift.desktop`
//! (`~/.config/autostart` by default), written here rather than by the autostart plugin:
//! the plugin always writes under `~/.config` (a session with another XDG_CONFIG_HOME never
//! reads it), leaves the program's path unquoted (a path with a space starts nothing) and
//! names no TryExec (a removed Sift fails at every login). Windows and macOS use the plugin.
//!
//! The entry names the binary that wrote it, so it is written again at every start while
//! the setting is on: after the binary moved (an AppImage moved to another folder, a build
//! elsewhere), starting Sift once by hand points the login item at the new place. A .deb
//! installs to `/usr/bin/sift-app`, which upgrades keep, so its entry stays right.

use std::path::{Path, PathBuf};

/// The entry's file name; the same as the .deb's desktop entry (`Sift.desktop`), as the
/// XDG autostart spec suggests for an application's login item.
const ENTRY: &str = "Sift.desktop";

/// The argument that starts Sift hidden in the tray (`lib.rs` looks for it).
const MINIMIZED: &str = "--minimized";

#[derive(Debug, thiserror::Error)]
pub enum AutostartError {
    #[error(
        "no config directory to write the login item in (neither XDG_CONFIG_HOME nor HOME is set)"
    )]
    NoConfigDir,
    #[error("could not find Sift's own program file: {0}")]
    NoProgram(std::io::Error),
    #[error("could not change the login item {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where XDG desktops look for login items of this user.
fn autostart_dir() -> Result<PathBuf, AutostartError> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        // The spec ignores a relative XDG_CONFIG_HOME.
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .ok_or(AutostartError::NoConfigDir)?;
    Ok(config.join("autostart"))
}

/// The program a login should start: the AppImage when running from one (its inner binary
/// lives in a temporary mount), else this executable.
fn program() -> Result<PathBuf, AutostartError> {
    if let Some(appimage) = std::env::var_os("APPIMAGE") {
        return Ok(PathBuf::from(appimage));
    }
    let exe = std::env::current_exe().map_err(AutostartError::NoProgram)?;
    Ok(without_deleted_mark(exe))
}

/// After an upgrade replaced the running binary, Linux names it "PATH (deleted)"; the new
/// binary is at PATH.
fn without_deleted_mark(exe: PathBuf) -> PathBuf {
    match exe.to_str().and_then(|s| s.strip_suffix(" (deleted)")) {
        Some(path) => PathBuf::from(path),
        None => exe,
    }
}

/// Writes (or rewrites) the login item for this binary.
pub fn enable() -> Result<(), AutostartError> {
    let dir = autostart_dir()?;
    let path = dir.join(ENTRY);
    let io = |source| AutostartError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let entry = desktop_entry(&program()?);
    // Written beside and renamed over, so a login never reads half an entry.
    let partial = dir.join(format!(".{ENTRY}.partial"));
    std::fs::write(&partial, entry).map_err(io)?;
    std::fs::rename(&partial, &path).map_err(io)
}

/// Removes the login item (nothing to do when there is none).
pub fn disable() -> Result<(), AutostartError> {
    let path = autostart_dir()?.join(ENTRY);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(AutostartError::Io { path, source: e })
        }
        _ => Ok(()),
    }
}

/// The autostart entry (Desktop Entry Specification) that starts `program` in the tray.
fn desktop_entry(program: &Path) -> String {
    let program = program.to_string_lossy();
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Sift\n\
         Comment=Sift starts in the tray at login (Settings → Start Sift in the tray when I log in)\n\
         Exec={exec} {MINIMIZED}\n\
         TryExec={try_exec}\n\
         Icon=sift-app\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n",
        exec = exec_argument(&program),
        try_exec = escape_string(&program),
    )
}

/// A value of type string: backslashes and line breaks escaped.
fn escape_string(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
}

/// One argument of an Exec key: quoted when it holds a reserved character, with `"`, `` ` ``,
/// `$` and `\` escaped inside the quotes and `%` doubled (field codes); then escaped as a
/// string value, as the spec applies both rules.
fn exec_argument(arg: &str) -> String {
    const RESERVED: &[char] = &[
        ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(',
        ')', '`',
    ];
    let arg = arg.replace('%', "%%");
    let quoted = if arg.contains(RESERVED) {
        let mut quoted = String::with_capacity(arg.len() + 2);
        quoted.push('"');
        for c in arg.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        quoted.push('"');
        quoted
    } else {
        arg
    };
    escape_string(&quoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_starts_this_program_in_the_tray() {
        let entry = desktop_entry(Path::new("/usr/bin/sift-app"));
        assert!(entry.starts_with("[Desktop Entry]\n"));
        assert!(
            entry.contains("\nExec=/usr/bin/sift-app --minimized\n"),
            "{entry}"
        );
        assert!(entry.contains("\nTryExec=/usr/bin/sift-app\n"), "{entry}");
        assert!(entry.contains("\nName=Sift\n"));
    }

    #[test]
    fn a_program_path_with_spaces_or_quotes_stays_one_argument() {
        let entry = desktop_entry(Path::new("/home/me/My Apps/Sift \"beta\"/sift-app"));
        // Quoted with `"` escaped, then every backslash doubled as a string value.
        assert!(
            entry.contains(r#"Exec="/home/me/My Apps/Sift \\"beta\\"/sift-app" --minimized"#),
            "{entry}"
        );
        assert!(entry.contains("TryExec=/home/me/My Apps/Sift \"beta\"/sift-app\n"));
        assert_eq!(exec_argument("/opt/100%/sift"), "/opt/100%%/sift");
        assert_eq!(exec_argument(r"/opt/a\b c"), r#""/opt/a\\\\b c""#);
    }

    #[test]
    fn a_binary_replaced_while_running_is_named_by_its_path() {
        assert_eq!(
            without_deleted_mark(PathBuf::from("/usr/bin/sift-app (deleted)")),
            PathBuf::from("/usr/bin/sift-app")
        );
        assert_eq!(
            without_deleted_mark(PathBuf::from("/opt/sift-app")),
            PathBuf::from("/opt/sift-app")
        );
    }
}
