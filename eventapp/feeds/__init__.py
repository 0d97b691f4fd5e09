"""Calendar feeds: one-event downloads, public feeds (all events, per theme) and personal feeds."""
