"""Rendering: each post, for each of its channels, becomes a `Variant`.

`postgen.render.variants.render_calendar` is the entry point; the pieces are
`markup` (markdown to each platform's text), `links` (UTM tracking),
`threads` (splitting), `richtext` (LinkedIn escaping, Bluesky facets),
`payloads` (each API's request bodies) and `media` (image facts).
"""
