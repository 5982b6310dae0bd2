"""The Azure side: credentials per cloud, the AKS resource provider client, SNAT and upgrade arithmetic."""
