"""
Versioned releases of the curated dataset: what `manage.py release_her2kb` publishes and /releases/ serves.

A release is a folder `RELEASES_DIR/<version>/` holding

- `her2kb-<version>.zip`: the dataset in the curated file format (`data/…/*.yaml`, exactly what
  `export_her2kb` writes and `load_her2kb` reads) with the data README and the known gaps (`data/missing/`), the same
  records as tidy tables (`tables/*.csv`, see release_files.py) with `data-dictionary.csv`, a JSON Schema of the
  records, `LICENSE` (CC BY 4.0), `CITATION.cff`, a README with the load command, `CHANGELOG.md`, `release.json`
  and `SHA256SUMS` of every other file;
- `manifest.json`: version, publication date, counts, the archive's SHA-256 checksum and size, a checksum of
  the dataset's content, and the changelog since the previous release.

The changelog compares records by natural key (reference PMID, target symbol, drug, product and diagnostic slug,
trial NCT number or slug, approval drug + agency + date + indication, label drug + agency, event drug + agency +
date + type + indication): added, changed (with the fields that changed) and removed. A record whose
natural key itself changed appears as removed and added, exactly as the loader would treat it.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import release_files
from .dataset import DEFAULT_DATA_DIR, RECORD_KINDS, dataset_records, dump_record, parse_yaml

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "her2kb-release/1"
KINDS = RECORD_KINDS
VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")


class ReleaseError(Exception):
    """A release that cannot be published (bad version, already exists, nothing changed)."""


@dataclass(frozen=True)
class Release:
    """One published release, as described by its manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def published_at(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.manifest["published_at"])

    @property
    def archive_path(self) -> Path:
        return self.path / self.manifest["archive"]["name"]

    @property
    def sha256(self) -> str:
        return self.manifest["archive"]["sha256"]

    @property
    def counts(self) -> dict[str, int]:
        return self.manifest["counts"]

    @property
    def changelog(self) -> dict[str, list[dict[str, Any]]]:
        return self.manifest["changelog"]

    def files(self) -> dict[str, dict]:
        """The release's records as {path relative to data/: record}, read back from its archive."""
        files = {}
        with zipfile.ZipFile(self.archive_path) as archive:
            prefix = f"{archive_root(self.version)}/data/"
            for name in archive.namelist():
                relative = name.removeprefix(prefix)
                if name.startswith(prefix) and relative.split("/")[0] in KINDS and name.endswith(".yaml"):
                    files[relative] = parse_yaml(archive.read(name))
        return files


def releases_dir() -> Path:
    return Path(settings.RELEASES_DIR)


def archive_root(version: str) -> str:
    return f"her2kb-{version}"


def list_releases(directory: Path | None = None) -> list[Release]:
    """Every published release, newest first. Folders without a readable manifest are not releases."""
    directory = directory or releases_dir()
    releases = []
    for child in directory.iterdir() if directory.is_dir() else []:
        manifest_path = child / MANIFEST_NAME
        if child.name.startswith(".") or not manifest_path.is_file():
            continue
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("format") == MANIFEST_FORMAT and (child / manifest["archive"]["name"]).is_file():
            releases.append(Release(child, manifest))
    return sorted(releases, key=lambda release: (release.published_at, release.version), reverse=True)


def latest_release(directory: Path | None = None) -> Release | None:
    releases = list_releases(directory)
    return releases[0] if releases else None


def get_release(version: str, directory: Path | None = None) -> Release | None:
    return next((release for release in list_releases(directory) if release.version == version), None)


# ---------------------------------------------------------------------------------------------
# Changelog
# ---------------------------------------------------------------------------------------------
def natural_key(relative: str, record: dict) -> tuple[str, str]:
    """(kind, key) naming a record the way the loader matches it."""
    kind = relative.split("/")[0]
    if kind == "references":
        return kind, str(record["pmid"])
    if kind == "targets":
        return kind, str(record["symbol"])
    if kind in ("drugs", "products", "diagnostics"):
        return kind, record["slug"]
    if kind == "trials":
        return kind, record.get("nct_id") or record["slug"]
    if kind == "approvals":
        return kind, f"{record['drug']} {record['agency']} {record['date']}: {record['indication']}"
    if kind == "labels":
        return kind, f"{record['drug']} {record['agency']}"
    if kind == "events":
        indication = f": {record['indication']}" if record.get("indication") else ""
        return kind, f"{record['drug']} {record['agency']} {record['date']} {record['event_type']}{indication}"
    raise ValueError(f"not a dataset record path: {relative}")


def changelog_between(old: dict[str, dict], new: dict[str, dict]) -> dict[str, list[dict[str, Any]]]:
    """Records added, changed (with the changed fields) and removed from `old` to `new`, by natural key."""
    old_index = {natural_key(relative, record): (relative, record) for relative, record in old.items()}
    new_index = {natural_key(relative, record): (relative, record) for relative, record in new.items()}

    def entry(key: tuple[str, str], relative: str, **extra: Any) -> dict[str, Any]:
        return {"kind": key[0], "key": key[1], "path": f"data/{relative}", **extra}

    added = [entry(key, new_index[key][0]) for key in sorted(new_index.keys() - old_index.keys())]
    removed = [entry(key, old_index[key][0]) for key in sorted(old_index.keys() - new_index.keys())]
    changed = []
    for key in sorted(new_index.keys() & old_index.keys()):
        (_, before), (relative, after) = old_index[key], new_index[key]
        fields = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        if fields:
            changed.append(entry(key, relative, fields=fields))
    return {"added": added, "changed": changed, "removed": removed}


def changelog_markdown(version: str, previous: str | None, changelog: dict[str, list[dict[str, Any]]]) -> str:
    lines = [f"# her2kb {version}", ""]
    lines.append(f"Changes since {previous}." if previous else "First release.")
    for section in ("added", "changed", "removed"):
        entries = changelog[section]
        lines += ["", f"## {section.capitalize()} ({len(entries)})", ""]
        for item in entries:
            fields = f" — {', '.join(item['fields'])}" if item.get("fields") else ""
            lines.append(f"- {item['kind']}: {item['key']}{fields}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------------------------
def _default_version(now: datetime.datetime, directory: Path) -> str:
    base = f"{now:%Y.%m.%d}"
    version, number = base, 1
    while (directory / version).exists():
        number += 1
        version = f"{base}.{number}"
    return version


def _counts(files: dict[str, dict]) -> dict[str, int]:
    counts = {kind: sum(1 for relative in files if relative.startswith(f"{kind}/")) for kind in KINDS}
    counts["outcomes"] = sum(
        len(record.get("outcomes") or []) for relative, record in files.items() if relative.startswith("trials/")
    )
    counts["warnings"] = sum(
        len(record.get("warnings") or []) for relative, record in files.items() if relative.startswith("labels/")
    )
    return counts


def _dataset_sha256(texts: dict[str, str]) -> str:
    """A checksum of the content alone (paths and texts), equal for two releases of identical data."""
    digest = hashlib.sha256()
    for relative in sorted(texts):
        digest.update(relative.encode() + b"\0" + texts[relative].encode() + b"\0")
    return digest.hexdigest()


def release_preview(directory: Path | None = None) -> tuple[Release | None, dict[str, list[dict[str, Any]]]]:
    """The latest release and what a release published now would list as changed since it."""
    previous = latest_release(directory)
    current = {relative: parse_yaml(dump_record(record)) for relative, record in dataset_records().items()}
    return previous, changelog_between(previous.files() if previous else {}, current)


def release_publish(
    *,
    version: str | None = None,
    published_by: str = "",
    directory: Path | None = None,
    allow_unchanged: bool = False,
    now: datetime.datetime | None = None,
) -> Release:
    """
    Export the database as a new versioned release with its manifest and changelog since the latest release.
    Refuses (ReleaseError) a malformed or existing version, and a release identical to the previous one unless
    `allow_unchanged`. The folder appears complete or not at all (written aside, then renamed into place).
    """
    directory = directory or releases_dir()
    directory.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    version = version or _default_version(now, directory)
    if not VERSION_RE.fullmatch(version) or version == "latest":
        raise ReleaseError(
            f"Version {version!r} is not allowed: use letters, digits, dots, hyphens and underscores (at most 40)."
        )
    if (directory / version).exists():
        raise ReleaseError(f"Release {version} already exists in {directory}.")

    files = dataset_records()
    texts = {relative: dump_record(record) for relative, record in files.items()}
    previous = latest_release(directory)
    # Compare what the files say (read back from YAML), so dates and numbers compare like with like.
    current = {relative: parse_yaml(text) for relative, text in texts.items()}
    changelog = changelog_between(previous.files() if previous else {}, current)
    dataset_sha256 = _dataset_sha256(texts)
    if previous and not allow_unchanged and previous.manifest.get("dataset_sha256") == dataset_sha256:
        raise ReleaseError(f"Nothing changed since release {previous.version}; no release published.")

    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "version": version,
        "published_at": now.isoformat(),
        "published_by": published_by,
        "previous_version": previous.version if previous else None,
        "dataset_sha256": dataset_sha256,
        "counts": _counts(current),
        "changelog": changelog,
    }
    archive_name = f"{archive_root(version)}.zip"
    archive_bytes = _build_archive(
        version, texts, current, manifest, changelog_markdown(version, manifest["previous_version"], changelog), now
    )
    manifest["archive"] = {
        "name": archive_name,
        "sha256": hashlib.sha256(archive_bytes).hexdigest(),
        "bytes": len(archive_bytes),
    }

    staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=directory))
    try:
        (staging / archive_name).write_bytes(archive_bytes)
        (staging / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        os.chmod(staging, 0o755)  # mkdtemp makes it private; the web server must read it
        try:
            staging.rename(directory / version)
        except OSError as error:
            raise ReleaseError(f"Release {version} could not be put in place: {error}") from error
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return Release(directory / version, manifest)


def _build_archive(
    version: str,
    texts: dict[str, str],
    records: dict[str, dict],
    manifest: dict,
    changelog: str,
    now: datetime.datetime,
) -> bytes:
    """The release zip: the curated files, and beside them the open-data files (release_files) and SHA256SUMS."""
    root = archive_root(version)
    # Fixed timestamps and order: the same data published at the same moment gives the same bytes.
    stamp = timezone.localtime(now, datetime.UTC).timetuple()[:6]
    entries = {f"data/{relative}": text for relative, text in sorted(texts.items())}
    readme = DEFAULT_DATA_DIR / "README.md"
    if readme.is_file():
        entries["data/README.md"] = readme.read_text(encoding="utf-8")
    # What is known to be missing travels with the data it is missing from.
    for gap in sorted((DEFAULT_DATA_DIR / "missing").glob("*.md")):
        entries[f"data/missing/{gap.name}"] = gap.read_text(encoding="utf-8")
    keys = {relative: natural_key(relative, record) for relative, record in records.items()}
    tables = release_files.release_tables(records, keys)
    for table in tables:
        entries[f"tables/{table.name}.csv"] = table.csv()
    entries["data-dictionary.csv"] = release_files.data_dictionary(tables)
    entries[f"{SCHEMA_NAME}"] = release_files.json_schema(records, keys, version)
    entries["LICENSE"] = LICENSE_TEXT
    entries["CITATION.cff"] = release_files.citation_cff(version, timezone.localtime(now, datetime.UTC).date())
    entries["README.md"] = release_readme(version)
    entries["CHANGELOG.md"] = changelog
    entries["release.json"] = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    checksums = {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in entries.items()}
    entries["SHA256SUMS"] = release_files.sha256sums(checksums)
    manifest["contents"] = {"tables": [table.name for table in tables], "files": len(entries)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            info = zipfile.ZipInfo(f"{root}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


SCHEMA_NAME = "her2kb.schema.json"
# CC BY 4.0: anyone may reuse, reshape and redistribute the data, commercially too, as long as they credit the source;
# the credit is what lets a reader trace a fact back to her2kb and from there to the agency or paper behind it.
LICENSE_TEXT = """\
The her2kb dataset (the files in data/ and tables/, and the schema and dictionary describing them) is licensed
under the Creative Commons Attribution 4.0 International License (CC BY 4.0).

You may share and adapt it for any purpose, including commercially, provided you give appropriate credit
(see CITATION.cff), provide a link to the licence, and indicate if changes were made.

Legal code: https://creativecommons.org/licenses/by/4.0/legalcode
Summary:    https://creativecommons.org/licenses/by/4.0/

The licence covers the compilation and what the curators wrote. Passages quoted from regulatory labels, agency
documents and publications, and the bibliographic data from PubMed, remain subject to their sources' terms; every
record names its sources.
"""


def release_readme(version: str) -> str:
    """The README at the top of a release: what is in it and the one command that loads it."""
    return f"""\
# her2kb {version}

The curated dataset of her2kb, a knowledge base of HER2-targeted cancer therapies.

- `data/` — one YAML file per record, every fact with its source (`data/README.md` describes the format);
  `data/missing/` lists what is known to be missing.
- `tables/` — the same records as tidy CSV tables, one per kind, plus link tables; `data-dictionary.csv` gives each
  column's type and meaning. Booleans are `true`/`false`, unknown values are empty, lists of texts are JSON arrays.
- `{SCHEMA_NAME}` — a JSON Schema (draft 2020-12) of the YAML records.
- `CHANGELOG.md`, `release.json` — what changed since the previous release, and this release's manifest.
- `LICENSE` (CC BY 4.0), `CITATION.cff`, `SHA256SUMS` (check with `sha256sum -c SHA256SUMS`).

## Loading it into her2kb

In a clone of the her2kb code (after `make install`, or any environment with its requirements), on a fresh or an
existing database:

```sh
python manage.py load_her2kb --data-dir her2kb-{version}/data
```

`load_her2kb` applies any pending migrations first, then upserts every record by its natural key in one
transaction: loading the same release twice changes nothing.
"""


def extract_release_data(release: Release, target: Path) -> Path:
    """Unpack a release's dataset under `target`; returns the folder `load_her2kb --data-dir` reads."""
    with zipfile.ZipFile(release.archive_path) as archive:
        prefix = f"{archive_root(release.version)}/data/"
        for name in archive.namelist():
            if not name.startswith(prefix) or name.endswith("/"):
                continue
            relative = Path(name.removeprefix(prefix))
            if relative.is_absolute() or ".." in relative.parts:
                continue  # never write outside target, whatever the archive says
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(name))
    return target
