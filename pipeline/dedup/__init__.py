"""Deduplication: exact duplicates (``decide``: same URL, same text) and near-duplicates (``neardup``: shingles and
MinHash; ``clusters``: the LSH index in the database and the story each document belongs to; ``cluster_report``)."""
