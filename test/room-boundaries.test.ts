import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

// The layout rule the ingest chain rests on: a stage room imports no other room, only the
// shared vocabulary in src/pipeline/, which itself imports nothing internal; only
// src/service/ (and the command around it) knows all rooms.
const SRC = path.resolve(__dirname, '..', '..', 'src');
const STAGES = ['receiver', 'normalize', 'ownership', 'pricing', 'ledger', 'policy', 'reports'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The rooms of src/ a file imports, by relative path. */
function roomsImported(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const rooms: string[] = [];
  for (const m of text.matchAll(/\bfrom\s+'(\.[^']*)'/g)) {
    const target = path.relative(SRC, path.resolve(path.dirname(file), m[1]!));
    rooms.push(target.split(path.sep)[0]!);
  }
  return rooms;
}

test('stage rooms import only src/pipeline/ besides themselves, and src/pipeline/ imports no room', () => {
  const crossings: string[] = [];
  for (const room of [...STAGES, 'pipeline']) {
    for (const file of sources(path.join(SRC, room))) {
      for (const imported of roomsImported(file)) {
        if (imported !== room && !(imported === 'pipeline' && room !== 'pipeline')) crossings.push(`${path.relative(SRC, file)} imports ${imported}/`);
      }
    }
  }
  assert.deepEqual(crossings, []);
});
