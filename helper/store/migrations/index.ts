// The ordered list of schema migrations; append a new numbered file here, never edit an old one.
import * as initial from './0001-initial.js';
import * as activeBansById from './0002-active-bans-by-id.js';
import * as bansByStart from './0003-bans-by-start.js';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [initial, activeBansById, bansByStart];
