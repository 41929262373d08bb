"""The made-up words in `segment_text.tags` that let FTS5 itself narrow a search. Pure.

Each document carries a tag for every reason someone may see it (public, a community's
members, its community's archivists, its owner, a grant of its story, restricted with
protocols) and for the values most filters ask for (language, collection, decade, narrators).
Story and recording filters narrow by rowid instead (a recording's documents are written
together), and year, speaker and subject filters by their exact conditions alone: every tag
costs index space and writing time. A search adds the caller's tags to its MATCH
expression (`tags : (zpub OR zc... )`), so FTS5 intersects the word lists with the caller's
part of the index and can stop after a bounded number of matches: an anonymous search for a
word in most segments never visits the segments it could not show.

Tags only narrow: the exact conditions on `segment_meta` (`fts5_filters.scope_filter`,
`filters_sql`) are applied too, so a tag that two values share (a hash collision) can never
widen what a caller sees. The one exception is the total past the page's window, counted from
the tags alone where they decide exactly (`fts5_filters.tags_decide`): there a collision of two
48-bit hashes (about one chance in 50,000 for an archive of 100,000 stories) could add another
scope's matches to the count, never to the hits. Values are hashed into short hex words that
no tokenizer splits.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from archive.domain.access import SearchScope

PUBLIC = "zpub"
RESTRICTED_WITH_PROTOCOLS = "zrp"


def tag(kind: str, value: object) -> str:
    """`kind` (letters) followed by 12 hex digits of the value's hash."""
    text = str(value).casefold()
    return "z" + kind + hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def document_tags(
    *,
    access: str,
    available: bool,
    community_id: object | None,
    owner_id: object | None,
    story_id: object,
    protocols_required: int,
    language: str | None,
    collection_id: object | None,
    decade: int | None,
    year: int | None,
    narrators: Iterable[object],
) -> str:
    tags: list[str] = []
    if available:
        if access == "public":
            tags.append(PUBLIC)
        elif access == "community" and community_id is not None:
            tags.append(tag("c", community_id))
        elif access == "restricted" and protocols_required > 0:
            tags.append(RESTRICTED_WITH_PROTOCOLS)
        tags.append(tag("g", story_id))
    if community_id is not None:
        tags.append(tag("a", community_id))
    if owner_id is not None:
        tags.append(tag("o", owner_id))
    if language:
        tags.append(tag("l", language))
    if collection_id is not None:
        tags.append(tag("k", collection_id))
    # A year filter narrows by its decades: the year's decade is tagged too (it is the story's
    # decade whenever both come from its recorded date).
    decades = {decade, None if year is None else year // 10 * 10} - {None}
    tags.extend(tag("d", value) for value in sorted(decades, key=str))
    tags.extend(tag("n", narrator) for narrator in narrators)
    return " ".join(tags)


def scope_tags(scope: SearchScope) -> list[str] | None:
    """The tags of which a document the scope may see holds at least one; None for a scope that
    sees everything."""
    if scope.everything:
        return None
    found = [PUBLIC]
    found.extend(tag("c", community) for community in sorted(map(str, scope.member_of)))
    if scope.protocols:
        found.append(RESTRICTED_WITH_PROTOCOLS)
    found.extend(tag("g", story) for story in sorted(map(str, scope.granted_stories)))
    found.extend(tag("a", community) for community in sorted(map(str, scope.archivist_of)))
    if scope.owner_id is not None:
        found.append(tag("o", scope.owner_id))
    return found


def any_of(tags: Iterable[str]) -> str:
    """An FTS5 expression true for a document holding one of `tags` in its tags column."""
    return "tags : (" + " OR ".join(tags) + ")"


def uuid_text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
