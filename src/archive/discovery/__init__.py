"""Finding stories by what is said in them: the search API (`endpoints`, `service`), and
keeping the index equal to the database (`indexing` decides what it should hold, `tasks` is
the index job, `updates` writes a change right after its commit, `reindex` checks and repairs
a whole index).

It reads stories, recordings, transcripts and their restrictions, so it sits above them;
`archive.search` below is the `SearchIndex` port and its backends, which the jobs and the
features can use without reaching back up here.
"""
