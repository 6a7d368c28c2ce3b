"""The batch operations (docs/design.md §8): the CLI, the HTTP API and the web page are adapters over these."""
