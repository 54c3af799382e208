// The in-memory position store that tests and one-shot runs use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryPositionStore, type FilePosition } from '../../../helper/sources/positions.js';

const position: FilePosition = { path: '/var/log/auth.log', inode: 12, device: 2049, firstLineHash: 'ab', offset: 100 };

test('returns the last position saved for a path, and nothing for a path never saved', () => {
  const store = new MemoryPositionStore([position]);
  store.save({ ...position, offset: 250 });
  assert.deepEqual(store.load('/var/log/auth.log'), { ...position, offset: 250 });
  assert.equal(store.load('/var/log/other.log'), undefined);
});

test('keeps a journal cursor with the position', () => {
  const store = new MemoryPositionStore();
  store.save({ path: 'journal:ssh.service', inode: 0, device: 0, firstLineHash: '', offset: 0, cursor: 's=1;i=9' });
  assert.equal(store.load('journal:ssh.service')?.cursor, 's=1;i=9');
});

test('keeps its own copy, so a caller changing its object later changes nothing', () => {
  const store = new MemoryPositionStore();
  const mutable = { ...position };
  store.save(mutable);
  mutable.offset = 1;
  assert.equal(store.load(position.path)?.offset, 100);
});
