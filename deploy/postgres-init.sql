-- Run by the postgres image once, on an empty data volume (deploy/compose.yaml): the databases beside
-- POSTGRES_DB (tracker), one per store, as make run-scaled and the Kubernetes manifests expect.
CREATE DATABASE kb;
CREATE DATABASE casework;
CREATE DATABASE staff;
