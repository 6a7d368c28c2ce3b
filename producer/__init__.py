"""Everything between an institution's file and queued work: reading, validation, dispatch, CLI."""
