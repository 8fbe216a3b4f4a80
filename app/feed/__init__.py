"""The change feed: reads the ordered change log and fans views out to open sessions."""
