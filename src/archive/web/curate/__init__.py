"""The archivists' pages: review, story curation, the transcript editor, collections, upload
links and access requests. Each page calls the same services as the API, with the same access
decisions: someone not signed in is sent to sign in, someone who curates nothing is refused
(403), and anything outside the archivist's communities answers 404, as in the API."""

from __future__ import annotations

from fastapi import APIRouter

from archive.web.curate import access, collections, links, review, stories, transcripts

router = APIRouter(include_in_schema=False)
for _module in (review, stories, transcripts, collections, links, access):
    router.include_router(_module.router)
