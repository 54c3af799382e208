// Migration 1: the tables of the first release. Migrations are only ever appended, never edited.
export const version = 1;
export const description = 'bans, events, intel, whitelist, activity log, file positions';
export const sql = `
CREATE TABLE bans (
  id          INTEGER PRIMARY KEY,
  address     TEXT    NOT NULL,          -- canonical text (core/address.ts)
  family      INTEGER NOT NULL CHECK (family IN (4, 6)),
  service     TEXT,                      -- NULL for manual bans
  reason      TEXT    NOT NULL,
  source      TEXT    NOT NULL,          -- detector, manual, api
  failures    INTEGER NOT NULL DEFAULT 0,
  banned_at   INTEGER NOT NULL,          -- epoch ms
  expires_at  INTEGER,                   -- epoch ms; NULL = permanent
  ended_at    INTEGER,                   -- epoch ms; NULL while active
  end_reason  TEXT                       -- expired, unbanned, flushed, whitelisted
);
-- At most one active ban per address: a second ban of a banned address is a bug, not a row.
CREATE UNIQUE INDEX bans_active_address ON bans (address) WHERE ended_at IS NULL;
CREATE INDEX bans_address ON bans (address);
CREATE INDEX bans_active_expiry ON bans (expires_at) WHERE ended_at IS NULL;

CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  time        INTEGER NOT NULL,          -- epoch ms, from the log line
  service     TEXT    NOT NULL,
  address     TEXT    NOT NULL,
  event_type  TEXT    NOT NULL,
  pattern     TEXT    NOT NULL
);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_address ON events (address);

CREATE TABLE intel (
  address     TEXT PRIMARY KEY,
  gathered_at INTEGER NOT NULL,          -- epoch ms
  data        TEXT    NOT NULL,          -- JSON
  errors      TEXT                       -- JSON: source -> message, for sources to retry
);

CREATE TABLE whitelist (
  id          INTEGER PRIMARY KEY,
  network     TEXT    NOT NULL UNIQUE,   -- canonical CIDR (core/address.ts parseNetwork)
  comment     TEXT    NOT NULL DEFAULT '',
  added_at    INTEGER NOT NULL,
  added_by    INTEGER                    -- uid of the caller, NULL when unknown
);

CREATE TABLE activity_log (
  id          INTEGER PRIMARY KEY,
  time        INTEGER NOT NULL,
  actor_uid   INTEGER,                   -- NULL for the helper itself
  action      TEXT    NOT NULL,
  target      TEXT,
  detail      TEXT
);
CREATE INDEX activity_log_time ON activity_log (time);

CREATE TABLE file_positions (
  path            TEXT PRIMARY KEY,      -- file path, or journal:<units>
  inode           INTEGER NOT NULL DEFAULT 0,
  device          INTEGER NOT NULL DEFAULT 0,
  first_line_hash TEXT    NOT NULL DEFAULT '',
  offset          INTEGER NOT NULL DEFAULT 0,
  cursor          TEXT,                  -- journald cursor
  updated_at      INTEGER NOT NULL
);
`;
