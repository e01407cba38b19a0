-- A one-time secret (a new account's password, a new token) waiting to be shown once on the page
-- the form redirects to (post/redirect/get), encrypted under DATA_KEY and cleared once shown. A
-- page that fails to draw leaves it in place for a reload, so a committed secret is never lost.
ALTER TABLE sessions ADD COLUMN flash TEXT;
