"""The built-in index's SQLite schema, and the migrations from each earlier version.

The schema is written with `IF NOT EXISTS` throughout: running it after a version's migration
brings that file to exactly what a new file gets (tests compare the two).
"""

from __future__ import annotations

SCHEMA_VERSION = 8

# Tokenizer: `unicode61 remove_diacritics 2` folds case and accents in every script, so "Jose"
# finds "José", "nino" finds "niño" (and the reverse), and decomposed accents match composed
# ones. FTS5's porter tokenizer is left out on purpose: it would apply English suffix rules to
# every language in the archive (Spanish "mes" would match "me") and compare prefixes with
# stems. English stems are made in Python for English segments only (`analysis`) and stored in
# the second column, `stems`, which only a bare word of a query reads (`analysis.fts5_match`),
# so phrases and prefixes stay exact. `prefix='2 3'` keeps short prefix queries from scanning
# the whole term list. `columnsize=0`: no table of document lengths, which only bm25 reads
# (scores are the document's own).
# `segment_text.tags` holds made-up words for who may see the document and for the values the
# filters match (`fts5_tags`): a search adds the caller's scope and filters to its MATCH
# expression as tags, so FTS5 itself reads only that part of the index, and stops early when
# a bounded number of matches is enough. The exact conditions on `segment_meta` still apply.
TOKENIZE = "unicode61 remove_diacritics 2"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS segment_meta (
    rowid INTEGER PRIMARY KEY,
    segment_id TEXT NOT NULL UNIQUE,
    recording_id TEXT NOT NULL,
    story_id TEXT NOT NULL,
    transcript_id TEXT NOT NULL,
    start_seconds REAL NOT NULL,
    end_seconds REAL NOT NULL,
    language TEXT,
    story_title TEXT NOT NULL,
    access TEXT NOT NULL,
    owner_id TEXT,
    collection_id TEXT,
    fingerprint TEXT NOT NULL DEFAULT '',
    community_id TEXT,
    protocol_ids TEXT NOT NULL DEFAULT '',
    protocols_required INTEGER NOT NULL DEFAULT 0,
    available INTEGER NOT NULL DEFAULT 1,
    decade INTEGER,
    year INTEGER,
    speaker TEXT,
    track TEXT NOT NULL DEFAULT 'original'
);
CREATE INDEX IF NOT EXISTS segment_meta_recording_id ON segment_meta (recording_id);
CREATE INDEX IF NOT EXISTS segment_meta_story_id ON segment_meta (story_id);
CREATE TABLE IF NOT EXISTS recording_terms (
    recording_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (recording_id, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS recording_terms_value ON recording_terms (field, value);
CREATE VIRTUAL TABLE IF NOT EXISTS segment_text USING fts5(
    text, stems, tags, tokenize = '{TOKENIZE}', prefix = '2 3', columnsize = 0
);
PRAGMA user_version = {SCHEMA_VERSION};
"""

# Version 1 had neither the collection nor the fingerprint. Its documents read as stale
# (empty fingerprint) until `archive reindex --repair` writes them again; search goes on.
MIGRATE_FROM_1 = """
ALTER TABLE segment_meta ADD COLUMN collection_id TEXT;
ALTER TABLE segment_meta ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
"""

# Version 2 had no community, protocols or availability; its documents read as stale.
MIGRATE_FROM_2 = """
ALTER TABLE segment_meta ADD COLUMN community_id TEXT;
ALTER TABLE segment_meta ADD COLUMN protocol_ids TEXT NOT NULL DEFAULT '';
ALTER TABLE segment_meta ADD COLUMN protocols_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE segment_meta ADD COLUMN available INTEGER NOT NULL DEFAULT 1;
"""

# Version 3 had no decade and no narrators or subjects (the terms table is made by the schema
# itself); its documents read as stale, and are found by no narrator, subject or decade.
MIGRATE_FROM_3 = """
ALTER TABLE segment_meta ADD COLUMN decade INTEGER;
"""

# Versions up to 5 had no tags column in `segment_text`, and up to 6 no stems column (a virtual
# table cannot gain one), and version 5 kept each document's words in `segment_meta` for
# scoring. The old text table is renamed out of the way; opening the file copies its text,
# with the stems and the tags made from `segment_meta`, into the new one (`fts5._retag`), in
# the same transaction.
MIGRATE_TEXT = """
ALTER TABLE segment_text RENAME TO segment_text_old;
"""

# Versions up to 5 had no year or speaker: their documents read as stale.
MIGRATE_YEAR = """
ALTER TABLE segment_meta ADD COLUMN year INTEGER;
ALTER TABLE segment_meta ADD COLUMN speaker TEXT;
"""

MIGRATE_FROM_5 = """
ALTER TABLE segment_meta DROP COLUMN tokens;
ALTER TABLE segment_meta DROP COLUMN token_count;
"""

# Versions up to 6 had no track (every document was of the original transcript) and no
# English stems: the text table is made again (`MIGRATE_TEXT`), and opening the file fills in
# the stems with the tags. Their documents read as stale (the fingerprint changed) until
# `archive reindex --repair` writes them again.
MIGRATE_TRACK = """
ALTER TABLE segment_meta ADD COLUMN track TEXT NOT NULL DEFAULT 'original';
"""

MIGRATIONS = {
    1: MIGRATE_FROM_1
    + MIGRATE_FROM_2
    + MIGRATE_FROM_3
    + MIGRATE_YEAR
    + MIGRATE_TRACK
    + MIGRATE_TEXT,
    2: MIGRATE_FROM_2 + MIGRATE_FROM_3 + MIGRATE_YEAR + MIGRATE_TRACK + MIGRATE_TEXT,
    3: MIGRATE_FROM_3 + MIGRATE_YEAR + MIGRATE_TRACK + MIGRATE_TEXT,
    4: MIGRATE_YEAR + MIGRATE_TRACK + MIGRATE_TEXT,
    5: MIGRATE_FROM_5 + MIGRATE_YEAR + MIGRATE_TRACK + MIGRATE_TEXT,
    6: MIGRATE_TRACK + MIGRATE_TEXT,
    7: "",
}
"""user_version -> the statements that bring a file of that version up to `SCHEMA` (which
runs after them, creating what is new). Versions 4 to 7 kept narrators and subjects per
segment (`segment_terms`); opening such a file moves them to their recordings
(`fts5_writing.move_terms`)."""

RETAGGED = frozenset({1, 2, 3, 4, 5, 6})
"""The versions whose text table is made again (`MIGRATE_TEXT`, then `fts5_writing.retag`)."""


def statements(script: str) -> list[str]:
    """A script as single statements (no string in the schema holds a ';'), for running
    inside a transaction of ours: `executescript` would commit it first."""
    return [statement.strip() for statement in script.split(";") if statement.strip()]
