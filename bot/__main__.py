"""``python -m bot``: the same as ``carenudge``."""

from bot.cli import main

raise SystemExit(main())
