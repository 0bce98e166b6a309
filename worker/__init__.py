"""Recognition pipeline (pure functions over page images) and the RQ jobs that wrap it."""
