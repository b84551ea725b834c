"""The files of an import: from a zip (uploaded) or a folder (the command line), as
(relative path, bytes), with the limits checked before anything is read in full.

A zip is never extracted to disk. Its entries' declared sizes are checked first (at most
MAX_FILES entries and MAX_TOTAL_BYTES in all), and each entry is then read only up to its
limit, so a zip that lies about its sizes (a zip bomb) is stopped too. Paths that could
point outside the import (absolute, `..`, a drive letter) are refused."""

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from helpline.knowledge.importing.plan import (
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_TOTAL_BYTES,
    MIB,
    ImportTooLarge,
    Problem,
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    # Relative, with "/" separators ("guides/refunds.md").
    path: str
    data: bytes


@dataclass(slots=True)
class Sources:
    files: list[SourceFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Files of another kind (a picture beside the markdown): left alone, and named.
    skipped: list[str] = field(default_factory=list)


class NotAnArchive(ValueError):
    pass


def _too_many() -> ImportTooLarge:
    return ImportTooLarge(f"An import holds at most {MAX_FILES} files.")


def _too_big() -> ImportTooLarge:
    return ImportTooLarge(
        f"An import holds at most {MAX_TOTAL_BYTES // MIB} MB of files once uncompressed."
    )


def file_too_big(path: str) -> Problem:
    return Problem(path, f"the file is larger than {MAX_FILE_BYTES // MIB} MB")


def _is_ignored(parts: tuple[str, ...]) -> bool:
    """Hidden files and folders, and what macOS adds to the zips it makes."""
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def safe_path(name: str) -> str | None:
    """`name` as a relative path inside the import, or None when it points elsewhere."""
    unified = name.replace("\\", "/")
    path = PurePosixPath(unified)
    if unified.startswith("/") or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        return None
    return "/".join(part for part in path.parts if part not in ("", "."))


def read_zip(data: bytes, *, wanted: tuple[str, ...]) -> Sources:
    """The files of the zip whose names end with one of `wanted` (".md"), and the problems
    of the entries that could not be read. NotAnArchive when `data` is not a zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise NotAnArchive(str(exc)) from exc
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_FILES:
            raise _too_many()
        if sum(info.file_size for info in entries) > MAX_TOTAL_BYTES:
            raise _too_big()
        found = Sources()
        read_total = 0
        for info in entries:
            path = safe_path(info.filename)
            if path is None:
                found.problems.append(Problem(info.filename, "the path points outside the import"))
                continue
            if _is_ignored(tuple(path.split("/"))):
                continue
            if not path.lower().endswith(wanted):
                found.skipped.append(path)
                continue
            if info.flag_bits & 0x1:
                found.problems.append(
                    Problem(path, "the file is encrypted: zip it without a password")
                )
                continue
            content = _read_entry(archive, info)
            if content is None:
                found.problems.append(file_too_big(path))
                continue
            read_total += len(content)
            if read_total > MAX_TOTAL_BYTES:
                raise _too_big()
            found.files.append(SourceFile(path, content))
    strip_common_folder(found)
    return found


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The entry's bytes, read no further than the limit whatever its header says; None
    when it is larger."""
    if info.file_size > MAX_FILE_BYTES:
        return None
    try:
        with archive.open(info) as entry:
            content = entry.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise NotAnArchive(f"{info.filename}: {exc}") from exc
    return None if len(content) > MAX_FILE_BYTES else content


def strip_common_folder(found: Sources) -> None:
    """Zipping a folder puts every file under its name ("kb/guides/a.md"): that folder is the
    import itself, not a collection, so it is taken off."""
    firsts = {f.path.split("/", 1)[0] for f in found.files}
    if len(firsts) != 1 or any("/" not in f.path for f in found.files):
        return
    prefix = firsts.pop() + "/"
    found.files = [SourceFile(f.path.removeprefix(prefix), f.data) for f in found.files]
    found.skipped = [path.removeprefix(prefix) for path in found.skipped]


def read_folder(root: Path, *, wanted: tuple[str, ...]) -> Sources:
    """The files under `root` whose names end with one of `wanted`. Symbolic links are not
    followed, so a folder cannot bring in files from elsewhere."""
    found = Sources()
    total = 0
    inside = root.resolve()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink() or not path.is_file() or _is_ignored(tuple(relative.split("/"))):
            continue
        # A folder reached through a symbolic link would be outside the import.
        if not path.resolve().is_relative_to(inside):
            continue
        if not relative.lower().endswith(wanted):
            found.skipped.append(relative)
            continue
        if len(found.files) + len(found.problems) >= MAX_FILES:
            raise _too_many()
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            found.problems.append(file_too_big(relative))
            continue
        total += size
        if total > MAX_TOTAL_BYTES:
            raise _too_big()
        found.files.append(SourceFile(relative, path.read_bytes()))
    return found
