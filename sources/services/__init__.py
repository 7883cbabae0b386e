"""One folder per service: each exports `DEFINITION` from its `service` module (see `sources.definition`).

The registry (`sources/registry.py`) lists this folder: a new folder here is a new service, connected when an
authority's configuration has a `[[sources]]` table for it. docs/adding-a-source.md says what goes in a folder.
"""
