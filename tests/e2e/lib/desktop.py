#!/usr/bin/python3
"""The desktop around the app in the end-to-end tests, on a private session bus.

A bare X server has no notification daemon and no tray. This stands in for both, as a
desktop would, and lets the test act as the user on them:

- org.freedesktop.Notifications: records every notification (summary, body) and answers
  like a real server;
- org.kde.StatusNotifierWatcher: where a tray icon (Tauri's, through libayatana-appindicator)
  registers; with a host present the icon is a StatusNotifierItem whose menu is exported
  over com.canonical.dbusmenu, which is what a desktop's tray shows and clicks;
- the X side of a window manager: closing a window the way a title bar's close button does
  (WM_DELETE_WINDOW), and telling whether a window is shown.

Protocol: JSON lines. Events go to stdout ({"event": "ready" | "notify" | "tray", ...});
commands come on stdin ({"id", "cmd", ...}) and are answered on stdout ({"id", "ok", ...}
or {"id", "error"}). Commands: tray (the icon's properties), menu (its items), click
(a menu item by label), close_window / window (by title and X display), has_owner (a
bus name), names (every name on the bus), own_xembed_tray (act as an X11 system tray on a
display).

With --no-tray there is no StatusNotifierWatcher: a desktop that shows no tray icons
(GNOME without the AppIndicator extension, a bare X server).

Needs Debian's python3-gi (GLib's GDBus) and libX11; run with the system python3.
Usage: desktop.py BUS_ADDRESS [--no-tray]
"""

import ctypes
import json
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

NOTIFICATIONS_XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
"""

WATCHER_XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""

ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class Desktop:
    def __init__(self, address, tray=True):
        self.bus = Gio.DBusConnection.new_for_address_sync(
            address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None,
            None,
        )
        self.items = []  # (bus name, object path) of registered tray items
        self.next_notification = 1
        self._export("/org/freedesktop/Notifications", NOTIFICATIONS_XML, self._notifications)
        self.names = ["org.freedesktop.Notifications"]
        if tray:
            self._export("/StatusNotifierWatcher", WATCHER_XML, self._watcher, self._watcher_property)
            self.names.append("org.kde.StatusNotifierWatcher")
        self.owned = 0
        for name in self.names:
            Gio.bus_own_name_on_connection(self.bus, name, Gio.BusNameOwnerFlags.NONE, self._acquired, self._lost)

    def _export(self, path, xml, on_call, on_property=None):
        info = Gio.DBusNodeInfo.new_for_xml(xml).interfaces[0]
        self.bus.register_object(path, info, on_call, on_property, None)

    def _acquired(self, _bus, _name):
        self.owned += 1
        if self.owned == len(self.names):
            emit({"event": "ready"})

    def _lost(self, _bus, name):
        emit({"event": "error", "error": f"could not own {name}"})

    # --- org.freedesktop.Notifications -------------------------------------------------
    def _notifications(self, _bus, _sender, _path, _iface, method, params, invocation):
        if method == "Notify":
            app, _replaces, icon, summary, body, _actions, hints, timeout = params.unpack()
            number = self.next_notification
            self.next_notification += 1
            emit({"event": "notify", "id": number, "app": app, "icon": icon, "summary": summary, "body": body,
                  "timeout": timeout, "desktop_entry": hints.get("desktop-entry")})
            invocation.return_value(GLib.Variant("(u)", (number,)))
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["body", "body-markup"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("sift-e2e", "sift", "1", "1.2")))
        else:
            invocation.return_value(None)

    # --- org.kde.StatusNotifierWatcher -----------------------------------------------
    def _watcher(self, _bus, sender, _path, _iface, method, params, invocation):
        if method == "RegisterStatusNotifierItem":
            (service,) = params.unpack()
            # An item names itself by bus name or by object path (then the bus name is the caller's).
            name, path = (sender, service) if service.startswith("/") else (service, "/StatusNotifierItem")
            self.items.append((name, path))
            emit({"event": "tray", "name": name, "path": path})
            self.bus.emit_signal(None, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher",
                                 "StatusNotifierItemRegistered", GLib.Variant("(s)", (name + path,)))
        invocation.return_value(None)

    def _watcher_property(self, _bus, _sender, _path, _iface, prop):
        if prop == "RegisteredStatusNotifierItems":
            return GLib.Variant("as", [n + p for n, p in self.items])
        if prop == "IsStatusNotifierHostRegistered":
            return GLib.Variant("b", True)
        if prop == "ProtocolVersion":
            return GLib.Variant("i", 0)
        return None

    # --- acting as the user ----------------------------------------------------------
    def _call(self, name, path, iface, method, args, reply):
        result = self.bus.call_sync(name, path, iface, method, args, GLib.VariantType.new(reply),
                                    Gio.DBusCallFlags.NONE, 10_000, None)
        return result.unpack()

    def _item(self):
        if not self.items:
            raise RuntimeError("no tray icon has registered")
        return self.items[-1]

    def _property(self, name, path, iface, prop):
        (value,) = self._call(name, path, "org.freedesktop.DBus.Properties", "Get",
                              GLib.Variant("(ss)", (iface, prop)), "(v)")
        return value

    def tray(self):
        name, path = self._item()
        (props,) = self._call(name, path, "org.freedesktop.DBus.Properties", "GetAll",
                              GLib.Variant("(s)", (ITEM_IFACE,)), "(a{sv})")
        return {k: v for k, v in props.items() if isinstance(v, (str, int, bool))}

    def menu(self):
        name, path = self._item()
        menu_path = self._property(name, path, ITEM_IFACE, "Menu")
        _revision, layout = self._call(name, menu_path, MENU_IFACE, "GetLayout",
                                       GLib.Variant("(iias)", (0, -1, [])), "(u(ia{sv}av))")
        entries = []

        def walk(node):
            number, props, children = node
            if "label" in props:
                entries.append({"id": number, "label": props["label"].replace("_", ""),
                                "enabled": props.get("enabled", True)})
            for child in children:
                walk(child)

        walk(layout)
        return name, menu_path, entries

    def click(self, label):
        name, menu_path, entries = self.menu()
        match = [e for e in entries if e["label"] == label]
        if not match:
            raise RuntimeError(f"no menu item {label!r} in {[e['label'] for e in entries]}")
        self._call(name, menu_path, MENU_IFACE, "Event",
                   GLib.Variant("(isvu)", (match[0]["id"], "clicked", GLib.Variant("i", 0), 0)), "()")
        return {"clicked": label}

    def has_owner(self, bus_name):
        (owned,) = self._call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                              "NameHasOwner", GLib.Variant("(s)", (bus_name,)), "(b)")
        return owned

    def bus_names(self):
        (names,) = self._call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                              "ListNames", None, "(as)")
        return names


# --- X11, as a window manager would do it ---------------------------------------------
class XClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", XClientMessage), ("pad", ctypes.c_long * 24)]


class XWindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
                ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                ("root", ctypes.c_ulong), ("class", ctypes.c_int), ("bit_gravity", ctypes.c_int),
                ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
                ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]


CLIENT_MESSAGE = 33
IS_VIEWABLE = 2


class X:
    def __init__(self, display):
        self.lib = ctypes.cdll.LoadLibrary("libX11.so.6")
        self.lib.XOpenDisplay.restype = ctypes.c_void_p
        self.lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.lib.XDefaultRootWindow.restype = ctypes.c_ulong
        self.lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.lib.XInternAtom.restype = ctypes.c_ulong
        self.lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        self.lib.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                                        ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                        ctypes.POINTER(ctypes.c_uint)]
        self.lib.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
        self.lib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(XWindowAttributes)]
        self.lib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                        ctypes.POINTER(XEvent)]
        self.lib.XFlush.argtypes = [ctypes.c_void_p]
        self.lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.lib.XFree.argtypes = [ctypes.c_void_p]
        self.lib.XDefaultScreen.argtypes = [ctypes.c_void_p]
        self.lib.XCreateSimpleWindow.restype = ctypes.c_ulong
        self.lib.XCreateSimpleWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong,
                                                 ctypes.c_ulong]
        self.lib.XSetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        self.lib.XGetSelectionOwner.restype = ctypes.c_ulong
        self.lib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.display = self.lib.XOpenDisplay(display.encode())
        if not self.display:
            raise RuntimeError(f"cannot open the X display {display}")

    def windows(self, title):
        """Top-level windows named `title`, with whether each is shown."""
        self.lib.XSync(self.display, 0)
        root = self.lib.XDefaultRootWindow(self.display)
        root_out, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        self.lib.XQueryTree(self.display, root, ctypes.byref(root_out), ctypes.byref(parent),
                            ctypes.byref(children), ctypes.byref(count))
        found = []
        for i in range(count.value):
            window = children[i]
            name = ctypes.c_char_p()
            if self.lib.XFetchName(self.display, window, ctypes.byref(name)) and name.value is not None:
                if name.value.decode("utf-8", "replace") == title:
                    attrs = XWindowAttributes()
                    self.lib.XGetWindowAttributes(self.display, window, ctypes.byref(attrs))
                    found.append((window, attrs.map_state == IS_VIEWABLE))
        if children:
            self.lib.XFree(children)
        return found

    def shown(self, title):
        return any(shown for _, shown in self.windows(title))

    def own_system_tray(self):
        """What an X11 system tray (XEmbed, e.g. i3bar) does first: own the screen's
        _NET_SYSTEM_TRAY_S<n> selection (held while this connection stays open)."""
        screen = self.lib.XDefaultScreen(self.display)
        root = self.lib.XDefaultRootWindow(self.display)
        window = self.lib.XCreateSimpleWindow(self.display, root, 0, 0, 1, 1, 0, 0, 0)
        selection = self.lib.XInternAtom(self.display, f"_NET_SYSTEM_TRAY_S{screen}".encode(), 0)
        self.lib.XSetSelectionOwner(self.display, selection, window, 0)
        self.lib.XSync(self.display, 0)
        if self.lib.XGetSelectionOwner(self.display, selection) != window:
            raise RuntimeError("could not own the system tray selection")
        return {"owner": window}

    def close(self, title):
        """What a title bar's close button does: ask the window to close (WM_DELETE_WINDOW)."""
        targets = [w for w, shown in self.windows(title) if shown]
        if not targets:
            raise RuntimeError(f"no window titled {title!r} is shown")
        protocols = self.lib.XInternAtom(self.display, b"WM_PROTOCOLS", 0)
        delete = self.lib.XInternAtom(self.display, b"WM_DELETE_WINDOW", 0)
        for window in targets:
            event = XEvent()
            event.xclient.type = CLIENT_MESSAGE
            event.xclient.send_event = 1
            event.xclient.window = window
            event.xclient.message_type = protocols
            event.xclient.format = 32
            event.xclient.data[0] = delete
            event.xclient.data[1] = 0  # CurrentTime
            self.lib.XSendEvent(self.display, window, 0, 0, ctypes.byref(event))
        self.lib.XFlush(self.display)
        return {"closed": len(targets)}


def main():
    desktop = Desktop(sys.argv[1], tray="--no-tray" not in sys.argv[2:])
    displays = {}

    def window_system(command):
        display = command["display"]
        if display not in displays:
            displays[display] = X(display)
        return displays[display]

    commands = {
        "tray": lambda c: {"tray": desktop.tray()},
        "menu": lambda c: {"menu": desktop.menu()[2]},
        "click": lambda c: desktop.click(c["label"]),
        "has_owner": lambda c: {"owned": desktop.has_owner(c["name"])},
        "names": lambda c: {"names": desktop.bus_names()},
        "close_window": lambda c: window_system(c).close(c["title"]),
        "window": lambda c: {"shown": window_system(c).shown(c["title"])},
        "own_xembed_tray": lambda c: window_system(c).own_system_tray(),
    }

    def on_input(channel, _condition):
        line = channel.readline()
        if not line:
            loop.quit()
            return False
        command = json.loads(line)
        try:
            emit({"id": command.get("id"), "ok": True, **commands[command["cmd"]](command)})
        except Exception as e:  # reported to the test, which fails with it
            emit({"id": command.get("id"), "ok": False, "error": f"{type(e).__name__}: {e}"})
        return True

    loop = GLib.MainLoop()
    stdin = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(stdin, GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN | GLib.IOCondition.HUP, on_input)
    loop.run()


if __name__ == "__main__":
    main()
