"""What analysts read off the store: the report, search, exports to files and the review of
alerts. Store reads and text only; the CLI and the web workspace are built on it."""
