"""The web face: the ledger's pages and JSON in a browser, on the same use cases as the command line."""
