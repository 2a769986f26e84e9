"""Attachments' bytes: where they are kept (the data directory or an S3-compatible
store), what they are (detected from the bytes), and the signed links that serve them."""
