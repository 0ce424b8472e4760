"""Notes and reviews read and normalised: a crawl's notes (API v1 or v2) as `Paper` records, review fields to roles
per venue, decisions and rating scales, text hygiene and folding; shared by the build and the importers."""
