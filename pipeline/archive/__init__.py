"""The archive and its runs: a crawl run's handle (``run``), one page into the archive (``ingest``), site leases
(``leases``), seed documents (``seeds``, ``seed_import``), re-extraction from stored HTML (``reextract``), exports
(``export``) and the site templates learned from archived pages (``site_templates``)."""
