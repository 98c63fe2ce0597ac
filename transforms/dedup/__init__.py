"""Dedup stage: MinHash signatures, LSH banding, verification, clustering, keep rule."""
