"""English stems are right when many searches stem words at once (the server answers searches
on a pool of threads)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from archive.search.analysis import english_stem

WORDS = ["carried", "grandmothers", "remembering", "harbours", "dancing", "festivals"] * 400


def test_stems_stay_right_across_threads() -> None:
    expected = [english_stem(word) for word in WORDS]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            assert list(pool.map(english_stem, WORDS)) == expected
