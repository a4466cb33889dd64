"""`humanllm fetch corpus blogs [dest]`: the Blog Authorship Corpus (Koppel et al., 2004) as its XML files.

The official blogs.zip first, then a public GitHub copy of its blogs/ folder; or a zip or folder the user
already has (`--from PATH`). Whatever the source, the extracted set must match the pin: 19,320 files and
one sha256 over the sorted (name, bytes) of every `id.gender.age.industry.sign.xml` in it, computed from
a copy of the official release. A folder that exists at `dest` is verified, never overwritten.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from humanllm.data.loaders.blogger import FILENAME

TIMEOUT_S = 60
DEFAULT_DEST = "data/raw/blogs"  # where conf/experiment/real_blogs.yaml reads it
BLOGS_URLS = (
    "https://u.cs.biu.ac.il/~koppel/blogs/blogs.zip",  # the corpus page: u.cs.biu.ac.il/~koppel/BlogCorpus.htm
    # a public repository that holds the release's blogs/ folder, at a fixed commit
    "https://github.com/muhwagua/color-bert/archive/8db0aa36e484494531f03bca15e8cc280020b9ff.zip",
)


@dataclass(frozen=True)
class Pin:
    files: int
    sha256: str


BLOGS_PIN = Pin(files=19_320, sha256="65a33002c23205f10bb9100c8e3f45787e88bad78227196c6645ece574f7c696")


class CorpusFetchError(RuntimeError):
    """The corpus could not be had or did not match its pin; the CLI prints the message and exits 1."""

    exit_code = 1


def fileset_digest(files: Iterable[tuple[str, bytes]]) -> str:
    """sha256 over (name, bytes) pairs in name order: name, NUL, 8-byte length, then the bytes."""
    h = hashlib.sha256()
    for name, data in sorted(files, key=lambda f: f[0]):
        h.update(name.encode("utf-8") + b"\0" + len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if FILENAME.match(p.name) and p.is_file())


def folder_pin(folder: Path) -> Pin:
    """The pin of a folder's corpus files (read one at a time)."""
    files = _corpus_files(folder)
    return Pin(len(files), fileset_digest((p.name, p.read_bytes()) for p in files))


def _check(found: Pin, pin: Pin, where: str) -> None:
    if found != pin:
        raise CorpusFetchError(
            f"{where}: {found.files} corpus files with sha256 {found.sha256}, but the Blog "
            f"Authorship Corpus is {pin.files} files with sha256 {pin.sha256} "
            "(a different or partial copy)"
        )


def _zip_members(zf: zipfile.ZipFile, where: str) -> Iterator[tuple[zipfile.ZipInfo, str]]:
    """The corpus files of a zip (any folder depth; macOS resource forks and other files skipped)."""
    seen: set[str] = set()
    for info in zf.infolist():
        name = Path(info.filename).name
        if info.is_dir() or "__MACOSX" in info.filename or not FILENAME.match(name):
            continue
        if name in seen:
            raise CorpusFetchError(f"{where}: two members named {name}")
        seen.add(name)
        yield info, name


def _extract(zip_path: Path, out: Path, pin: Pin, where: str) -> None:
    """Extract the corpus files of `zip_path` into `out` and check them against the pin."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            members = list(_zip_members(zf, where))
            for info, name in members:
                (out / name).write_bytes(zf.read(info))
    except zipfile.BadZipFile as e:
        raise CorpusFetchError(f"{where}: not a zip file ({e})") from None
    _check(folder_pin(out), pin, where)


def _download(url: str, to: Path) -> None:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp, open(to, "wb") as fh:
        shutil.copyfileobj(resp, fh, 1 << 20)


def _publish(dest: Path, fill) -> Path:
    """Fill a temporary folder beside `dest`, then rename it to `dest` (a folder that exists is complete)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}."))
    try:
        fill(tmp)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _from_local(source: Path, dest: Path, pin: Pin) -> Path:
    if source.is_dir():
        _check(folder_pin(source), pin, str(source))
        if source.resolve() == dest.resolve():
            return dest

        def copy(tmp: Path) -> None:
            for p in _corpus_files(source):
                shutil.copyfile(p, tmp / p.name)

        return _publish(dest, copy)
    if source.is_file():
        return _publish(dest, lambda tmp: _extract(source, tmp, pin, str(source)))
    raise CorpusFetchError(f"--from {source}: no such zip file or folder")


def _from_urls(dest: Path, pin: Pin, urls: tuple[str, ...]) -> Path:
    errors: list[str] = []
    for url in urls:
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".blogs-zip.") as work:
            archive = Path(work) / "blogs.zip"
            try:
                _download(url, archive)
                return _publish(dest, lambda tmp: _extract(archive, tmp, pin, url))  # noqa: B023 (called here)
            except (urllib.error.URLError, OSError, ValueError) as e:
                errors.append(f"{url}: {type(e).__name__}: {e}")
            except CorpusFetchError as e:
                errors.append(str(e))
    raise CorpusFetchError(
        "could not download the Blog Authorship Corpus:\n  " + "\n  ".join(errors) + "\nThis needs internet "
        f"access. Offline, get blogs.zip (u.cs.biu.ac.il/~koppel/BlogCorpus.htm) elsewhere and run `humanllm fetch "
        f"corpus blogs {dest} --from blogs.zip` (a zip or its unpacked folder; checked against the same sha256)."
    )


def fetch_blogs(
    dest: str | Path = DEFAULT_DEST,
    source: str | Path | None = None,
    pin: Pin = BLOGS_PIN,
    urls: tuple[str, ...] | None = None,
) -> Path:
    """The corpus's XML files in `dest`, verified against `pin`: from `source` (a zip or folder) when given,
    else downloaded from `urls` (default BLOGS_URLS) in turn. An existing `dest` is verified and kept."""
    dest = Path(dest).expanduser()
    if dest.is_dir() and (source is None or Path(source).resolve() != dest.resolve()):
        _check(folder_pin(dest), pin, str(dest))
        return dest
    if source is not None:
        return _from_local(Path(source).expanduser(), dest, pin)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return _from_urls(dest, pin, BLOGS_URLS if urls is None else urls)


CORPORA = ("blogs",)


def fetch_corpus_command(name: str, rest: list[str], source: str | None) -> int:
    """`humanllm fetch corpus <name> [dest] [--from PATH]`."""
    if name not in CORPORA:
        raise ValueError(f"fetch corpus: unknown corpus {name!r} (known: {', '.join(CORPORA)})")
    if len(rest) > 1:
        raise ValueError(f"fetch corpus {name}: one destination folder, got {rest}")
    dest = fetch_blogs(rest[0] if rest else DEFAULT_DEST, source)
    print(f"Blog Authorship Corpus: {BLOGS_PIN.files} files in {dest}, sha256 {BLOGS_PIN.sha256} (verified)")
    if Path(dest) != Path(DEFAULT_DEST):
        print(f"use it with: humanllm table real_blogs 'data.sources.blogger.files=[{dest}/*0.[fm]*.xml]'")
    return 0
