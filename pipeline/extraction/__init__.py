"""Extraction: one page's HTML into an article (title, date, authors, attribution, text), with no database.

``extract`` orders the work; ``decode`` reads the bytes, ``page_tree`` reshapes the page, ``headline``,
``page_authors`` + ``bylines`` and ``date_sources`` + ``dates`` decide the fields, ``boilerplate`` and ``template``
(the blocks learned per site) take chrome out of the text. ``prepare`` is a page's whole per-page work (decode,
extract, hash, fingerprint, compress) as a worker process runs it, and ``worker`` the pool of those processes.
"""
