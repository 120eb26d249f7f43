"""The demo province: a simulation of the teams' work (world), its exports in the province's formats (exports),
and the build that loads them through the real ingest (builder). May import: text, reference, privacy, warehouse,
ingest."""
