"""The staging area of imports: uploads wait here (one private folder per batch) for the worker process that
imports them, the readers put their scratch copies here, and nothing stays after an import, even a killed one.

Layout, under DIGISKILLS_STAGING (default: a 'staging' folder beside the warehouse), mode 0700 throughout:
  <batch id>/lock          held (flock) by whoever owns the batch: the page while it saves, then the worker
  <batch id>/<upload>      the files as uploaded, mode 0600, deleted when the import ends
  <batch id>/status.json   the worker's progress and, at the end, its (masked) reports
  scratch-<pid>-<random>/  a reader's temporary copies (a CSV re-encoded to UTF-8, numbered lines), and the
                           downloads Explore makes on a click (digiskills.app.downloads.build), deleted once read
  download-<pid>-<random>.<format>  a download prepared ahead of its click (a large Excel file), mode 0600
A batch whose lock is free has no live owner: clean_stale() deletes its uploads (and the whole folder once its
status is an hour old); a scratch folder whose process is gone is deleted, and a prepared download once its
process is gone or it is an hour old. They run at every import and at app start.
"""

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

STATUS = "status.json"
LOCK = "lock"
RESULT_TTL_S = 3600  # a finished batch's status (no personal data) is kept this long for the page to show it
DOWNLOAD_TTL_S = 3600  # a prepared download (pseudonymous rows) is kept this long for its button


_active: dict[str, Path] = {}


def use(path: Path) -> None:
    """The staging area of the import running in this process (scratch() puts its copies there)."""
    _active["root"] = path


def root(db_path: Path | None = None) -> Path:
    configured = os.environ.get("DIGISKILLS_STAGING")
    if configured:
        return Path(configured)
    if db_path is None:
        from digiskills.warehouse import store as warehouse
        db_path = warehouse.warehouse_path()
    return db_path.parent / "staging"


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


@contextmanager
def scratch(db_path: Path | None = None):
    """A private temporary folder inside the staging area (not the system's temp folder, which nobody
    cleans after a kill), removed on exit; clean_stale() removes it if this process is killed first."""
    base = root(db_path) if db_path or "root" not in _active else _active["root"]
    for attempt in range(3):  # another process may remove the (empty) area between the two calls
        try:
            path = Path(tempfile.mkdtemp(prefix=f"scratch-{os.getpid()}-", dir=_private_dir(base)))
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(OSError):
            base.rmdir()  # only if empty: an import leaves nothing behind, not even the folder


def download_file(suffix: str, db_path: Path | None = None) -> Path:
    """A new, empty file for a prepared download (download-<pid>-<random>.<suffix>), readable by its owner only."""
    base = _private_dir(root(db_path))
    path = base / f"download-{os.getpid()}-{secrets.token_hex(8)}.{suffix}"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


class Batch:
    """One upload batch: a private folder with its files, owned while its lock is held."""

    def __init__(self, path: Path, lock_fd: int | None = None):
        self.path = path
        self.lock_fd = lock_fd

    @property
    def id(self) -> str:
        return self.path.name

    @classmethod
    def create(cls, db_path: Path | None = None) -> "Batch":
        path = _private_dir(root(db_path)) / secrets.token_hex(8)
        path.mkdir(mode=0o700)
        fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return cls(path, fd)

    @classmethod
    def open(cls, batch_id: str, db_path: Path | None = None) -> "Batch":
        if not batch_id or Path(batch_id).name != batch_id or batch_id.startswith("."):
            raise ValueError(f"not a batch id: {batch_id!r}")
        return cls(root(db_path) / batch_id)

    def save(self, name: str, data: bytes) -> Path:
        """Writes one upload (its base name only: a name cannot leave the folder), readable by its owner only."""
        base = Path(name.replace("\\", "/")).name
        if base in ("", ".", "..", LOCK, STATUS):
            base = f"upload-{secrets.token_hex(4)}"
        path, n = self.path / base, 1
        while path.exists():  # two uploads of the same name: both are imported
            n += 1
            path = self.path / f"{n}-{base}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return path

    def uploads(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if p.name not in (LOCK, STATUS) and p.is_file())

    def write_status(self, **status) -> None:
        """Atomically (a reader never sees half a file)."""
        tmp = self.path / f".{STATUS}.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(status, out, ensure_ascii=False)
        os.replace(tmp, self.path / STATUS)

    def status(self) -> dict | None:
        try:
            return json.loads((self.path / STATUS).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def has_owner(self) -> bool:
        """Whether a live process (the page saving, or the worker) holds the batch's lock."""
        return _is_locked(self.path / LOCK)

    def remove_uploads(self) -> None:
        for path in self.path.iterdir():
            if path.name not in (LOCK, STATUS):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def release(self) -> None:
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None


def _is_locked(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the lock if we took it
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: gone for our purpose
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def clean_stale(db_path: Path | None = None, now: float | None = None) -> list[Path]:
    """Removes what killed or finished imports left behind; returns the paths removed. Safe to call any
    time: a batch with a live owner and a scratch folder of a live process are left alone."""
    base = root(db_path)
    if not base.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for path in base.iterdir():
        if path.name.startswith("scratch-"):
            pid = path.name.split("-")[1]
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
                removed.append(path)
            continue
        if path.name.startswith("download-") and path.is_file():
            pid = path.name.split("-")[1]
            try:
                expired = now - path.stat().st_mtime > DOWNLOAD_TTL_S
            except FileNotFoundError:  # its page removed it meanwhile
                continue
            if expired or not (pid.isdigit() and _alive(int(pid))):
                path.unlink(missing_ok=True)
                removed.append(path)
            continue
        if not path.is_dir():
            path.unlink(missing_ok=True)
            removed.append(path)
            continue
        batch = Batch(path)
        if batch.has_owner():
            continue
        left = batch.uploads()
        if left:
            batch.remove_uploads()
            removed += left
        # Kept for the page: the result of a finished import, for an hour. A 'running' status without an owner
        # is a killed worker's: nothing to show but that it stopped, which the page sees from the missing folder.
        status = batch.status() or {}
        status_file = path / STATUS
        if (status.get("state") not in ("done", "failed")
                or now - status_file.stat().st_mtime > RESULT_TTL_S):
            batch.discard()
            removed.append(path)
    return removed


_cleaned_at_start: list[bool] = []


def clean_at_start(db_path: Path | None = None) -> None:
    """Once per server process (the app's entry calls it on every run): clean_stale(), and the uploads older
    versions kept forever in clear under data/uploads/ (every one of them was imported; its checksum is in
    ingest_log)."""
    if _cleaned_at_start:
        return
    _cleaned_at_start.append(True)
    if db_path is None:
        from digiskills.warehouse import store as warehouse
        db_path = warehouse.warehouse_path()
    clean_stale(db_path)
    legacy = db_path.parent / "uploads"
    if legacy.is_dir():  # only the folders the old Data page made (named by time: 20250105-143000-123456)
        for folder in legacy.iterdir():
            if folder.is_dir() and re.fullmatch(r"\d{8}-\d{6}-\d{6}", folder.name):
                shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            legacy.rmdir()  # only if empty
