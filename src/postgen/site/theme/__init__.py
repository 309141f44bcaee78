"""The MkDocs theme `postgen`: hand-written calendar/ pages in the site's own look."""
