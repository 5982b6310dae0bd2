"""The Slack surface: the Bolt app (slash command, mentions, DMs, buttons, the deny modal), its replies through the
Slack Web API, user groups from Slack, and `aksbot serve` (Socket Mode, or HTTP behind waitress).

Only this package (and the shell) knows a surface; handlers never import it. Every Slack payload becomes an
`Incoming` for the dispatcher, and every answer goes out through a `Responder` or the `Notifier` built here.
"""
