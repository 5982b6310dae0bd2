"""Helpers the tests share, imported as `tests.support.<module>`: local Slack, cluster and Azure stand-ins,
object builders, and small fakes of the ports."""
