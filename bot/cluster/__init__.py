"""The Kubernetes side: typed views of cluster objects, the ports handlers use, and the adapter over the
official `kubernetes` client."""
