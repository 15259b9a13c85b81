"""Build-tag repos: the repo manager (kojira's part) and the repodata writer."""
