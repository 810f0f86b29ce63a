"""The Microsoft Teams edge: Bot Framework activities in, Adaptive Cards out."""
