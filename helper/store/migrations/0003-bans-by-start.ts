// Migration 3: GetStats counts bans per hour of the last day; this keeps that a range of an index
// instead of a scan of every ban ever recorded.
export const version = 3;
export const description = 'index of bans by start time';
export const sql = `
CREATE INDEX bans_banned_at ON bans (banned_at);
`;
