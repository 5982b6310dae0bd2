"""Diagnosis rules: pure functions from cluster objects (nodes, leases, pods, events, PDBs, deployments, the AKS
cluster) to `Finding`s that cite the knowledge-base entry explaining them.

Nothing here performs I/O: `handlers.diagnose` reads the cluster once per kind and hands the objects to these
rules, so the same rules serve `diagnose node|pod|cluster` and `health`, and tests feed them plain objects.
"""
