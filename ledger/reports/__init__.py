"""Reports: the projections of one `(as_of, known_at)` pair as a Markdown or HTML document, with charts."""
