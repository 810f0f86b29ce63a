"""The terminal edge, for the sandbox: typed lines in, plain-text cards out."""
