"""People: narrators, interviewers, translators, and their parts in stories."""
