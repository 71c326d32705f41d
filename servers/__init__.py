"""The local servers the tests and benchmarks start on 127.0.0.1 — FerretDB (the build of
``scripts/build_ferretdb.sh``) and Redis (Debian's ``redis-server``) — with the process helper
they share. Not part of the shipped package: a deployment runs its own MongoDB and Redis."""
