"""A local Kubernetes API server that the real kubectl and the official Python client accept."""

from sandbox.kube.errors import ApiError
from sandbox.kube.server import AccessRule, KubeServer

__all__ = ["AccessRule", "ApiError", "KubeServer"]
