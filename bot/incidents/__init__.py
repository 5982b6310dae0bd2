"""Incident channels: declare an incident from Slack, gather the responders, keep the timeline, close it.

- `model`: the incident record, its severities and states, timeline entries, the channel's name;
- `store`: the record and its timeline in the approvals database (SQLite or PostgreSQL), changed by
  compare-and-set so any replica can serve a command or a reaction event;
- `ports`: what incidents need of the chat workspace beyond posting (create a channel, invite, topic, pins,
  bookmarks, archive, read a message) and what handlers call (`Incidents`);
- `alerts`: the seams the alerts work implements (the "Open incident" button, firing alerts for the snapshot,
  a link in the alert's thread, alert events on the timeline);
- `timeline`: one ordered timeline from the record's entries, the approval trail of the channel and the alerts;
- `views`: what incidents look like (the snapshot, the card, the timeline, the summary, the export);
- `service`: `IncidentDesk`, which does it all and cleans up after itself when a declaration fails half-way.

Nothing here imports Slack: `bot.slack.workspace` and the shell implement the workspace port.
"""
