-- A catalog people can rely on.
-- Institutions gain a profile: what they do for people, address, hours, phone, email and the
-- information office (Oficial de Información, Ley de Acceso a la Información Pública), as one JSON
-- object validated by store/catalog/reference.ts. The seed fills it only where it is still empty:
-- what an admin wrote is never overwritten.
ALTER TABLE institutions ADD COLUMN profile TEXT;

-- When a person last checked an entry's facts (apart from `updated_at`, its last content change),
-- copied from the document for the workspace's and the transparency page's «not verified for 180 days».
ALTER TABLE procedures ADD COLUMN verified_at TEXT;
UPDATE procedures SET verified_at = json_extract(document, '$.verified_at');

-- The row's identifier in the bulk export it came from: later imports match it, whatever its slug.
ALTER TABLE procedures ADD COLUMN source_id TEXT;
UPDATE procedures SET source_id = json_extract(document, '$.source_id');
CREATE UNIQUE INDEX procedures_by_source_id ON procedures (source_id) WHERE source_id IS NOT NULL;

-- A bulk import proposes changes to published entries without publishing them: the proposal waits
-- here, validated, until an officer of the institution publishes or discards it. New entries of
-- such an import are whole drafts (status 'draft', never public nor searchable).
ALTER TABLE procedures ADD COLUMN pending_document TEXT;
ALTER TABLE procedures ADD COLUMN pending_source TEXT;
ALTER TABLE procedures ADD COLUMN pending_at TEXT;
CREATE INDEX procedures_pending ON procedures (institution_id) WHERE pending_document IS NOT NULL OR status = 'draft';
