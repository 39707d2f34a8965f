"""`manage.py release_her2kb`: publish the database as a versioned, checksummed release with a changelog."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from curation.releases import ReleaseError, release_publish

PUBLISH_PERMISSION = "drugs.publish_release"


class Command(BaseCommand):
    help = (
        "Export the dataset (same format as data/) into RELEASES_DIR/<version>/: a .zip, and a manifest.json with "
        "version, date, SHA-256 checksum, counts and the changelog since the previous release."
    )

    def add_arguments(self, parser):
        parser.add_argument("--release-version", dest="version", help="Version name (default: today, YYYY.MM.DD).")
        parser.add_argument(
            "--user", help="Publish as this account, which must be an Editor or superuser; recorded in the manifest."
        )
        parser.add_argument("--releases-dir", type=Path, default=None, help="Where releases live (RELEASES_DIR).")
        parser.add_argument(
            "--allow-unchanged", action="store_true", help="Publish even if nothing changed since the last release."
        )

    def handle(self, *args, version=None, user=None, releases_dir=None, allow_unchanged=False, **options):
        published_by = ""
        if user:
            account = get_user_model().objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"No active account named {user!r}.")
            if not account.has_perm(PUBLISH_PERMISSION):
                raise CommandError(f"{user} may not publish releases: only Editors and superusers may.")
            published_by = account.get_username()
        try:
            release = release_publish(
                version=version,
                published_by=published_by,
                directory=releases_dir,
                allow_unchanged=allow_unchanged,
            )
        except ReleaseError as error:
            raise CommandError(str(error)) from error
        changelog = release.changelog
        self.stdout.write(f"Release {release.version} in {release.path}")
        self.stdout.write(f"  archive  {release.archive_path.name}  sha256 {release.sha256}")
        self.stdout.write("  counts   " + ", ".join(f"{kind} {count}" for kind, count in release.counts.items()))
        self.stdout.write(
            f"  changes since {release.manifest['previous_version'] or 'nothing (first release)'}: "
            f"{len(changelog['added'])} added, {len(changelog['changed'])} changed, {len(changelog['removed'])} removed"
        )
        self.stdout.write(self.style.SUCCESS(f"Published {release.version}; the site now offers it at /releases/."))
