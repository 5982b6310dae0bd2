"""aksbot: Slack ChatOps for Kubernetes on Azure (AKS)."""

__version__ = "0.1.0"
