"""Reports: per-call JSON (and later batch summaries)."""
