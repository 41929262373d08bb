"""The notice before the voice and name of someone who has passed away."""

from archive.stories.metadata import content_warning


def test_no_one_to_warn_of() -> None:
    assert content_warning([]) is None


def test_one_narrator() -> None:
    assert content_warning(["Doña Rosa"]) == (
        "This story contains the voice and name of Doña Rosa, who has passed away."
    )


def test_several_narrators() -> None:
    assert content_warning(["Ana", "Ben"]) == (
        "This story contains the voices and names of Ana and Ben, who have passed away."
    )
    assert content_warning(["Ana", "Ben", "Cy"]) == (
        "This story contains the voices and names of Ana, Ben and Cy, who have passed away."
    )
