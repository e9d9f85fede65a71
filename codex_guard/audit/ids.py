"""Who and when of one audit record: the timestamp, the event id and the user (one place for
the hook, ``approve`` and the approval state; review #21).

Cheap on the hook path: no ``datetime``, no ``uuid`` import.
"""

from __future__ import annotations

import os


def now() -> str:
    """UTC now as ISO 8601 with milliseconds and a ``Z`` (``2026-11-21T19:17:14.123Z``)."""
    import time

    ns = time.time_ns()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000))
    return f"{stamp}.{ns // 1_000_000 % 1000:03d}Z"


def uuid4() -> str:
    """A random (version 4, RFC 4122 §4.4) UUID string from ``os.urandom``."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def user() -> str:
    """The acting person: ``$CODEX_GUARD_USER``, else the login name of the process user
    (as ``pwd.getpwuid`` gives it: :func:`_files_user` when the name service reads
    ``/etc/passwd`` first), else ``$USER``, else ``unknown``."""
    env = os.environ.get("CODEX_GUARD_USER")
    if env:
        return env
    uid = os.getuid()
    name = _remembered_files_user(uid)
    if name is not None:
        return name
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        return os.environ.get("USER", "unknown")


def _remembered_files_user(
    uid: int, nsswitch: str = "/etc/nsswitch.conf", passwd: str = "/etc/passwd"
) -> str | None:
    """:func:`_files_user`, remembered in the cache folder (``user-<uid>.marshal``, trusted
    only when private) while ``nsswitch`` and ``passwd`` keep their size, mtime and inode: a
    ``stat`` is microseconds where opening them is not always (a third of a millisecond each
    on some sandboxed machines, issue 8)."""
    import marshal

    from codex_guard._dirs import guard_dir, private_dir, write_private

    sig: list[object] = [uid]
    for path in (nsswitch, passwd):
        try:
            st = os.stat(path)
            sig.append((path, st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            sig.append((path,))
    key = tuple(sig)
    try:
        folder = guard_dir("cache")
    except Exception:  # no cache folder can be named: look it up each time
        return _files_user(uid, nsswitch, passwd)
    entry = os.path.join(folder, f"user-{uid}.marshal")
    if private_dir(folder) and private_dir(entry):
        try:
            with open(entry, "rb") as fh:
                data = marshal.loads(fh.read(4096))
            if type(data) is tuple and len(data) == 2 and data[0] == key:
                name = data[1]
                if type(name) is str and name:
                    return name
        except (OSError, EOFError, ValueError, TypeError):
            pass
    name = _files_user(uid, nsswitch, passwd)
    if name is not None:
        write_private(folder, entry, marshal.dumps((key, name)))  # type: ignore[arg-type]
    return name


def _files_user(
    uid: int, nsswitch: str = "/etc/nsswitch.conf", passwd: str = "/etc/passwd"
) -> str | None:
    """The name glibc's ``getpwuid`` returns for ``uid`` when ``files`` is the first source of
    the ``passwd`` database in ``nsswitch`` (nsswitch.conf(5); the default without the file)
    and ``passwd`` has an entry for ``uid`` (the first one, as the files source returns it);
    None otherwise, and the caller asks ``pwd``. ``getpwuid`` initialises the name service
    switch, which loads its modules (``libnss_systemd`` …): up to a millisecond or more per hook
    process (issue 8) for an answer that is usually one line of ``/etc/passwd``."""
    try:
        with open(nsswitch, "rb") as fh:
            conf = fh.read(1 << 16)
    except FileNotFoundError:
        conf = b""
    except OSError:
        return None
    first = b"files"
    for line in conf.splitlines():
        key, sep, sources = line.split(b"#", 1)[0].partition(b":")
        if sep and key.strip() == b"passwd":
            words = sources.split()
            first = words[0] if words else b"files"
    if first != b"files":
        return None
    want = str(uid).encode()
    try:
        with open(passwd, "rb") as fh:
            data = fh.read(1 << 22)
    except OSError:
        return None
    for line in data.splitlines():
        fields = line.split(b":")
        if len(fields) >= 7 and fields[2] == want and fields[0] and not line.startswith(b"#"):
            try:
                return fields[0].decode("utf-8")
            except UnicodeDecodeError:
                return None
    return None
