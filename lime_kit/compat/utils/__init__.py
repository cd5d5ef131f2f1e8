"""lime's ``lime.utils`` package (see :mod:`.generic_utils`)."""
