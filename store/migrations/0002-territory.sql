-- El Salvador after the 2024 reorganisation: 14 departments, 44 municipalities, 262 districts
-- (the former municipalities). Used for offices now and for report locations later.
CREATE TABLE departments (
  code  TEXT PRIMARY KEY,
  name  TEXT NOT NULL UNIQUE
) WITHOUT ROWID;

CREATE TABLE municipalities (
  code             TEXT PRIMARY KEY,
  department_code  TEXT NOT NULL REFERENCES departments(code),
  name             TEXT NOT NULL UNIQUE
) WITHOUT ROWID;

CREATE TABLE districts (
  code               TEXT PRIMARY KEY,
  municipality_code  TEXT NOT NULL REFERENCES municipalities(code),
  name               TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX districts_by_municipality ON districts (municipality_code, name);
