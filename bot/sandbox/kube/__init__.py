"""A local Kubernetes API server that the real kubectl and the official Python client accept."""

from bot.sandbox.kube.errors import ApiError
from bot.sandbox.kube.server import AccessRule, KubeServer

__all__ = ["AccessRule", "ApiError", "KubeServer"]
