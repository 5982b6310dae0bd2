"""Alerts into incident channels: the foundations.

`model` is the one alert shape for the three sources (Alertmanager, Azure Monitor, the bot's own watcher);
`alertmanager` and `azure_monitor` turn their webhook bodies into it; `clusters` says which configured cluster an
external alert is about; `runbooks` picks the knowledge-base entry; `settings` and `routing` say which channel it
goes to; `store` keeps its state, history and the Slack work still to do; `intake` is the webhook endpoint.

Nothing here talks to Slack: the alert message, its buttons and the posting loop live with the Slack surface.
This package's `__init__` imports nothing, so `bot.settings` can import `bot.alerts.settings` without a cycle.
"""
