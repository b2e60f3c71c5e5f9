# Sourced by the app benchmarks: the app runs inside a D-Bus session, as on any desktop.
# Without a session bus GLib tries to start one (dbus-launch) for the accessibility bridge,
# the tray and menus, about nine times, each failing along the whole PATH: measured on an
# empty store (6 interleaved rounds, loaded machine), first paint 1548 ms without a bus
# against 1358 ms with `DBUS_SESSION_BUS_ADDRESS=disabled:`. A desktop never pays that, so
# the benchmarks should not either. `in_session_bus CMD...` runs CMD in a private session
# (dbus-run-session, from Debian's dbus-daemon, which make setup installs) unless one is
# already there.
#
# The bus and the services it starts (the accessibility registry says hello on stdout) write
# to stderr; only CMD's own stdout, the section, stays on stdout (through fd 3).
in_session_bus() {
    if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
        { dbus-run-session -- sh -c 'exec "$@" >&3 3>&-' in_session_bus "$@"; } 3>&1 1>&2
    else
        "$@"
    fi
}
