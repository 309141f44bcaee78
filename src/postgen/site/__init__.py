"""The approval site: what the client reads, built by MkDocs through the plugin."""
