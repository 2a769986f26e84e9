"""webchat's load generator and benchmark: `python -m bench --help`, docs/performance.md."""
