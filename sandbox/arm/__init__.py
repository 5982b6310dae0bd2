"""A local ARM server (AKS resource provider plus token authority) over HTTPS, for tests and the demo."""

from sandbox.arm.server import SECRET_ENV_PREFIX, ArmServer, Fault

__all__ = ["SECRET_ENV_PREFIX", "ArmServer", "Fault"]
