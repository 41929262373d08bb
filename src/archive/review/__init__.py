"""The review workflow: the queue of submitted stories, and archivists' decisions on them."""
