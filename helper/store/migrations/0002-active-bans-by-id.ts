// Migration 2: GetBans reads active bans in pages by id; this keeps each page an index range even
// when millions of ended bans share the table.
export const version = 2;
export const description = 'index of active bans by id';
export const sql = `
CREATE INDEX bans_active_id ON bans (id) WHERE ended_at IS NULL;
`;
