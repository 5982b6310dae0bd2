"""Approval requests for disruptive commands: policy, the exactly-once state machine, the store and audit."""
