"""The composition root: settings, wiring, the web app, the CLI and the sandbox."""
