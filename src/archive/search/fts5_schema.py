"""The built-in index's SQLite schema, and the migrations from each earlier version.

The schema is written with `IF NOT EXISTS` throughout: running it after a version's migration
brings that file to exactly what a new file gets (tests compare the two).
"""

from __future__ import annotations

SCHEMA_VERSION = 6

# Tokenizer: `unicode61 remove_diacritics 2` folds case and accents in every script, so "Jose"
# finds "José", "nino" finds "niño" (and the reverse), and decomposed accents match composed
# ones. FTS5's porter tokenizer is left out on purpose: it would apply English suffix rules to
# every language in the archive (Spanish "mes" would match "me") and compare prefixes with
# stems. English stems are made in Python for English segments only (`analysis`) and stored in
# the second column, `stems`, which only a bare word of a query reads (`query`), so phrases and
# prefixes stay exact. `prefix='2 3'` keeps short prefix queries from scanning the term list.
# `tokens` and `token_count` are the document's words as this tokenizer reads them, for scoring
# (`fts5_scoring`).
TOKENIZE = "unicode61 remove_diacritics 2"
CREATE_TEXT = f"""CREATE VIRTUAL TABLE IF NOT EXISTS segment_text USING fts5(
    text, stems, tokenize = '{TOKENIZE}', prefix = '2 3'
);"""
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
    tokens TEXT NOT NULL DEFAULT '',
    token_count INTEGER NOT NULL DEFAULT 0,
    track TEXT NOT NULL DEFAULT 'original'
);
CREATE INDEX IF NOT EXISTS segment_meta_recording_id ON segment_meta (recording_id);
CREATE TABLE IF NOT EXISTS segment_terms (
    segment_rowid INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (segment_rowid, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS segment_terms_value ON segment_terms (field, value);
{CREATE_TEXT}
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

# Version 3 had no decade and no narrators or subjects (`segment_terms` is made by the schema
# itself); its documents read as stale, and are found by no narrator, subject or decade.
MIGRATE_FROM_3 = """
ALTER TABLE segment_meta ADD COLUMN decade INTEGER;
"""

# Version 4 had no word lists to score by (`fts5_scoring`); opening the file fills them in from
# each document's text, in the same transaction, so scores are right from the first search.
MIGRATE_FROM_4 = """
ALTER TABLE segment_meta ADD COLUMN tokens TEXT NOT NULL DEFAULT '';
ALTER TABLE segment_meta ADD COLUMN token_count INTEGER NOT NULL DEFAULT 0;
"""

# Version 5 had no track and no English stems. The text moves to a table with the `stems`
# column (an FTS5 table cannot gain a column); its documents read as stale (the fingerprint
# changed), and `archive reindex --repair` fills the stems and tracks in.
MIGRATE_FROM_5 = f"""
ALTER TABLE segment_meta ADD COLUMN track TEXT NOT NULL DEFAULT 'original';
ALTER TABLE segment_text RENAME TO segment_text_v5;
{CREATE_TEXT}
INSERT INTO segment_text (rowid, text, stems) SELECT rowid, text, '' FROM segment_text_v5;
DROP TABLE segment_text_v5;
"""

MIGRATIONS = {
    1: MIGRATE_FROM_1 + MIGRATE_FROM_2 + MIGRATE_FROM_3 + MIGRATE_FROM_4 + MIGRATE_FROM_5,
    2: MIGRATE_FROM_2 + MIGRATE_FROM_3 + MIGRATE_FROM_4 + MIGRATE_FROM_5,
    3: MIGRATE_FROM_3 + MIGRATE_FROM_4 + MIGRATE_FROM_5,
    4: MIGRATE_FROM_4 + MIGRATE_FROM_5,
    5: MIGRATE_FROM_5,
}
"""user_version -> the statements that bring a file of that version up to `SCHEMA` (which
runs after them, creating what is new)."""
