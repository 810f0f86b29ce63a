"""The Slack edge: Bolt in, Block Kit out, over the Web API at SLACK_API_URL."""

from adapters.slack.platform import SlackPlatform, build

__all__ = ["SlackPlatform", "build"]
