"""Collections: the list, a new one, and filing a community's stories in one."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from archive.collections import service as collections
from archive.collections.schemas import CollectionCreate
from archive.communities import service as communities
from archive.deps import SessionDep
from archive.domain.access import Viewer, can_curate_community
from archive.errors import ArchiveError
from archive.stories import editing
from archive.stories import service as stories
from archive.stories.schemas import StoryUpdate
from archive.web.curate.common import an_id, attempt, back, curator, render, required_id
from archive.web.errors import PageRoute
from archive.web.page import FormPageDep, PageDep

router = APIRouter(route_class=PageRoute)
STORIES_LISTED = 500


def _list(session: Session, viewer: Viewer) -> dict[str, Any]:
    return {
        "collections": collections.curated_collections(session, viewer),
        "communities": [
            c for c in communities.list_communities(session) if can_curate_community(viewer, c.id)
        ],
    }


@router.get("/collections", name="collections_page")
def collections_page(page: PageDep, session: SessionDep) -> Response:
    return render(page, "collections.html", **_list(session, curator(page)))


@router.post("/collections", name="collections_create")
def create_collection(
    page: FormPageDep,
    session: SessionDep,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    community_id: Annotated[str, Form()] = "",
) -> Response:
    viewer = curator(page)
    try:
        with attempt(session):
            data = CollectionCreate(
                title=title.strip(), description=description, community_id=an_id(community_id)
            )
            created = collections.create_collection(session, viewer, data=data, actor=page.actor)
    except (ArchiveError, ValidationError) as error:
        return render(page, "collections.html", error=error, **_list(session, viewer))
    return back(f"/collections/{created.id}", done="created")


def _one(session: Session, viewer: Viewer, *, collection_id: uuid.UUID) -> dict[str, Any]:
    collection = collections.get_collection(session, viewer, collection_id=collection_id)
    listed = stories.curated_stories(session, viewer, collection_id=None, limit=STORIES_LISTED)
    community = [s for s in listed if s.community_id == collection.community_id]
    return {
        "collection": collection,
        "filed": [s for s in community if s.collection_id == collection.id],
        "others": [s for s in community if s.collection_id != collection.id],
    }


@router.get("/collections/{collection_id}", name="collection_page")
def collection_page(collection_id: uuid.UUID, page: PageDep, session: SessionDep) -> Response:
    viewer = curator(page)
    return render(page, "collection.html", **_one(session, viewer, collection_id=collection_id))


@router.post("/collections/{collection_id}/stories", name="collection_add_story")
def add_story(
    collection_id: uuid.UUID,
    page: FormPageDep,
    session: SessionDep,
    story_id: Annotated[str, Form()] = "",
) -> Response:
    """Files a story of the collection's community in it: an edit of the story's
    `collection_id`, made on the story as it is at that moment."""
    viewer = curator(page)
    try:
        with attempt(session):
            collection = collections.get_collection(session, viewer, collection_id=collection_id)
            chosen = required_id(
                story_id, missing="Pick the story to add to the collection, then press “Add”."
            )
            story = stories.get_curated_story(session, viewer, story_id=chosen)
            editing.update_story(
                session,
                viewer,
                story_id=story.id,
                if_match=editing.etag(story.version),
                data=StoryUpdate(collection_id=collection.id),
                actor=page.actor,
            )
    except ArchiveError as error:
        context = _one(session, viewer, collection_id=collection_id)
        return render(page, "collection.html", error=error, **context)
    return back(f"/collections/{collection_id}", done="added")
