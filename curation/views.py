"""Downloading dataset releases: a page listing them, file downloads, and the API's pointer to the latest."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.generic import TemplateView
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from her2kb.api.errors import PROBLEM_MEDIA_TYPE, ErrorSerializer, problem
from her2kb.links import site_url

from .dataset import RECORD_KINDS
from .releases import MANIFEST_NAME, Release, get_release, latest_release, list_releases


class ReleaseListView(TemplateView):
    """Every published release, newest first, with its checksum and changelog. Reads files, not the database."""

    template_name = "releases/release_list.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "releases": list_releases()}


def _download(release: Release | None) -> FileResponse:
    if release is None:
        raise Http404("No release has been published yet.")
    response = FileResponse(
        release.archive_path.open("rb"),
        as_attachment=True,
        filename=release.archive_path.name,
        content_type="application/zip",
    )
    response["Digest"] = f"sha-256={release.sha256}"
    return response


def release_latest_download(request: HttpRequest) -> FileResponse:
    """The newest release's archive."""
    return _download(latest_release())


def release_download(request: HttpRequest, version: str) -> FileResponse:
    """One release's archive, by version."""
    return _download(get_release(version))


def release_manifest(request: HttpRequest, version: str) -> HttpResponse:
    """One release's manifest.json (version, date, checksum, counts, changelog)."""
    release = get_release(version)
    if release is None:
        raise Http404(f"No release {version}.")
    return FileResponse(release.path.joinpath(MANIFEST_NAME).open("rb"), content_type="application/json")


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------
class ChangelogEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(RECORD_KINDS))
    key = serializers.CharField(help_text="The record's natural key: PMID, drug slug, NCT number or slug, approval.")
    path = serializers.CharField(help_text="The record's file inside the archive's data/ folder.")
    fields = serializers.ListField(child=serializers.CharField(), required=False, help_text="Changed records only.")


class ChangelogSerializer(serializers.Serializer):
    added = ChangelogEntrySerializer(many=True)
    changed = ChangelogEntrySerializer(many=True)
    removed = ChangelogEntrySerializer(many=True)


class ReleaseSerializer(serializers.Serializer):
    version = serializers.CharField()
    published_at = serializers.DateTimeField()
    previous_version = serializers.CharField(allow_null=True)
    download_url = serializers.URLField(help_text="The release archive (.zip) in the curated file format.")
    sha256 = serializers.CharField(help_text="SHA-256 of the archive.")
    bytes = serializers.IntegerField(help_text="Size of the archive.")
    dataset_sha256 = serializers.CharField(help_text="SHA-256 of the dataset's content, equal across identical data.")
    counts = serializers.DictField(child=serializers.IntegerField())
    changelog = ChangelogSerializer()
    manifest_url = serializers.URLField(help_text="The release's manifest.json.")
    manifest = serializers.DictField(help_text="The manifest itself (manifest.json), with the archive's contents.")

    class Meta:
        ref_name = "Release"


def _release_data(release: Release, request: Request) -> dict:
    manifest = release.manifest
    return {
        **{name: manifest[name] for name in ("version", "published_at", "previous_version", "dataset_sha256")},
        "counts": release.counts,
        "changelog": release.changelog,
        "download_url": site_url(reverse("releases:release_download", args=[release.version])),
        "manifest_url": site_url(reverse("releases:release_manifest", args=[release.version])),
        "sha256": release.sha256,
        "bytes": manifest["archive"]["bytes"],
        "manifest": manifest,
    }


class LatestReleaseView(APIView):
    """The latest published release of the whole dataset: version, date, checksum, counts, the changelog since
    the previous release, its manifest, and the URL to download it (a .zip of the curated YAML files with the same
    records as CSV tables, a JSON Schema, a data dictionary, licence, citation file and checksums)."""

    renderer_classes = [renderers.JSONRenderer]

    @extend_schema(
        responses={
            200: ReleaseSerializer,
            (404, PROBLEM_MEDIA_TYPE): OpenApiResponse(ErrorSerializer, description="No release yet."),
        }
    )
    def get(self, request: Request) -> Response:
        release = latest_release()
        if release is None:
            return Response(
                problem(404, "No release has been published yet."), status=404, content_type=PROBLEM_MEDIA_TYPE
            )
        return Response(ReleaseSerializer(_release_data(release, request)).data)


class ReleaseListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ReleaseSerializer(many=True)

    class Meta:
        ref_name = "ReleaseList"


class ReleaseApiListView(APIView):
    """Every published release, newest first, each with its manifest (reads the release folders, not the
    database; there are few, so the list is not paginated)."""

    renderer_classes = [renderers.JSONRenderer]

    @extend_schema(responses={200: ReleaseListSerializer})
    def get(self, request: Request) -> Response:
        releases = [_release_data(release, request) for release in list_releases()]
        return Response(ReleaseListSerializer({"count": len(releases), "results": releases}).data)
