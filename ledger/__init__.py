"""dipledger's application side: use cases, storage, projections, import/export and the CLI."""
